"""`--derandomize`: the same examples on every run; without it, new ones."""

from __future__ import annotations

import pytest

DRAWS = """
from hypothesis import given, strategies as st, settings

def test_draws(tmp_path_factory):
    seen = []

    @given(st.integers(0, 10**9))
    def inner(n):
        seen.append(n)

    inner()
    with open("draws.txt", "a") as out:
        out.write(f"{settings.get_current_profile_name()} {seen}\\n")
"""


def _draws(pytester: pytest.Pytester, *args: str) -> list[str]:
    (pytester.path / "draws.txt").unlink(missing_ok=True)
    pytester.runpytest_subprocess(
        "-p", "harness.plugins.profiles", "-p", "no:cacheprovider", *args
    ).assert_outcomes(passed=1)
    return (pytester.path / "draws.txt").read_text().splitlines()


def test_derandomized_runs_draw_the_same_examples(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_draws=DRAWS)
    first = _draws(pytester, "--hypothesis-profile=dev", "--derandomize")
    again = _draws(pytester, "--hypothesis-profile=dev", "--derandomize")
    assert first == again
    assert first[0].startswith("dev-derandomized [")
    assert len(first[0].split(",")) == 25  # dev's examples, every one drawn


def test_without_it_runs_draw_new_examples(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_draws=DRAWS)
    first = _draws(pytester, "--hypothesis-profile=ci")
    again = _draws(pytester, "--hypothesis-profile=ci")
    assert first[0].startswith("ci [") and again[0].startswith("ci [")
    assert first != again
