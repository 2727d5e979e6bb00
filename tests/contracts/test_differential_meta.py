"""The differential suite against the embedded pair: silent when clean, loud on each fault.

Each case runs `pytest contracts/test_differential.py` in a subprocess with
`--go-faults NAME` (shared/loomio fault catalogue of the reference backend). The default
run keeps one fault per kind of difference; `-m slow` runs the whole catalogue.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts.differential_runs import catalogue, run_differential

pytestmark = pytest.mark.backend
REPRESENTATIVE = {"event_actor_renamed", "create_returns_201", "events_order_desc_ignored"}
FAULTS = catalogue()


def test_clean_pair_has_no_differential_findings(tmp_path: Path) -> None:
    run = run_differential(tmp_path)
    assert run.returncode == 0, run.output
    assert run.findings == []


def _case(fault: str, category: str) -> object:
    marks = [] if fault in REPRESENTATIVE else [pytest.mark.slow]
    return pytest.param(fault, id=f"{category}-{fault}", marks=marks)


@pytest.mark.parametrize("fault", [_case(f, c) for f, c in FAULTS])
def test_fault_on_go_side_is_reported(tmp_path: Path, fault: str) -> None:
    run = run_differential(tmp_path, "--go-faults", fault)
    assert run.findings, f"{fault} not detected in {run.seconds:.0f}s:\n{run.output}"
    assert run.returncode != 0
    finding = run.findings[0]
    assert finding["pointer"] is not None and finding["repro"] and finding["steps"]
    assert "rails" in finding and "go" in finding
