"""The report's channel section: figures of the channel suite, latency per side."""

from __future__ import annotations

from harness.report.build import build_report
from harness.report.channels import channel_summary
from harness.report.recorder import Recorder, merge_recorders
from harness.report.render import render_report

SUITE = "channels/rooms"  # the report names contracts/channels/test_rooms.py so


def _record(side: str, buckets: dict[str, int]) -> Recorder:
    record = Recorder()
    record.count(SUITE, "sockets", 10)
    record.cell(SUITE, "rooms", "group-1")
    for bucket, n in buckets.items():
        record.count(SUITE, f"latency {side} {bucket}", n)
    return record


def test_percentiles_are_read_off_the_merged_histogram() -> None:
    merged = merge_recorders(
        [
            _record("rails", {"≤ 1 ms": 90, "≤ 5 ms": 9}),
            _record("rails", {"> 2000 ms": 1}),
            _record("go", {"≤ 2 ms": 50, "≤ 10 ms": 50}),
        ]
    )
    summary = channel_summary(merged.figures())
    assert summary is not None
    assert dict(summary.figures) == {"sockets": 30, "rooms": 1}
    rails, go = sorted(summary.latency, key=lambda r: r.side != "rails")
    assert (rails.samples, rails.p50, rails.p95, rails.p99) == (100, "≤ 1 ms", "≤ 5 ms", "≤ 5 ms")
    assert rails.buckets[-1] == ("> 2000 ms", 1)
    assert (go.p50, go.p95) == ("≤ 2 ms", "≤ 10 ms")


def test_no_channel_suite_no_section_and_the_section_renders() -> None:
    assert channel_summary(Recorder().figures()) is None
    report = build_report(_record("go", {"≤ 1 ms": 3}), [], spec=None)
    files = render_report(report)
    assert "Channel servers (live updates)" in files["index.html"]
    assert "| go | 3 | ≤ 1 ms" in files["summary.md"]
    suite = next(s for s in report.suites if s.suite == SUITE)
    assert all(not name.startswith("latency ") for name, _ in suite.metrics)
