"""Paired latency and the gates in every report file."""

from __future__ import annotations

import json

from harness.gates import ContractTally, Gates, evaluate
from harness.latency import Pair, summarize
from harness.report.build import build_report
from harness.report.model import Report, Verdict
from harness.report.recorder import Recorder
from harness.report.render import render_report


def slow_go_pairs(n: int = 40) -> list[Pair]:
    return [
        Pair(
            operation="GET /api/v1/discussions/{id}",
            rails_ms=5 + i % 3,
            go_ms=60 + i % 4,
            rails_status=200,
            go_status=200,
        )
        for i in range(n)
    ]


def test_pairs_survive_the_part_file_and_make_the_latency_section() -> None:
    recorder = Recorder()
    for pair in slow_go_pairs():
        recorder.pair(pair)
    merged = Recorder.from_json(recorder.to_json())
    report = build_report(merged, [], spec=None)
    assert report.latency is not None and report.latency.overall.pairs == 40
    assert report.verdict is Verdict.FAIL  # the ratio gate says no-go
    files = render_report(report)
    assert (
        "<svg" in files["index.html"] and "GET /api/v1/discussions/{id} (40)" in files["index.html"]
    )
    assert "Latency go/rails: **" in files["summary.md"]
    assert (
        "| latency ratio go/rails |" in files["summary.md"] and "**no-go**" in files["summary.md"]
    )
    data = json.loads(files["findings.json"])
    assert data["latency"]["pairs"] == 40 and data["latency"]["ratio"] > 10
    assert {g["name"]: g["go"] for g in data["gates"]}["latency ratio go/rails"] is False


def test_a_disabled_recorder_keeps_no_pairs() -> None:
    recorder = Recorder(enabled=False)
    recorder.pair(slow_go_pairs(1)[0])
    assert recorder.pairs == []


def test_operation_labels_in_the_plot_are_escaped() -> None:
    pairs = [
        Pair(
            operation="GET /<script>", rails_ms=5, go_ms=5 + i % 2, rails_status=200, go_status=200
        )
        for i in range(5)
    ]
    latency = summarize(pairs)
    tally = ContractTally(passed=1, total=1, findings=0, unit="checks")
    html = render_report(Report(latency=latency, gates=evaluate(Gates(), tally, latency)))[
        "index.html"
    ]
    assert "<script>" not in html and "GET /&lt;script&gt;" in html


SLOW_GO = """
from harness.latency import Pair

def test_pairs(report_recorder):
    for i in range(40):
        report_recorder.pair(Pair(operation="GET /a", rails_ms=5 + i % 3, go_ms=50 + i % 4,
                                  rails_status=200, go_status=200))
"""


def test_a_no_go_gate_fails_the_run_and_a_gate_option_moves_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.harness.report.runs import findings_json, run_pytest

    failed = run_pytest(tmp_path, SLOW_GO)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "gates no-go: latency ratio go/rails" in failed.stdout
    assert findings_json(tmp_path)["verdict"] == "fail"
    passed = run_pytest(tmp_path, SLOW_GO, "--gate", "latency_ratio=20")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    bad = run_pytest(tmp_path, SLOW_GO, "--gate", "speed=1")
    assert bad.returncode == 4 and "unknown gate 'speed'" in bad.stderr
