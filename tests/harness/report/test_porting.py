"""Porting progress: the matrix, totals per tag, the history and where they show."""

from __future__ import annotations

from pathlib import Path

import yaml

from harness.findings import Finding, FindingKind
from harness.report.files import with_history
from harness.report.model import Report, RunInfo
from harness.report.porting import (
    HistoryPoint,
    build_porting,
    history_svg,
    read_history,
)
from harness.report.render import render_report

SPEC = yaml.safe_load((Path(__file__).parents[3] / "spec" / "openapi.yaml").read_text())
TOTAL = sum(
    1
    for item in SPEC["paths"].values()
    for m in item
    if m in ("get", "post", "put", "patch", "delete")
)
ROUTES = {"groups_show": "go", "groups_index": "go", "events_index": "go 25%"}


def finding(kind: FindingKind, operation: str, backend: str = "rails,go") -> Finding:
    return Finding.create(kind=kind, check="c", title="t", operation=operation, backend=backend)


def porting(findings=(), compared=("GET /api/v1/groups/{key}", "GET /api/v1/groups")):
    requests = {"groups_show": 3, "groups_index": 2, "events_index": 1}
    return build_porting(SPEC, ROUTES, findings, requests, compared)


def test_every_operation_gets_a_row_and_ported_ones_count() -> None:
    p = porting()
    assert p.total == TOTAL and p.ported == 3
    rows = {r.operation_id: r for r in p.rows}
    assert rows["groups_show"].lockstep == "identical"  # {key} in the lockstep's label
    assert rows["events_index"].lockstep == "not compared"
    assert rows["comments_create"].state == "rails" and not rows["comments_create"].ported
    assert p.identical == 2
    assert p.line == f"3 of {TOTAL} operations ported, 2 identical to Rails"


def test_differences_and_go_conformance_failures_are_not_identical() -> None:
    p = porting(
        findings=[
            finding(FindingKind.DIFFERENTIAL, "GET /api/v1/groups/{key}"),
            finding(FindingKind.CONFORMANCE, "GET /api/v1/groups", backend="go"),
            finding(FindingKind.CONFORMANCE, "GET /api/v1/events", backend="rails"),
        ]
    )
    rows = {r.operation_id: r for r in p.rows}
    assert rows["groups_show"].lockstep == "differs"
    assert rows["groups_index"].conformance == "fails"
    assert rows["events_index"].conformance == "passes"  # only rails failed it
    assert p.identical == 0


def test_totals_per_tag() -> None:
    tags = {t.tag: t for t in porting().tags}
    assert (tags["groups"].ported, tags["groups"].identical) == (2, 2)
    assert sum(t.total for t in tags.values()) == TOTAL


def test_history_appends_one_point_per_run_and_draws_it(tmp_path: Path) -> None:
    report = Report(porting=porting(), run=RunInfo(started_at="2026-12-01T10:00:00+00:00"))
    path = tmp_path / "porting-history.jsonl"
    path.write_text('{"broken": \n')  # a damaged line is skipped, not fatal
    first = with_history(report, path)
    second = with_history(report, path)
    assert len(first.porting.history) == 1 and len(second.porting.history) == 2
    assert len(read_history(path.read_text().splitlines())) == 2
    svg = history_svg(second.porting.history)
    assert svg.startswith("<svg") and svg.count("<polyline") == 2 and f"3 of {TOTAL} ported" in svg


def test_a_full_port_run_has_no_porting_section(tmp_path: Path) -> None:
    report = Report()
    assert with_history(report, tmp_path / "h.jsonl") is report
    assert not (tmp_path / "h.jsonl").exists()
    assert 'id="porting"' not in render_report(report)["index.html"]


def test_the_report_shows_the_matrix_summary_and_json() -> None:
    point = HistoryPoint(started_at="2026-12-01", total=TOTAL, ported=3, identical=2)
    p = porting()
    report = Report(porting=type(p)(rows=p.rows, history=(point, point)))
    files = render_report(report)
    assert 'id="porting"' in files["index.html"] and "<svg" in files["index.html"]
    assert "groups_show" in files["index.html"]
    assert f"3 of {TOTAL} operations ported, 2 identical to Rails" in files["summary.md"]
    assert '"identical": 2' in files["findings.json"]
