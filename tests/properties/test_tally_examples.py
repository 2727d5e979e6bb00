"""The tally suite's drawn examples reach a tally's extremes: every voter on one choice, and
a count poll's agree_target passed (target_percent over 100, polls.md 3.2)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings

from properties.strategies import VOTERS, Cast, PollSpec, TallyStep, tally_examples

SETTINGS = settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))


def final_choices(steps: tuple[TallyStep, ...]) -> dict[str, tuple[tuple[int, int], ...]]:
    """Each voter's last cast choices (uncasts and refusals aside)."""
    return {s.voter: s.choices for s in steps if isinstance(s, Cast)}


def test_a_sixth_of_examples_end_unanimous_on_each_choice() -> None:
    # Independent votes end unanimous in under a tenth of examples (20 to 30 of 300).
    seen: Counter[tuple[tuple[int, int], ...]] = Counter()

    @SETTINGS
    @given(tally_examples(poll_types=("count",)))
    def draw(example: tuple[PollSpec, tuple[TallyStep, ...]]) -> None:
        last = final_choices(example[1])
        if len(last) == len(VOTERS) and len(set(last.values())) == 1:
            seen[next(iter(last.values()))] += 1

    draw()
    assert seen.total() >= 50 and set(seen) >= {((0, 1),), ((1, 1),)}, seen


def test_count_polls_pass_a_small_agree_target() -> None:
    passed = 0

    @SETTINGS
    @given(tally_examples(poll_types=("count",)))
    def draw(example: tuple[PollSpec, tuple[TallyStep, ...]]) -> None:
        nonlocal passed
        spec, steps = example
        accepts = sum(1 for c in final_choices(steps).values() if c == ((0, 1),))
        passed += spec.agree_target is not None and accepts > spec.agree_target

    draw()
    assert passed >= 15, passed
