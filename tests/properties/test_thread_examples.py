"""The threading suite's drawn examples: every ref they name exists when it is named, and
vote changes are drawn (in place and as new revisions)."""

from __future__ import annotations

from collections import Counter

from hypothesis import HealthCheck, given, settings

from properties.oracles.threading import ChangeVote, Vote, simulate
from properties.strategies import thread_examples
from properties.test_threading import REVISION, with_repairs

SETTINGS = settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))


@SETTINGS
@given(thread_examples())
def test_a_vote_change_names_the_voters_latest_stance(
    example: tuple[int, tuple[object, ...]],
) -> None:
    max_depth, drawn = example
    actions = with_repairs(drawn)  # type: ignore[arg-type]
    thread = simulate(actions, max_depth=max_depth)
    outcomes = zip(actions, thread.outcomes, strict=True)
    assert [a for a, o in outcomes if isinstance(a, ChangeVote) and o.status == 404] == []


def test_vote_changes_are_drawn() -> None:
    seen: Counter[str] = Counter()

    @SETTINGS
    @given(thread_examples())
    def draw(example: tuple[int, tuple[object, ...]]) -> None:
        seen.update(type(a).__name__ for a in example[1] if isinstance(a, Vote | ChangeVote))

    draw()
    assert seen["Vote"] >= 30 and seen["ChangeVote"] >= 10, seen


def test_the_explicit_revision_example_makes_a_new_stance() -> None:
    max_depth, actions = REVISION
    thread = simulate(actions, max_depth=max_depth)
    assert [o.status for o in thread.outcomes] == [200] * len(actions)
    revision = thread.event("stance_created:S2")
    assert revision.in_thread and revision.parent == "poll_created:P1"
    assert thread.event("new_comment:C2").parent == "stance_created:S2"
