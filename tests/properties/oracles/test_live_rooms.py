"""Who in a room may read a published record (properties.oracles.live_rooms)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from properties.oracles.live_rooms import GroupRow, Relation, ThreadFacts, may_read, privacy

CLOSED = GroupRow(
    is_visible_to_public=True,
    is_visible_to_parent_members=False,
    discussion_privacy_options="public_or_private",
    parent_members_can_see_discussions=False,
    archived=False,
    has_parent=False,
)
PRIVATE = ThreadFacts(private=True, discarded=False, group=CLOSED, parent=None)
PUBLIC = ThreadFacts(private=False, discarded=False, group=CLOSED, parent=None)


@pytest.mark.parametrize(
    ("relation", "facts", "allowed"),
    [
        (Relation(member=True), PRIVATE, True),
        (Relation(guest=True), PRIVATE, True),
        (Relation(revoked_guest=True), PRIVATE, False),
        (Relation(revoked_member=True), PRIVATE, False),
        (Relation(), PRIVATE, False),
        (Relation(), PUBLIC, True),
        (
            Relation(member=True),
            ThreadFacts(private=True, discarded=True, group=CLOSED, parent=None),
            False,
        ),
        (
            Relation(guest=True),
            ThreadFacts(private=True, discarded=False, group=None, parent=None),
            True,
        ),
    ],
    ids=[
        "member",
        "guest",
        "revoked-guest",
        "revoked-member",
        "stranger",
        "stranger-public",
        "discarded",
        "groupless-guest",
    ],
)
def test_the_permission_oracle_decides_each_recipient(
    relation: Relation, facts: ThreadFacts, allowed: bool
) -> None:
    assert may_read(relation, facts) is allowed


def test_a_world_loomio_refuses_is_undecided() -> None:
    secret_public = replace(
        CLOSED, is_visible_to_public=False, discussion_privacy_options="public_only"
    )
    assert privacy(secret_public) == "secret"
    assert (
        may_read(
            Relation(),
            ThreadFacts(private=False, discarded=False, group=secret_public, parent=None),
        )
        is None
    )
