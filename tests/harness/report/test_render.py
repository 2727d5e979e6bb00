"""Rendering is pure: one model in, four files out, the same bytes every time."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from harness.findings import Finding, FindingKind
from harness.report.build import extraction_summary
from harness.report.model import CheckResult, Report, RunInfo, Verdict, group_findings
from harness.report.render import render_report
from tests.harness.report.samples import sample_findings, sample_report


def a_finding(**fields):
    return Finding.create(kind=FindingKind.DIFFERENTIAL, check="lockstep", title="t", **fields)


def test_render_report_writes_the_four_files_deterministically():
    report = sample_report()
    files = render_report(report)
    assert set(files) == {"index.html", "junit.xml", "findings.json", "summary.md"}
    assert files == render_report(report)


def test_findings_are_grouped_and_the_backends_disagreeing_come_first():
    groups = group_findings(sample_findings())
    assert [(g.kind, len(g.findings)) for g in groups] == [("differential", 2), ("conformance", 1)]


def test_a_finding_without_values_shows_no_empty_value_panel():
    conformance = a_finding(backend="rails")
    html = render_report(Report(findings=group_findings([conformance])))["index.html"]
    assert "<h4>rails</h4>" not in html
    null_vs_value = a_finding(backend="rails,go", rails=None, go=1)
    html = render_report(Report(findings=group_findings([null_vs_value])))["index.html"]
    assert "<h4>rails</h4><pre>null</pre>" in html


def test_verdict_follows_findings_failed_checks_and_interruption():
    report = sample_report()
    assert report.verdict is Verdict.FAIL
    clean = Report(run=RunInfo())
    assert clean.verdict is Verdict.PASS
    assert Report(run=RunInfo(interrupted=True)).verdict is Verdict.INCOMPLETE
    assert Report(run=RunInfo(exit_status=5)).verdict is Verdict.INCOMPLETE  # nothing collected
    skipped = CheckResult(nodeid="t.py::x", outcome="skipped", message="no backend")
    assert Report(checks=(skipped,)).verdict is Verdict.INCOMPLETE


def test_html_is_self_contained():
    report = sample_report()
    html = render_report(report)["index.html"]
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "@import" not in html and "url(" not in html
    assert "<style>" in html


def test_html_shows_verdict_coverage_findings_and_the_rest():
    report = sample_report()
    html = render_report(report)["index.html"]
    for text in (
        ">FAIL<",
        "3 findings",
        "rails coverage",
        "Operations exercised",
        "differential",
        "value at /discussions/*/title",
        "/discussions/discussions#2/title",
        "member: POST /api/v1/discussions",
        "curl -s -X POST http://127.0.0.1:3000/api/v1/polls",
        "/discussions/*/updated_at",
        "app/serializers/user_serializer.rb:14",
        "cells: <strong>64</strong>",
        "Hypothesis profile",
    ):
        assert text in html, text


def test_html_escapes_backend_values():
    report = sample_report()
    html = render_report(report)["index.html"]
    assert "Budget &lt;2026&gt;" in html and "Budget <2026>" not in html


def test_junit_has_a_failure_per_finding_group_and_a_testcase_per_check():
    report = sample_report()
    root = ET.fromstring(render_report(report)["junit.xml"])
    findings = root.find("testsuite[@name='findings']")
    assert findings is not None
    failures = findings.findall("testcase/failure")
    assert len(failures) == len(report.findings) == 2
    assert "rails:" in failures[0].text and "repro:" in failures[0].text
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(report.findings) + len(report.checks)
    assert root.get("failures") == "3" and root.get("tests") == "4"


def test_junit_of_a_clean_run_passes_and_survives_control_characters():
    control = a_finding(operation="GET /x", rails="a\x00b", go="\x1bc")
    assert ET.fromstring(render_report(Report())["junit.xml"]).get("failures") == "0"
    root = ET.fromstring(render_report(Report(findings=group_findings([control])))["junit.xml"])
    assert root.get("failures") == "1"


def test_findings_json_round_trips():
    report = sample_report()
    document = json.loads(render_report(report)["findings.json"])
    assert document["verdict"] == "fail" and document["finding_count"] == 3
    back = [Finding.from_dict(f) for f in document["findings"]]
    assert group_findings(back) == report.findings
    assert [len(g["ids"]) for g in document["groups"]] == [2, 1]


def test_summary_md_has_verdict_coverage_and_fenced_repro():
    report = sample_report()
    summary = render_report(report)["summary.md"]
    assert summary.startswith("## :x: loomio-parity: FAIL")
    assert "| rails | 1/3 (33%)" in summary
    assert "| differential | 2 |" in summary
    assert "```sh\ncurl -s http://127.0.0.1:3000/api/v1/discussions/1\n```" in summary
    assert '-  "title": "Budget <2026>"' in summary  # inside the diff fence, verbatim


def test_summary_md_escapes_html_and_pipes_outside_code():
    finding = a_finding(operation="GET /a|b", detail="<img src=x onerror=alert(1)>")
    summary = render_report(Report(findings=group_findings([finding])))["summary.md"]
    assert "<img" not in summary and "&lt;img" in summary
    assert "GET /a\\|b" in summary


def test_summary_md_fences_survive_backticks_in_a_repro():
    finding = a_finding(repro="echo ```\nrm -rf /")
    summary = render_report(Report(findings=group_findings([finding])))["summary.md"]
    assert "````sh\necho ```\nrm -rf /\n````" in summary


def test_partial_report_says_so():
    report = sample_report(run=RunInfo(interrupted=True))
    files = render_report(report)
    assert "run interrupted: partial report" in files["index.html"]
    assert "partial report" in files["summary.md"]


def test_extraction_report_of_parity_extract_is_shown_with_places():
    data = {
        "summary": {"serializers": 29, "attributes": 327, "typed_share": 0.9939},
        "diagnostics": [
            {"where": "config/routes.rb:64", "kind": "unsupported", "message": "devise_scope"}
        ],
        "resolved_by_override": [
            {
                "where": "app/serializers/poll_serializer.rb:8",
                "kind": "untyped",
                "message": "cannot infer the type of attribute `results`.",
                "override": "spec/overrides.yaml:1",
            }
        ],
    }
    summary = extraction_summary(data)
    assert summary.counts == (("serializers", 29), ("attributes", 327))
    assert summary.shares == (("typed share", 0.9939),)
    html = render_report(Report(extraction=summary))["index.html"]
    assert "config/routes.rb:64" in html and "app/serializers/poll_serializer.rb:8" in html
    assert "resolved by spec/overrides.yaml:1" in html and "99%" in html


def test_two_scalars_get_no_diff_block_structures_do():
    scalars = a_finding(backend="rails,go", rails="<absent>", go="Member")
    html = render_report(Report(findings=group_findings([scalars])))["index.html"]
    assert "Diff rails → go" not in html and "Member" in html
    assert "Diff rails → go" in render_report(sample_report())["index.html"]


def test_a_broken_rule_shows_expected_against_the_backend_actual():
    finding = a_finding(
        backend="go",
        rails=1,  # the property suites also keep the oracle's value here
        extra={"expected": {"child_count": 1}, "actual": {"child_count": 0}},
    )
    html = render_report(Report(findings=group_findings([finding])))["index.html"]
    assert "<h4>expected</h4>" in html and "<h4>go (actual)</h4>" in html
    assert "<h4>rails</h4>" not in html
    assert "Diff expected → go (actual)" in html
