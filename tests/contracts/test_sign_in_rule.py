"""The lockstep's sign_in rule on the embedded pair: every path alike on the clean pair, and
each sign-in fault of the catalogue on the go side makes a step differ.

The rule is driven directly (no Hypothesis draw), through every account, typing and
credential it can draw, so the test says which path finds which fault.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.lockstep import DifferentialFailure, LockstepMachine, LockstepRun
from harness.actors import TYPINGS, as_typed
from harness.backends import Backends, provision
from harness.config import HarnessConfig

pytestmark = pytest.mark.backend
# every account, two typings (as seeded; upper case with a tab and a newline), right and wrong
# password, session and HTTP Basic: 24 examples (the permission suite walks every typing)
PATHS = list(
    itertools.product(
        ("signer", "unverified", "deactivated"), ("exact", "tab"), (True, False), (False, True)
    )
)


def _pair(tmp: Path, **cli: str) -> Iterator[Backends]:
    config = HarnessConfig.from_sources({"run_dir": str(tmp), **cli}, {}, dict(os.environ))
    with provision(config) as pair:
        yield pair


def _differing(pair: Backends, paths: list[tuple[str, str, bool, bool]]) -> list[str]:
    """The sign-in paths whose answers differ (each in an example of its own)."""
    found = []
    for who, typing, right, basic in paths:
        machine = LockstepMachine(LockstepRun(backends=pair))
        try:
            machine.sign_in(who, typing, right, basic)
        except DifferentialFailure as failure:
            found.append(f"{who} {typing} right={right} basic={basic}: {failure}")
        finally:
            machine.exits.close()
    return found


def test_typed_emails() -> None:
    email = "signer-ab12@example.org"
    typed = {t: as_typed(email, t) for t in TYPINGS}
    assert typed["upper"] == "SIGNER-AB12@EXAMPLE.ORG"
    assert typed["spaces"].strip() == email and typed["spaces"] != email
    assert typed["tab"].strip().lower() == email
    assert len(set(typed.values())) == len(TYPINGS)


def test_every_sign_in_path_answers_alike_on_the_clean_pair(tmp_path: Path) -> None:
    for pair in _pair(tmp_path):
        assert _differing(pair, PATHS) == []


@pytest.mark.parametrize(
    ("fault", "path"),
    [
        pytest.param(
            "session_email_case_sensitive", ("signer", "upper", True, False), marks=pytest.mark.slow
        ),
        pytest.param(
            "session_email_case_sensitive", ("signer", "mixed", True, True), marks=pytest.mark.slow
        ),
        pytest.param(
            "session_deactivated_signs_in",
            ("deactivated", "exact", True, False),
            marks=pytest.mark.slow,
        ),
        ("session_deactivated_signs_in", ("deactivated", "spaces", True, True)),
        ("session_kept_after_sign_out", ("signer", "exact", True, False)),
    ],
)
def test_each_sign_in_fault_makes_a_path_differ(
    tmp_path: Path, fault: str, path: tuple[str, str, bool, bool]
) -> None:
    unaffected = ("unverified", "exact", False, False)  # refused on both sides either way
    for pair in _pair(tmp_path, go_faults=fault):
        found = _differing(pair, [path, unaffected])
        assert len(found) == 1 and found[0].startswith("{} {} right={} basic={}:".format(*path))
