"""Scenario vocabulary of the permission oracle: actors, configurations, actions, cells.

A `Cell` is one (actor, configuration, action) triple — frozen and hashable, so a generator
can sample cells and count the distinct ones it exercised. The world of a cell is fixed:
group G (optionally a subgroup of parent P), thread D in G, poll P in D, a comment in D,
a membership and a stance chosen by the configuration. `Actor.author` means "authored the
target of the action" (the discussion for discussion/event actions, the comment for
comment actions, the poll for poll and outcome actions).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum


class Role(StrEnum):
    """The actor's relation to group G, thread D and poll P (permissions.md section 1)."""

    VISITOR = "visitor"
    VISITOR_WITH_TOKEN = "visitor_with_token"  # holds G's group_token and D's reader token
    NON_MEMBER = "non_member"
    MEMBER = "member"  # of G; for a group-less thread: of some other group
    ADMIN = "admin"
    PENDING_MEMBER = "pending_member"  # invited, not accepted: counts as a member
    REVOKED_MEMBER = "revoked_member"  # membership row with revoked_at (e.g. has left)
    DISCUSSION_GUEST = "discussion_guest"  # active guest reader of D
    REVOKED_GUEST = "revoked_guest"
    POLL_GUEST = "poll_guest"  # latest non-revoked guest stance in P, nothing else
    PARENT_MEMBER = "parent_member"  # member of G's parent only
    SUBGROUP_MEMBER = "subgroup_member"  # member of a subgroup of G only
    SITE_ADMIN = "site_admin"  # users.is_admin, no membership


VISITORS = frozenset({Role.VISITOR, Role.VISITOR_WITH_TOKEN})
GROUP_MEMBERS = frozenset({Role.MEMBER, Role.ADMIN, Role.PENDING_MEMBER})


@dataclass(frozen=True, slots=True)
class Actor:
    """Who sends the request."""

    role: Role
    author: bool = False
    verified: bool = True

    def __str__(self) -> str:
        extra = ("+author" if self.author else "") + ("" if self.verified else "+unverified")
        return f"{self.role.value}{extra}"


class Action(StrEnum):
    """Read and write actions of the slice, named resource_verb."""

    GROUP_SHOW = "group_show"
    GROUP_SUBGROUPS = "group_subgroups"
    MEMBERSHIPS_INDEX = "memberships_index"
    MEMBERSHIP_MAKE_ADMIN = "membership_make_admin"
    MEMBERSHIP_REMOVE_ADMIN = "membership_remove_admin"
    MEMBERSHIP_DESTROY = "membership_destroy"
    DISCUSSION_SHOW = "discussion_show"
    DISCUSSION_LIST = "discussion_list"
    DISCUSSION_CREATE = "discussion_create"
    DISCUSSION_UPDATE = "discussion_update"
    DISCUSSION_CLOSE = "discussion_close"
    DISCUSSION_REOPEN = "discussion_reopen"
    DISCUSSION_PIN = "discussion_pin"
    DISCUSSION_UNPIN = "discussion_unpin"
    DISCUSSION_DISCARD = "discussion_discard"
    EVENTS_INDEX = "events_index"
    EVENT_PIN = "event_pin"
    COMMENT_CREATE = "comment_create"
    COMMENT_UPDATE = "comment_update"
    COMMENT_DISCARD = "comment_discard"
    COMMENT_DESTROY = "comment_destroy"
    POLL_SHOW = "poll_show"
    POLL_CREATE = "poll_create"
    POLL_UPDATE = "poll_update"
    POLL_CLOSE = "poll_close"
    POLL_REOPEN = "poll_reopen"
    POLL_DISCARD = "poll_discard"
    VOTE = "vote"
    STANCE_UPDATE = "stance_update"
    STANCE_UNCAST = "stance_uncast"
    OUTCOME_CREATE = "outcome_create"
    OUTCOME_UPDATE = "outcome_update"
    PROFILE_ME = "profile_me"
    PROFILE_INDEX = "profile_index"


# (method, path); {placeholders} name the world's records.
ENDPOINTS: dict[Action, tuple[str, str]] = {
    Action.GROUP_SHOW: ("GET", "/api/v1/groups/{group}"),
    Action.GROUP_SUBGROUPS: ("GET", "/api/v1/groups/{group}/subgroups"),
    Action.MEMBERSHIPS_INDEX: ("GET", "/api/v1/memberships?group_id={group}"),
    Action.MEMBERSHIP_MAKE_ADMIN: ("POST", "/api/v1/memberships/{membership}/make_admin"),
    Action.MEMBERSHIP_REMOVE_ADMIN: ("POST", "/api/v1/memberships/{membership}/remove_admin"),
    Action.MEMBERSHIP_DESTROY: ("DELETE", "/api/v1/memberships/{membership}"),
    Action.DISCUSSION_SHOW: ("GET", "/api/v1/discussions/{discussion_key}"),
    Action.DISCUSSION_LIST: ("GET", "/api/v1/discussions?group_id={group}"),
    Action.DISCUSSION_CREATE: ("POST", "/api/v1/discussions"),
    Action.DISCUSSION_UPDATE: ("PATCH", "/api/v1/discussions/{discussion}"),
    Action.DISCUSSION_CLOSE: ("PATCH", "/api/v1/discussions/{discussion}/close"),
    Action.DISCUSSION_REOPEN: ("PATCH", "/api/v1/discussions/{discussion}/reopen"),
    Action.DISCUSSION_PIN: ("PATCH", "/api/v1/discussions/{discussion}/pin"),
    Action.DISCUSSION_UNPIN: ("PATCH", "/api/v1/discussions/{discussion}/unpin"),
    Action.DISCUSSION_DISCARD: ("DELETE", "/api/v1/discussions/{discussion}/discard"),
    Action.EVENTS_INDEX: ("GET", "/api/v1/events?discussion_id={discussion}"),
    Action.EVENT_PIN: ("PATCH", "/api/v1/events/{event}/pin"),
    Action.COMMENT_CREATE: ("POST", "/api/v1/comments"),
    Action.COMMENT_UPDATE: ("PATCH", "/api/v1/comments/{comment}"),
    Action.COMMENT_DISCARD: ("DELETE", "/api/v1/comments/{comment}/discard"),
    Action.COMMENT_DESTROY: ("DELETE", "/api/v1/comments/{comment}"),
    Action.POLL_SHOW: ("GET", "/api/v1/polls/{poll_key}"),
    Action.POLL_CREATE: ("POST", "/api/v1/polls"),
    Action.POLL_UPDATE: ("PATCH", "/api/v1/polls/{poll}"),
    Action.POLL_CLOSE: ("POST", "/api/v1/polls/{poll}/close"),
    Action.POLL_REOPEN: ("POST", "/api/v1/polls/{poll}/reopen"),
    Action.POLL_DISCARD: ("DELETE", "/api/v1/polls/{poll}/discard"),
    Action.VOTE: ("POST", "/api/v1/stances"),
    Action.STANCE_UPDATE: ("PATCH", "/api/v1/stances/{stance}"),
    Action.STANCE_UNCAST: ("PATCH", "/api/v1/stances/{stance}/uncast"),
    Action.OUTCOME_CREATE: ("POST", "/api/v1/outcomes"),
    Action.OUTCOME_UPDATE: ("PATCH", "/api/v1/outcomes/{outcome}"),
    Action.PROFILE_ME: ("GET", "/api/v1/profile/me"),
    Action.PROFILE_INDEX: ("GET", "/api/v1/profile?xids=1"),
}

# Actions whose target is a record with an author (what Actor.author refers to).
AUTHORED = frozenset(
    {
        Action.DISCUSSION_UPDATE,
        Action.DISCUSSION_CLOSE,
        Action.DISCUSSION_REOPEN,
        Action.DISCUSSION_PIN,
        Action.DISCUSSION_UNPIN,
        Action.DISCUSSION_DISCARD,
        Action.EVENT_PIN,
        Action.COMMENT_UPDATE,
        Action.COMMENT_DISCARD,
        Action.COMMENT_DESTROY,
        Action.POLL_SHOW,
        Action.POLL_UPDATE,
        Action.POLL_CLOSE,
        Action.POLL_REOPEN,
        Action.POLL_DISCARD,
        Action.OUTCOME_CREATE,
        Action.OUTCOME_UPDATE,
    }
)
# Actions that create a record (no existing target that could be missing).
CREATES = frozenset(
    {
        Action.DISCUSSION_CREATE,
        Action.COMMENT_CREATE,
        Action.POLL_CREATE,
        Action.VOTE,
        Action.OUTCOME_CREATE,
        Action.PROFILE_ME,
        Action.PROFILE_INDEX,
    }
)
GROUP_ACTIONS = frozenset(
    {
        Action.GROUP_SHOW,
        Action.GROUP_SUBGROUPS,
        Action.MEMBERSHIPS_INDEX,
        Action.MEMBERSHIP_MAKE_ADMIN,
        Action.MEMBERSHIP_REMOVE_ADMIN,
        Action.MEMBERSHIP_DESTROY,
        Action.DISCUSSION_LIST,
    }
)

DEFAULT_FLAGS = {
    "members_can_add_members": False,
    "members_can_add_guests": True,
    "members_can_announce": True,
    "members_can_create_subgroups": False,
    "members_can_start_discussions": True,
    "members_can_edit_discussions": True,
    "members_can_edit_comments": True,
    "members_can_delete_comments": True,
    "members_can_raise_motions": True,
    "admins_can_edit_user_content": True,
}
# The null group of group-less threads and polls (permissions.md section 2).
NULL_GROUP_FLAGS = {
    **DEFAULT_FLAGS,
    "members_can_add_guests": True,
    "members_can_start_discussions": False,
    "admins_can_edit_user_content": False,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Resource settings; defaults are those of the permissions.md section 5 table.

    `discussion_privacy_options` and `discussion_private` default to what the group's
    privacy implies. `flags` overrides members_can_* / admins_can_edit_user_content.
    """

    grouped: bool = True
    privacy: str = "closed"  # open | closed | secret
    parent: str | None = None  # privacy of G's parent; None = G is top-level
    discussion_privacy_options: str | None = None  # public_only | private_only | public_or_private
    discussion_private: bool | None = None
    parent_members_can_see_discussions: bool = False
    flags: tuple[tuple[str, bool], ...] = ()
    group_archived: bool = False
    group_has_admins: bool = True
    discussion_closed: bool = False
    discussion_discarded: bool = False
    comment_has_replies: bool = False
    poll_state: str = (
        "active"  # active | closed | expired (closing_at passed) | wip (no closing_at)
    )
    poll_discarded: bool = False
    specified_voters_only: bool = False
    anonymous: bool = False
    membership: str = "own"  # own | other | sent_pending (a pending invitation the actor sent)
    stance: str = "own_cast"  # own_cast | own_uncast | other
    missing: bool = False  # the target id/key does not exist

    def flag(self, name: str) -> bool:
        if not self.grouped:
            return NULL_GROUP_FLAGS[name]
        return dict(self.flags).get(name, DEFAULT_FLAGS[name])

    def with_flags(self, **flags: bool) -> Config:
        unknown = set(flags) - set(DEFAULT_FLAGS)
        if unknown:
            raise ValueError(
                f"unknown group flags {sorted(unknown)}; known: {sorted(DEFAULT_FLAGS)}"
            )
        merged = {**dict(self.flags), **flags}
        return replace(self, flags=tuple(sorted(merged.items())))


@dataclass(frozen=True, slots=True)
class Cell:
    """One (actor, configuration, action) of the decision table."""

    actor: Actor
    config: Config
    action: Action

    def __str__(self) -> str:
        return f"{self.actor} / {self.action.value}"


@dataclass(frozen=True, slots=True)
class Decision:
    """Expected answer: a status (200 allowed; 401/403/404 denied) and a note.

    `detail` is "listed"/"unlisted"/"empty" for list actions, else the rule that decided.
    """

    status: int
    detail: str = field(default="")

    @property
    def allowed(self) -> bool:
        return self.status < 300
