"""The live-updates section: built from the capture's records, rendered in HTML and JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harness.findings import Finding, FindingKind
from harness.report.build import build_report
from harness.report.live import SUITE
from harness.report.recorder import Recorder
from harness.report.render import render_report


def captured() -> Recorder:
    record = Recorder()
    for name, n in {
        "steps settled": 40,
        "settle seconds": 0.2,
        "messages compared": 12,
        "messages rails": 13,
        "messages go": 12,
        "published rails: new_comment": 10,
        "published go: new_comment": 9,
        "published rails: (discussions)": 3,
        "published go: (discussions)": 3,
    }.items():
        record.count(SUITE, name, n)
    record.cell(SUITE, "rooms rails", "group-*")
    record.cell(SUITE, "rooms go", "group-*")
    return record


def leak() -> Finding:
    return Finding.create(
        kind=FindingKind.PERMISSION, check="live_leak", title="a leak", backend="go"
    )


def test_section_counts_kinds_per_side_and_findings_per_check() -> None:
    live = build_report(captured(), [leak()], spec=None).live
    assert live is not None
    assert live.kinds == (("(discussions)", 3, 3), ("new_comment", 10, 9))
    assert live.messages == (13, 12) and live.settle_ms_per_step == 5.0
    assert dict((c, n) for c, _, n in live.findings) == {
        "live_updates": 0,
        "live_leak": 1,
        "live_fetchable": 0,
    }
    html = render_report(build_report(captured(), [leak()], spec=None))["index.html"]
    assert 'id="live"' in html and "new_comment" in html and "5.00 ms per check" in html


def test_no_redis_says_why_and_skips_the_junit_cases() -> None:
    record = Recorder()
    record.cell(SUITE, "not compared", "go: the go backend is a running server (url mode)")
    report = build_report(record, [], spec=None)
    files = render_report(report)
    assert (
        "Live updates were not compared: go: the go backend is a running server"
        in files["index.html"]
    )
    suite = next(
        s for s in ET.fromstring(files["junit.xml"]).iter("testsuite") if s.get("name") == SUITE
    )
    assert suite.get("skipped") == "3"
    assert "url mode" in (suite.find("testcase/skipped").get("message") or "")  # type: ignore[union-attr]


def test_a_run_without_lockstep_has_no_section() -> None:
    assert build_report(Recorder(), [], spec=None).live is None
