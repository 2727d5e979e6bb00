"""The ability matrix: spec/abilities.yaml rows x roles, filled from the permission suite's record."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from harness.report.abilities import BUILDABLE, OBSERVED, REACHABLE, ROLES, SUITE, build_matrix
from harness.report.build import build_report
from harness.report.recorder import Recorder
from harness.report.render import render_report
from properties.oracles.permission_model import Role

SPEC = Path(__file__).resolve().parents[3] / "spec"
ABILITIES = yaml.safe_load((SPEC / "abilities.yaml").read_text())
OPENAPI = yaml.safe_load((SPEC / "openapi.yaml").read_text())


def key(*values: object) -> str:
    return json.dumps(list(values))


def test_columns_are_the_oracle_roles_and_author() -> None:
    assert set(ROLES) == {r.value for r in Role} | {"author"}


def test_cells_are_proved_mismatched_gap_unbuilt_or_unreached() -> None:
    observed = [
        key("member", "PATCH /api/v1/comments/{id}", 200, 200, 200),
        key("member", "PUT /api/v1/comments/{id}", 403, 403, 403),
        key("visitor", "PATCH /api/v1/comments/{id}", 403, 200, 403),  # go let a visitor edit
    ]
    reachable = [
        key("member", "PATCH /api/v1/comments/{id}"),
        key("admin", "PATCH /api/v1/comments/{id}"),
        key("poll_guest", "PATCH /api/v1/comments/{id}"),
    ]
    matrix = build_matrix(ABILITIES, OPENAPI, observed, reachable, reachable[:2])
    row = next(r for r in matrix.rows if (r.model, r.action) == ("Comment", "update"))
    cells = {c.role: c for c in row.cells}
    assert (cells["member"].state, cells["member"].requests, cells["member"].allowed) == (
        "proved",
        2,
        (1, 1, 1),
    )
    assert cells["visitor"].state == "mismatch"
    assert cells["admin"].state == "gap" and ("Comment", "update", "admin") in matrix.gap
    assert cells["site_admin"].state == "unreached"
    assert cells["poll_guest"].state == "unbuilt" and matrix.unbuilt == [
        ("Comment", "update", "poll_guest")
    ]
    assert "PATCH /api/v1/comments/{id}" in row.operations and row.rules == (
        "app/models/ability/comment.rb:10",
    )
    # an observed cell counts as reachable and buildable
    assert (matrix.exercised, matrix.buildable, matrix.reachable) == (2, 3, 4)


def test_the_report_renders_the_matrix_and_its_json() -> None:
    record = Recorder()
    record.cell(SUITE, REACHABLE, ["member", "POST /api/v1/comments"])
    record.cell(SUITE, BUILDABLE, ["member", "POST /api/v1/comments"])
    record.cell(SUITE, OBSERVED, ["member", "POST /api/v1/comments", 200, 200, 200])
    report = build_report(record, [], spec=OPENAPI, abilities=ABILITIES)
    files = render_report(report)
    assert 'id="abilities"' in files["index.html"] and "Comment#create" in files["index.html"]
    matrix = json.loads(files["ability-matrix.json"])
    assert matrix["exercised_on_both_backends"] == 1 and matrix["reachable"] == 1
    row = next(r for r in matrix["rows"] if (r["model"], r["action"]) == ("Comment", "create"))
    assert row["cells"]["member"] == {
        "state": "proved",
        "requests": 1,
        "allowed": {"rails": 1, "go": 1, "oracle": 1},
        "mismatches": 0,
    }


def test_without_abilities_yaml_there_is_no_matrix() -> None:
    report = build_report(Recorder(), [], spec=OPENAPI)
    assert report.abilities is None and "ability-matrix.json" not in render_report(report)
