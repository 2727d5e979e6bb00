"""Run the lockstep differential suite as users do (a pytest subprocess), read its findings."""

from __future__ import annotations

from pathlib import Path

from tests.contracts.suite_runs import SuiteRun, run_suite
from tests.contracts.suite_runs import catalogue as suite_catalogue

SUITE = "contracts/test_differential.py"
DETECTED_CATEGORIES = ("shape", "type", "null", "envelope", "status", "ordering")


def run_differential(
    tmp_path: Path,
    *args: str,
    profile: str | None = None,
    shrink: bool = True,
    timeout: float = 1800,
) -> SuiteRun:
    """`pytest contracts/test_differential.py --report DIR ARGS`; its differential findings."""
    return run_suite(
        SUITE, "differential", tmp_path, *args, profile=profile, shrink=shrink, timeout=timeout
    )


def catalogue() -> list[tuple[str, str]]:
    """(fault, category) of the reference catalogue the differential suite must detect."""
    return suite_catalogue(DETECTED_CATEGORIES)
