"""Examples per property suite: a share of the profile, never fewer than the minimum."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import settings

from properties.budget import MIN_EXAMPLES, SHARES, budget

settings.register_profile("tiny-budget", max_examples=2)


@contextmanager
def _profile(name: str) -> Iterator[None]:
    previous = settings.get_current_profile_name()
    settings.load_profile(name)
    try:
        yield
    finally:
        settings.load_profile(previous)


@pytest.mark.parametrize("suite", sorted(SHARES))
def test_budget_is_a_share_of_the_ci_profile(suite: str) -> None:
    with _profile("ci"):
        assert budget(suite).max_examples == round(200 * SHARES[suite])


def test_never_fewer_than_the_minimum() -> None:
    with _profile("tiny-budget"):
        assert budget("threading").max_examples == MIN_EXAMPLES


def test_unknown_suite_is_refused() -> None:
    with pytest.raises(ValueError, match="add it to SHARES"):
        budget("contracts")
