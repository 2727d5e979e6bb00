"""The conformance suite against the embedded pair: silent when clean, loud on each fault.

Each run is a real `pytest contracts/test_conformance.py` subprocess (embedded backends);
a fault of the reference catalogue is switched on for the go side only.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.contracts import differential_runs
from tests.contracts.conformance_runs import DETECTED, UNDETECTED, catalogue, run_conformance

pytestmark = pytest.mark.backend
REPRESENTATIVE = ("create_returns_201", "ids_as_strings", "forbidden_as_404")
CLEAN_SUBSET = "groups_show,discussions_show,comments_create,events_timeline,memberships_destroy"


def test_every_fault_of_the_covered_categories_is_classified() -> None:
    faults = {name for name, _ in catalogue()}
    assert faults == set(DETECTED) | set(UNDETECTED), "classify new faults in conformance_runs"
    assert not set(DETECTED) & set(UNDETECTED)
    # what conformance cannot see, the differential meta-test must (it runs each of these)
    assert set(UNDETECTED) <= {name for name, _ in differential_runs.catalogue()}


def _detects(tmp_path: Path, fault: str) -> None:
    operations = ",".join(DETECTED[fault])
    run = run_conformance(
        tmp_path, "--go-faults", fault, "--conformance-operations", operations, "-k", "go"
    )
    on_go = [f for f in run.findings if f["backend"] == "go"]
    assert on_go, f"{fault} not detected in {run.seconds:.0f}s:\n{run.output}"
    assert run.returncode == 1, run.output  # findings fail the run like any failed test
    assert all(f["repro"].startswith("curl ") for f in on_go)


@pytest.mark.parametrize("fault", REPRESENTATIVE)
def test_representative_fault_is_detected(tmp_path: Path, fault: str) -> None:
    _detects(tmp_path, fault)


@pytest.mark.slow
@pytest.mark.parametrize("fault", sorted(set(DETECTED) - set(REPRESENTATIVE)))
def test_fault_is_detected(tmp_path: Path, fault: str) -> None:
    _detects(tmp_path, fault)


def test_clean_pair_has_no_findings_on_a_subset(tmp_path: Path) -> None:
    run = run_conformance(tmp_path, "--conformance-operations", CLEAN_SUBSET)
    assert run.findings == [], run.output
    assert run.returncode == 0, run.output
    # what go shares with rails (comments_create accepts some invalid bodies on both) is
    # listed as characterizations, rails' own quirks as the embedded pair's known entries
    parts = [json.loads(p.read_text()) for p in (tmp_path / "report" / "parts").glob("*.json")]
    aside = {
        (category, subject.split(":")[0])
        for part in parts
        for _, category, subject, *_ in part["set_aside"]
    }
    assert ("characterization", "go, comments_create") in aside, aside
    assert any(category == "known" for category, _ in aside), aside
    # conformance feeds parameter coverage: its cases' query and body parameters, per side
    coverage = json.loads((tmp_path / "report" / "parameter-coverage.json").read_text())
    rows = {(r["operation"], r["name"]): r["backends"] for r in coverage["parameters"]}
    for side in ("rails", "go"):
        body = rows[("comments_create", "comment.body")][side]
        assert body["sent"] and body["distinct"] > 1 and body["changed"], body
        assert rows[("groups_show", "exclude_types")][side]["sent"]
    assert all(r["name"].replace(".", "_").isidentifier() for r in coverage["undeclared"])


@pytest.mark.slow
def test_clean_pair_has_no_findings(tmp_path: Path) -> None:
    run = run_conformance(tmp_path)
    assert run.findings == [], run.output
    assert run.returncode == 0, run.output
