"""The spec a user names drives every contract suite and the coverage alike.

A trimmed copy of spec/openapi.yaml (a partial port's spec: groups and the profile only) is
given with `--spec`: conformance generates cases for its operations only, the lockstep
sends only calls it has (the others are counted, not sent), and the report measures
coverage against it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from harness.findings import findings_files, merge_findings
from harness.report.files import report_from_parts
from harness.spec import load_spec, operation_ids
from tests.contracts.suite_runs import ROOT, run_suite

pytestmark = pytest.mark.backend
KEPT = ("/api/v1/groups/{id}", "/api/v1/profile/me")


def trimmed_spec(tmp_path: Path) -> Path:
    spec = load_spec(ROOT / "spec" / "openapi.yaml")
    spec["paths"] = {path: item for path, item in spec["paths"].items() if path in KEPT}
    path = tmp_path / "trimmed.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def test_conformance_lockstep_and_coverage_follow_the_users_spec(tmp_path: Path) -> None:
    spec = trimmed_spec(tmp_path)
    kept = operation_ids(load_spec(spec))
    assert kept == {"groups_show", "groups_update", "groups_update_put", "profile_me"}
    run = run_suite("contracts", "conformance", tmp_path, "--spec", str(spec), profile="dev")
    found = merge_findings(findings_files(tmp_path / "report" / "parts"))
    # the embedded pair's known entries of these operations may go unused in a short run:
    # stale (a finding, by design); nothing else may be found
    assert [f.check for f in found if f.check != "known_entry_stale"] == [], run.output
    parts = [json.loads(p.read_text()) for p in (tmp_path / "report" / "parts").glob("*.json")]
    tested = {
        o["operation"]
        for part in parts
        for o in part["observations"]
        if o["operation"] and " " not in o["operation"]  # conformance labels by operationId
    }
    assert tested == kept, tested
    counts = {(s, n): v for part in parts for s, n, v in part["counts"]}
    assert counts.get(("contracts/differential", "calls not sent: not in the spec"), 0) > 0, (
        run.output
    )
    assert counts[("contracts/differential", "requests")] > 0  # the groups and profile reads
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "groups_show" in page and "profile_me" in page
    for left_out in ("discussions_show", "polls_close", "comments_create"):
        assert left_out not in page, f"{left_out}: coverage measured on another spec"
    # go was sent nothing outside the spec but the actors' sign-ins (cookie auth)
    report = report_from_parts([tmp_path / "report" / "parts"], spec)
    go = next(c for c in report.coverage if c.backend == "go")
    assert {u.path for u in go.unmatched} <= {"/api/v1/sessions"}, go.unmatched
