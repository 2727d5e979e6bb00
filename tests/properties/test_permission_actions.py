"""The read cells a permission example checks alongside its own cell (pure)."""

from __future__ import annotations

import pytest

from properties.oracles.permissions import Action, Actor, Cell, Config, Role
from properties.permission_actions import reads_alongside


@pytest.mark.parametrize(
    ("action", "poll_show_author"),
    [(Action.DISCUSSION_UPDATE, None), (Action.POLL_CLOSE, True)],
    ids=["thread-author-world-has-no-poll-author-read", "poll-author-world-keeps-it"],
)
def test_author_reads_only_of_the_record_the_actor_authored(
    action: Action, poll_show_author: bool | None
) -> None:
    actor = Actor(Role.SUBGROUP_MEMBER, author=True)
    checked = reads_alongside(Cell(actor, Config(privacy="secret"), action))
    shows = [c for c in checked if c.action == Action.POLL_SHOW]
    assert [c.actor.author for c in shows] == ([] if poll_show_author is None else [True])
    assert checked[-1].action == action


def test_a_non_author_cell_checks_every_applicable_read() -> None:
    cell = Cell(Actor(Role.MEMBER), Config(), Action.DISCUSSION_UPDATE)
    assert {c.action for c in reads_alongside(cell)} >= {Action.POLL_SHOW, Action.GROUP_SHOW}


def test_denied_probes_are_refusals_of_this_world_only() -> None:
    from properties.oracles.permissions import decide
    from properties.permission_actions import denied_probes

    cell = Cell(Actor(Role.MEMBER), Config(), Action.GROUP_SHOW)
    probes = denied_probes(cell)
    assert Action.POLL_CLOSE in {c.action for c in probes}  # another's poll
    assert all(decide(c).status >= 400 for c in probes)
