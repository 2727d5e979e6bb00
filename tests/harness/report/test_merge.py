"""Part files round-trip, and CI matrix shards merge into one report."""

from __future__ import annotations

import json

from harness.findings import Finding, FindingKind
from harness.http import ApiRequest, ApiResponse
from harness.noise import NoiseField
from harness.report.__main__ import main as report_main
from harness.report.model import CheckResult, RunInfo
from harness.report.recorder import Recorder, merge_recorders
from tests.harness.report.runs import run_pytest


def a_recorder(backend: str, seed: str) -> Recorder:
    recorder = Recorder()
    recorder.exchange(
        backend,
        ApiRequest(method="GET", path="/api/v1/discussions/7?x=1"),
        ApiResponse(status=200, body={"discussions": [{"id": 7}]}),
    )
    recorder.count("properties/tallies", "polls checked", 3)
    recorder.cell("properties/permissions", "cells", ("member", "private", "show"))
    recorder.exclude([NoiseField(pattern="/a", source="learned", kinds=("value",), seen=2)])
    recorder.backend(backend, "http://127.0.0.1:3000")
    recorder.seed(seed)
    recorder.check(CheckResult(nodeid=f"t.py::test_{backend}", outcome="passed"))
    recorder.runs.append(RunInfo(profile="ci", seeds=(seed,), versions=(("python", "3.11"),)))
    return recorder


def test_a_part_file_round_trips():
    recorder = a_recorder("rails", "1")
    back = Recorder.from_json(recorder.to_json())
    assert back.to_json() == recorder.to_json()
    assert back.runs == recorder.runs


def test_records_add_up_and_distinct_cells_do_not_double():
    merged = merge_recorders([a_recorder("rails", "1"), a_recorder("rails", "2")])
    (obs,) = merged.observations.values()
    assert obs.count == 2 and obs.path == "/api/v1/discussions/7"
    assert merged.figures()["properties/permissions"] == [("cells", 1)]
    assert merged.figures()["properties/tallies"] == [("polls checked", 6)]
    assert merged.seeds == {"1", "2"} and len(merged.runs) == 2


def test_the_first_record_of_a_test_wins_the_merge():
    worker, controller = Recorder(), Recorder()
    worker.check(CheckResult(nodeid="t.py::x", outcome="failed", message="masked by worker"))
    controller.check(CheckResult(nodeid="t.py::x", outcome="failed", message=""))
    assert merge_recorders([worker, controller]).checks["t.py::x"].message == "masked by worker"


SHARD = """
def test_{name}(report_recorder, findings_writer):
    exchange(report_recorder, "go", "/api/v1/{path}", body={{}})
    findings_writer.write(finding("{name} differs", operation="GET /api/v1/{path}"))
"""


def test_shards_merge_into_one_report(tmp_path, capsys):
    for name, path in (("contracts", "discussions/1"), ("properties", "polls")):
        shard = tmp_path / name
        shard.mkdir()
        run_pytest(shard, SHARD.format(name=name, path=path))
    out = tmp_path / "merged"
    status = report_main(
        [
            "merge",
            str(tmp_path / "contracts" / "report"),
            str(tmp_path / "properties" / "report"),
            "-o",
            str(out),
            "--spec",
            str(tmp_path / "contracts" / "spec" / "openapi.yaml"),
        ]
    )
    assert status == 1
    assert "FAIL: 2 findings from 2 shards" in capsys.readouterr().out
    document = json.loads((out / "findings.json").read_text())
    assert sorted(f["title"] for f in document["findings"]) == [
        "contracts differs",
        "properties differs",
    ]
    html = (out / "index.html").read_text()
    assert "2 requests sent" in html and "Processes merged</dt><dd>2<" in html


def test_merge_names_a_directory_that_is_not_a_report(tmp_path, capsys):
    assert report_main(["merge", str(tmp_path), "-o", str(tmp_path / "out")]) == 2
    assert "no parts/ directory" in capsys.readouterr().err


def test_backend_failures_become_findings(tmp_path):
    tests = """
from harness import events

def test_dies():
    events.record_backend_failure(events.BackendFailure(
        backend="go", kind="died", request="GET /api/v1/groups/1", detail="exit", exit_code=1))
"""
    result = run_pytest(tmp_path, tests)
    assert result.returncode == 1, result.stdout + result.stderr
    (finding,) = json.loads((tmp_path / "report" / "findings.json").read_text())["findings"]
    assert Finding.from_dict(finding).kind is FindingKind.BACKEND_FAILURE
    assert finding["title"] == "go backend died"
