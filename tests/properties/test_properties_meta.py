"""Meta-tests of the property suites: a clean embedded pair gives no findings, and every
threading, tally and permission fault of the reference catalogue on the go side is found.

Each case runs the suite in a subprocess (`pytest properties/test_<suite>.py --go-faults
NAME`) with its own run directory and reads the findings it wrote. A representative fault
per category runs by default; the whole catalogue is marked `slow`. `-s` prints a table
row (fault -> suite -> detected -> seconds) per case. Every run is derandomized
(`--derandomize`): a detection holds on every run or on none.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.contracts.suite_runs import catalogue as suite_catalogue
from tests.contracts.suite_runs import run_suite

SUITE_OF = {
    "threading": "test_threading.py",
    "tally": "test_tallies.py",
    "permission": "test_permissions.py",
}
REPRESENTATIVE = {
    "child_count_not_recounted",
    "tally_question_stance_counts_null",  # found within seconds under dev (4 of 4 runs)
    # found in 1 example; guest_cannot_read needs ~44 and runs with the slow set
    "comment_on_closed_discussion",
}


def catalogue() -> list[tuple[str, str]]:
    return suite_catalogue(SUITE_OF)


@pytest.mark.backend
@pytest.mark.parametrize("suite", sorted(SUITE_OF.values()))
def test_clean_pair_has_no_findings(
    suite: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    run = run_suite(f"properties/{suite}", None, tmp_path, profile=_profile(pytestconfig))
    print(f"| (none) | {suite} | {len(run.findings)} findings | {run.seconds:.0f}s |")
    assert run.findings == [], run.output


def _cases(representative: bool) -> list:
    marks = [] if representative else [pytest.mark.slow]
    return [
        pytest.param(name, category, id=name, marks=marks)
        for name, category in catalogue()
        if (name in REPRESENTATIVE) == representative
    ]


def _profile(config: pytest.Config, default: str = "dev") -> str:
    """The suites run under this session's `--hypothesis-profile`, else `default`."""
    return config.getoption("hypothesis_profile", None) or default


def _check_detected(
    name: str, category: str, tmp_path: Path, profile: str, shrink: bool = True
) -> None:
    suite = SUITE_OF[category]
    run = run_suite(
        f"properties/{suite}", None, tmp_path, "--go-faults", name, profile=profile, shrink=shrink
    )
    on_go = [f for f in run.findings if "go" in f["backend"].split(",") and f["kind"] == category]
    titles = sorted({f["title"] for f in on_go})
    print(f"| {name} | {suite} | {'yes' if on_go else 'NO'} | {run.seconds:.0f}s | {titles[:3]} |")
    assert on_go, f"{name}: no {category} finding on go\n{run.output}"
    on_rails = [f for f in run.findings if f["backend"] == "rails"]
    assert not on_rails, "the clean rails side got findings"


@pytest.mark.backend
@pytest.mark.parametrize(("name", "category"), _cases(True))
def test_representative_fault_is_detected(
    name: str, category: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    _check_detected(name, category, tmp_path, _profile(pytestconfig))


@pytest.mark.backend
@pytest.mark.parametrize(("name", "category"), _cases(False))
def test_every_fault_is_detected(
    name: str, category: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    # ci unless told: each fault must be found within ci's examples, and without shrinking,
    # as in the detection bench (the representative faults show the shrunk findings). dev's 25
    # derandomized examples never build the one world some permission faults need (a secret
    # group, a discarded thread, a parent group's member).
    profile = _profile(pytestconfig, default="ci")
    _check_detected(name, category, tmp_path, profile, shrink=False)
