"""Who may read a published record: the permission oracle applied to a room's members.

A live update reaches every socket in its room (realtime.md section 3): a group room's
members, a user room's user. Each such person must be allowed to show the record's
discussion (permissions.md section 3.3, `Action.DISCUSSION_SHOW`). The facts come from the
backend's database at the time of the publication; this module only maps them onto the
oracle's vocabulary (`Config`, `Role`) and asks `decide`.
"""

from __future__ import annotations

from dataclasses import dataclass

from properties.oracles.permission_model import Action, Actor, Cell, Config, Role
from properties.oracles.permissions import decide, inapplicable


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRow:
    """The columns of `groups` the visibility rules read."""

    is_visible_to_public: bool
    is_visible_to_parent_members: bool
    discussion_privacy_options: str
    parent_members_can_see_discussions: bool
    archived: bool
    has_parent: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ThreadFacts:
    """A discussion and its group (None: a group-less thread) and the group's parent."""

    private: bool
    discarded: bool
    group: GroupRow | None
    parent: GroupRow | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Relation:
    """One person's rows for the discussion's group, its parent and the discussion."""

    member: bool = False  # active membership of the group
    admin: bool = False
    revoked_member: bool = False
    parent_member: bool = False
    guest: bool = False  # guest reader row, not revoked
    revoked_guest: bool = False


def privacy(group: GroupRow) -> str:
    """Loomio's derived group_privacy: open, closed or secret."""
    if group.is_visible_to_public:
        return "open" if group.discussion_privacy_options == "public_only" else "closed"
    if group.has_parent and group.is_visible_to_parent_members:
        return "closed"
    return "secret"


def thread_config(facts: ThreadFacts) -> Config:
    """The oracle's configuration of a discussion as the database holds it."""
    if facts.group is None:
        return Config(grouped=False, discussion_discarded=facts.discarded)
    group = facts.group
    return Config(
        privacy=privacy(group),
        parent=privacy(facts.parent) if facts.parent else None,
        discussion_privacy_options=group.discussion_privacy_options,
        discussion_private=facts.private,
        parent_members_can_see_discussions=group.parent_members_can_see_discussions,
        group_archived=group.archived,
        discussion_discarded=facts.discarded,
    )


def role_of(relation: Relation) -> Role:
    """The strongest role a person's rows give them, as the oracle names it."""
    if relation.admin:
        return Role.ADMIN
    if relation.member:
        return Role.MEMBER
    if relation.guest:
        return Role.DISCUSSION_GUEST
    if relation.parent_member:
        return Role.PARENT_MEMBER
    if relation.revoked_guest:
        return Role.REVOKED_GUEST
    if relation.revoked_member:
        return Role.REVOKED_MEMBER
    return Role.NON_MEMBER


def may_read(relation: Relation, facts: ThreadFacts) -> bool | None:
    """Whether this person may show the discussion; None when the oracle has no such world
    (a group setting Loomio's validations refuse)."""
    cell = Cell(Actor(role_of(relation)), thread_config(facts), Action.DISCUSSION_SHOW)
    if inapplicable(cell) is not None:
        return None
    return decide(cell).allowed
