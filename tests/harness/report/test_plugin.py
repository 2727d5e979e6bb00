"""The report plugin in real pytest runs: single process, xdist workers, interruptions."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.harness.report.runs import findings_json, run_pytest

TWO_BACKENDS = """
def test_show(report_recorder):
    for backend in ("rails", "go"):
        exchange(report_recorder, backend, "/api/v1/discussions/7", body={"discussions": [{"id": 7}]})

def test_polls(report_recorder, findings_writer):
    exchange(report_recorder, "go", "/api/v1/polls", status=500, method="POST")
    findings_writer.write(finding("status differs", operation="POST /api/v1/polls",
                  rails=201, go=500, detail="rails 201, go 500", repro="curl -X POST /api/v1/polls"))
"""


def test_a_run_writes_every_report_file_and_findings_fail_it(tmp_path):
    result = run_pytest(tmp_path, TWO_BACKENDS)
    assert result.returncode == 1, result.stdout + result.stderr  # tests passed, a finding fails
    assert "FAIL: 1 findings; report:" in result.stdout
    report = tmp_path / "report"
    assert {p.name for p in report.iterdir()} >= {
        "index.html",
        "junit.xml",
        "findings.json",
        "summary.md",
    }
    assert findings_json(tmp_path)["groups"][0]["title"] == "status differs"
    html = (report / "index.html").read_text()
    assert "1 finding<" in html.replace("</strong>", "<") and "rails coverage" in html
    junit = ET.parse(report / "junit.xml").getroot()
    assert (junit.get("tests"), junit.get("failures")) == ("3", "1")  # 2 checks + 1 finding group


def test_a_clean_run_passes(tmp_path):
    result = run_pytest(tmp_path, TWO_BACKENDS.split("def test_polls")[0])
    assert result.returncode == 0, result.stdout + result.stderr
    assert findings_json(tmp_path)["verdict"] == "pass"
    assert (
        "## :white_check_mark: loomio-parity: PASS"
        in (tmp_path / "report" / "summary.md").read_text()
    )


def test_without_report_the_recorder_is_idle_and_nothing_is_written(tmp_path):
    result = run_pytest(tmp_path, TWO_BACKENDS.split("def test_polls")[0], report=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "report").exists()


XDIST = """
import pytest

@pytest.mark.parametrize("n", range(6))
def test_n(report_recorder, findings_writer, n):
    exchange(report_recorder, "rails", f"/api/v1/discussions/{n}", body={"discussions": []})
    report_recorder.cell("properties/permissions", "permission cells", ["member", n % 3])
    findings_writer.write(finding(f"value {n}", operation="GET /api/v1/discussions/{id}",
                          pointer=f"/discussions/{n}", rails=n, go=-n, detail=f"case {n}"))
"""


def test_xdist_workers_records_and_findings_merge_into_one_report(tmp_path):
    result = run_pytest(tmp_path, XDIST, "-n", "2")
    assert result.returncode == 1, result.stdout + result.stderr
    parts = sorted(p.name for p in (tmp_path / "report" / "parts").iterdir())
    assert {"findings-gw0.jsonl", "findings-gw1.jsonl"} <= set(parts)
    assert {"part-gw0.json", "part-gw1.json", "part-main.json"} <= set(parts)
    assert findings_json(tmp_path)["finding_count"] == 6
    html = (tmp_path / "report" / "index.html").read_text()
    assert "6 requests sent" in html
    assert "permission cells: <strong>3</strong>" in html  # distinct across workers
    junit = ET.parse(tmp_path / "report" / "junit.xml").getroot()
    assert junit.get("tests") == "12"  # 6 checks + 6 finding groups


INTERRUPTED = """
def test_first(report_recorder, findings_writer):
    exchange(report_recorder, "go", "/api/v1/discussions/1", body={"discussions": []})
    findings_writer.write(finding("early", operation="GET /api/v1/discussions/{id}",
                          detail="found before the interruption"))

def test_interrupt():
    raise KeyboardInterrupt

def test_never_runs():
    pass
"""


def test_an_interrupted_session_still_writes_a_partial_report(tmp_path):
    result = run_pytest(tmp_path, INTERRUPTED)
    assert result.returncode == 2, result.stdout + result.stderr
    html = (tmp_path / "report" / "index.html").read_text()
    assert "run interrupted: partial report" in html
    assert "found before the interruption" in html
    assert findings_json(tmp_path)["verdict"] == "fail"


def test_an_interrupted_session_without_findings_is_incomplete_not_pass(tmp_path):
    result = run_pytest(tmp_path, "def test_interrupt():\n    raise KeyboardInterrupt\n")
    assert result.returncode == 2
    assert findings_json(tmp_path)["verdict"] == "incomplete"


WORKER_DIES = """
import os

def test_a(report_recorder):
    exchange(report_recorder, "rails", "/api/v1/discussions/1", body={"discussions": []})

def test_b():
    os._exit(3)
"""


def test_what_a_worker_recorded_before_it_died_still_counts(tmp_path):
    result = run_pytest(tmp_path, WORKER_DIES, "-n", "1")
    assert result.returncode == 1, result.stdout + result.stderr
    html = (tmp_path / "report" / "index.html").read_text()
    assert "1 request sent" in html
    assert "test_b" in html  # the crashed test is a failed check


SUBTESTS = """
def test_operations(subtests):
    for path in ("/a", "/b"):
        with subtests.test(msg=f"GET {path}"):
            assert path == "/a"
"""


def test_each_subtest_is_a_check_of_its_own(tmp_path):
    result = run_pytest(tmp_path, SUBTESTS)
    assert result.returncode == 1, result.stdout + result.stderr
    junit = ET.parse(tmp_path / "report" / "junit.xml").getroot()
    names = {c.get("name"): c.find("failure") is not None for c in junit.iter("testcase")}
    assert names["test_operations [GET /a]"] is False
    assert names["test_operations [GET /b]"] is True


def test_a_report_path_that_is_a_file_is_a_usage_error(tmp_path) -> None:
    (tmp_path / "report").write_text("not a directory")
    done = run_pytest(tmp_path, "def test_nothing():\n    pass\n")
    assert done.returncode == 4, done.stdout + done.stderr
    assert "--report" in done.stderr and "is not a directory" in done.stderr
