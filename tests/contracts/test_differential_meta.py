"""The differential suite against the embedded pair: silent when clean, loud on each fault.

Each case runs `pytest contracts/test_differential.py` in a subprocess with
`--go-faults NAME` (shared/loomio fault catalogue of the reference backend). The default
run keeps one fault per kind of difference; `-m slow` runs the whole catalogue.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends import provision
from harness.config import HarnessConfig
from harness.findings import findings_files, merge_findings
from tests.contracts.differential_runs import catalogue, run_differential
from tests.contracts.suite_runs import SuiteRun
from tests.contracts.suite_runs import catalogue as suite_catalogue

pytestmark = pytest.mark.backend
# one fault per kind, each found within a few examples (events_order_desc_ignored needs ~20:
# it is in the slow set)
REPRESENTATIVE = {"event_actor_renamed", "create_returns_201", "groups_index_order_ascending"}
FAULTS = catalogue()


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[SuiteRun, Path]:
    """One run on the clean pair, with its report directory."""
    tmp = tmp_path_factory.mktemp("clean")
    return run_differential(tmp), tmp / "report"


def test_clean_pair_has_no_differential_findings(clean_run: tuple[SuiteRun, Path]) -> None:
    run, _ = clean_run
    assert run.returncode == 0, run.output
    assert run.findings == []


def test_parameter_coverage_of_a_real_run_shows_what_was_sent_and_its_gaps(
    clean_run: tuple[SuiteRun, Path],
) -> None:
    """harness/report/parameters.py fed by a real lockstep run: the table has sent counts,
    distinct values and changed answers on both backends; a parameter the lockstep never
    sends (discussions#index `per`) is a gap; the HTML shows the section."""
    _, report = clean_run
    coverage = json.loads((report / "parameter-coverage.json").read_text())
    for backend in ("rails", "go"):
        totals = coverage["totals"][backend]
        assert totals["declared"] >= 100 and totals["sent"] >= 20 and totals["changed"] >= 10
    rows = {(r["operation"], r["name"]): r["backends"] for r in coverage["parameters"]}
    # openings of comments send bodies of their own: no rule has to be drawn for them
    body = rows[("comments_create", "comment.body")]
    assert all(s["sent"] and s["distinct"] >= 2 and s["changed"] for s in body.values()), body
    gaps = {(g["operation"], g["name"], g["backend"]): g["why"] for g in coverage["gaps"]}
    for backend in ("rails", "go"):
        assert gaps[("discussions_index", "per", backend)] == "never sent"
    undeclared = {(r["operation"], r["name"]) for r in coverage["undeclared"]}
    assert ("sessions_create", "user.email") in undeclared  # the spec names `session`
    html = (report / "index.html").read_text()
    assert 'id="parameters"' in html and 'id="parameter-gaps"' in html
    assert "<code>comment.body</code>" in html


def _case(fault: str, category: str) -> object:
    marks = [] if fault in REPRESENTATIVE else [pytest.mark.slow]
    return pytest.param(fault, id=f"{category}-{fault}", marks=marks)


@pytest.mark.parametrize("fault", [_case(f, c) for f, c in FAULTS])
def test_fault_on_go_side_is_reported(tmp_path: Path, fault: str) -> None:
    # the representative faults show the shrunk finding a user gets; the rest of the
    # catalogue runs as the detection bench does, to the first failing example (shrinking a
    # lockstep example takes minutes)
    run = run_differential(tmp_path, "--go-faults", fault, shrink=fault in REPRESENTATIVE)
    assert run.findings, f"{fault} not detected in {run.seconds:.0f}s:\n{run.output}"
    assert run.returncode != 0
    finding = run.findings[0]
    assert finding["pointer"] is not None and finding["repro"] and finding["steps"]
    assert "rails" in finding and "go" in finding


LIVE = [f for f, c in suite_catalogue(("live",))]
LIVE_REPRESENTATIVE = "live_no_guest_fanout"


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(
            f, id=f"live-{f}", marks=[] if f == LIVE_REPRESENTATIVE else [pytest.mark.slow]
        )
        for f in LIVE
    ],
)
def test_live_fault_on_go_side_is_reported(tmp_path: Path, fault: str) -> None:
    run = run_differential(tmp_path, "--go-faults", fault, shrink=fault == LIVE_REPRESENTATIVE)
    report = tmp_path / "report" / "parts"
    found = [f for f in merge_findings(findings_files(report)) if f.check.startswith("live_")]
    assert run.returncode != 0
    assert found, f"{fault} not detected in {run.seconds:.0f}s:\n{run.output}"
    assert all(f.steps and f.repro for f in found)


@pytest.mark.slow
def test_without_redis_the_report_says_live_updates_were_not_compared(tmp_path: Path) -> None:
    config = HarnessConfig.from_sources({"run_dir": str(tmp_path / "servers")}, {}, {})
    with provision(config) as pair:
        args = []
        for backend in pair:
            args += [f"--{backend.name}-url", backend.base_url]
            args += [f"--{backend.name}-database-url", str(backend.seed_dsn)]
        run = run_differential(tmp_path, *args)
    assert run.returncode == 0, run.output
    junit = (tmp_path / "report" / "junit.xml").read_text()
    assert "live updates not compared: rails: the rails backend is a running server" in junit
    html = (tmp_path / "report" / "index.html").read_text()
    assert "Live updates were not compared" in html
