"""Permission oracle: actor x resource settings x action -> allowed, or the exact denial.

`decide(cell)` applies the CanCan rules of permissions.md section 3 to one `Cell` and returns
a `Decision`: 200 when allowed, 403 when a rule denies (logged in or not), 404 for a
missing record or a lookup scoped to the caller's own records, 401 for the profile index
of a visitor. `inapplicable(cell)` says why a cell describes no possible world (a parent
member of a top-level group, a visitor who authored something, an invalid group setting);
`cells(...)` enumerates the applicable ones and `config_variants()` the one-setting-off-
default configurations a generator can sample.

Assumptions beyond the facts (documented in the report): `group_subgroups` and
`discussion_list` (`?group_id=`) load and authorize the group first, so both need group
show (403 otherwise); `discussion_list` then answers 200 and lists D iff D's show rule holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from properties.oracles.permission_model import (
    AUTHORED,
    CREATES,
    DEFAULT_FLAGS,
    ENDPOINTS,
    GROUP_ACTIONS,
    GROUP_MEMBERS,
    VISITORS,
    Action,
    Actor,
    Cell,
    Config,
    Decision,
    Role,
)
from properties.oracles.permission_rules import Facts, rule

__all__ = [
    "ENDPOINTS",
    "Action",
    "Actor",
    "Cell",
    "Config",
    "Decision",
    "Role",
    "actors",
    "canonical",
    "cells",
    "config_problems",
    "config_variants",
    "decide",
    "inapplicable",
]

PRIVACIES = ("open", "closed", "secret")


def config_problems(config: Config) -> list[str]:
    """Why `config` is a group Loomio's validations would refuse (empty when valid)."""
    if not config.grouped:
        return []
    facts = Facts(Actor(Role.NON_MEMBER), config)
    problems = []
    if config.privacy not in PRIVACIES or config.parent not in (None, *PRIVACIES):
        problems.append(f"privacy {config.privacy!r}/{config.parent!r} unknown")
    dpo = facts.discussion_privacy_options
    if config.privacy == "secret" and dpo != "private_only":
        problems.append("a group hidden from the public must be private_only")
    if config.privacy == "open" and dpo == "private_only":
        problems.append("an open group cannot be private_only")
    if dpo == "public_only" and facts.discussion_private:
        problems.append("a public_only group cannot hold a private discussion")
    if dpo == "private_only" and not facts.discussion_private:
        problems.append("a private_only group cannot hold a public discussion")
    if config.parent_members_can_see_discussions and not (
        facts.visible_to_public or facts.visible_to_parent_members
    ):
        problems.append("parent_members_can_see_discussions needs a visible group")
    return problems


def inapplicable(cell: Cell) -> str | None:
    """Why `cell` describes no possible world, or None when it is a real cell."""
    actor, config, action = cell.actor, cell.config, cell.action
    role, problems = actor.role, config_problems(config)
    reasons = [
        (bool(problems), "; ".join(problems)),
        (role in VISITORS and (actor.author or not actor.verified), "visitors author nothing"),
        (actor.author and action not in AUTHORED, "the action's target has no author"),
        (actor.author and role == Role.POLL_GUEST, "a poll guest authored nothing here"),
        (role == Role.PARENT_MEMBER and config.parent is None, "G has no parent group"),
        (not config.grouped and action in GROUP_ACTIONS, "group action on a group-less thread"),
        (
            not config.grouped
            and role
            not in (
                *VISITORS,
                Role.NON_MEMBER,
                Role.MEMBER,
                Role.DISCUSSION_GUEST,
                Role.REVOKED_GUEST,
                Role.POLL_GUEST,
                Role.SITE_ADMIN,
            ),
            "a group relation without a group",
        ),
        (role == Role.ADMIN and not config.group_has_admins, "an admin means G has admins"),
        (
            config.membership == "own"
            and role not in GROUP_MEMBERS
            and action in _MEMBERSHIP_TARGET,
            "only members have an own membership",
        ),
        (
            config.stance != "other" and role in VISITORS and action in _STANCE_TARGET,
            "visitors have no stance",
        ),
        (config.missing and action in CREATES, "nothing to be missing"),
    ]
    return next((why for bad, why in reasons if bad), None)


_MEMBERSHIP_TARGET = frozenset(
    {Action.MEMBERSHIP_MAKE_ADMIN, Action.MEMBERSHIP_REMOVE_ADMIN, Action.MEMBERSHIP_DESTROY}
)
_STANCE_TARGET = frozenset({Action.STANCE_UPDATE, Action.STANCE_UNCAST})
_POLL_TARGET = (
    frozenset(
        {
            Action.POLL_SHOW,
            Action.POLL_UPDATE,
            Action.POLL_CLOSE,
            Action.POLL_REOPEN,
            Action.POLL_DISCARD,
            Action.VOTE,
            Action.OUTCOME_CREATE,
            Action.OUTCOME_UPDATE,
        }
    )
    | _STANCE_TARGET
)
# Settings that only matter to some actions; elsewhere `canonical` resets them.
_ACTION_SPECIFIC = {
    "membership": _MEMBERSHIP_TARGET,
    "group_has_admins": frozenset({Action.MEMBERSHIP_MAKE_ADMIN}),
    "stance": _STANCE_TARGET,
    "comment_has_replies": frozenset({Action.COMMENT_DESTROY}),
    "poll_state": _POLL_TARGET,
    "poll_discarded": _POLL_TARGET,
    "specified_voters_only": _POLL_TARGET,
    "anonymous": _POLL_TARGET,
}


def canonical(cell: Cell) -> Cell:
    """`cell` with the settings its action ignores reset to defaults (for counting cells)."""
    base = Config()
    changes = {
        name: getattr(base, name)
        for name, actions in _ACTION_SPECIFIC.items()
        if cell.action not in actions
    }
    return Cell(cell.actor, replace(cell.config, **changes), cell.action)


def decide(cell: Cell) -> Decision:
    """Expected status of `cell.action` by `cell.actor` under `cell.config`."""
    why = inapplicable(cell)
    if why is not None:
        raise ValueError(f"{cell}: not a possible scenario ({why})")
    if cell.config.missing:
        return Decision(404, "record not found")
    return rule(cell.action)(Facts(cell.actor, cell.config))


def actors() -> list[Actor]:
    """Every role, plus the author and unverified variants that change outcomes."""
    out = [Actor(role) for role in Role]
    out += [Actor(role, author=True) for role in Role if role not in VISITORS | {Role.POLL_GUEST}]
    out += [Actor(Role.MEMBER, verified=False), Actor(Role.PARENT_MEMBER, verified=False)]
    return out


def config_variants() -> list[Config]:
    """The default configuration and each setting flipped away from its default."""
    base = Config()
    flips = [
        base,
        replace(base, grouped=False),
        replace(base, privacy="open"),
        replace(base, privacy="secret"),
        replace(base, discussion_privacy_options="public_or_private", discussion_private=False),
        replace(base, parent="closed"),
        replace(base, parent="closed", parent_members_can_see_discussions=True),
        replace(base, parent="secret"),
        replace(base, privacy="secret", parent="closed"),
        replace(base, group_archived=True),
        replace(base, group_has_admins=False),
        replace(base, discussion_closed=True),
        replace(base, discussion_discarded=True),
        replace(base, comment_has_replies=True),
        replace(base, poll_state="closed"),
        replace(base, poll_state="closed", anonymous=True),
        replace(base, poll_state="expired"),
        replace(base, poll_state="wip"),
        replace(base, poll_discarded=True),
        replace(base, specified_voters_only=True),
        replace(base, membership="other"),
        replace(base, membership="sent_pending"),
        replace(base, stance="own_uncast"),
        replace(base, stance="other"),
        replace(base, missing=True),
    ]
    flips += [base.with_flags(**{name: not value}) for name, value in DEFAULT_FLAGS.items()]
    return flips


def cells(
    configs: Iterable[Config] | None = None,
    actor_list: Iterable[Actor] | None = None,
    actions: Iterable[Action] | None = None,
) -> Iterator[Cell]:
    """Every applicable, distinct canonical cell of configs x actors x actions (default all)."""
    action_list = list(Action if actions is None else actions)
    people = list(actors() if actor_list is None else actor_list)
    seen: set[Cell] = set()
    for config in config_variants() if configs is None else configs:
        for actor in people:
            for action in action_list:
                cell = Cell(actor, config, action)
                if inapplicable(cell) is None and (key := canonical(cell)) not in seen:
                    seen.add(key)
                    yield key
