"""Evaluate an extracted ability condition (spec/abilities.yaml) on the permission world model.

The world of a permission cell (permission_model) is G, its parent, thread D, comment C,
poll P, a stance S, an outcome O, a membership M and the acting user. A condition's atoms
name a record by its path from the rule's record (`discussion.group` of a Comment is G);
`evaluate` answers each atom from `Facts` (the same relations the oracle uses), or raises
`Unknown` when the world model has no answer (then the cell is not cross-checked).

Named queries are answered by the oracle's own model of that query (DiscussionQuery.visible_to
is permissions.md 3.3 "show"), so a cell made of one query only checks the wiring.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from properties.oracles.permission_model import Action, Role
from properties.oracles.permission_rules import Facts, rule

# (record model, path) -> the world's entity
ENTITIES: dict[tuple[str, str], str] = {
    ("Group", "self"): "G",
    ("Group", "parent"): "parent",
    ("Group", "parent_or_self"): "parent_or_self",
    ("Membership", "self"): "M",
    ("Membership", "group"): "G",
    ("Membership", "group.parent"): "parent",
    ("Membership", "group.admin_memberships"): "G.admins",
    ("Discussion", "self"): "D",
    ("Discussion", "group"): "G",
    ("Event", "self"): "E",
    ("Event", "discussion"): "D",
    ("Comment", "self"): "C",
    ("Comment", "discussion"): "D",
    ("Comment", "group"): "G",
    ("Poll", "self"): "P",
    ("Poll", "discussion"): "D",
    ("Poll", "group"): "G",
    ("Poll", "poll_template"): "P.template",
    ("Stance", "self"): "S",
    ("Stance", "poll"): "P",
    ("Outcome", "self"): "O",
    ("Outcome", "poll"): "P",
    ("Outcome", "group"): "G",
}
MODELS = {"G": "Group", "D": "Discussion", "P": "Poll", "S": "Stance", "C": "Comment"}


class Unknown(Exception):
    """The world model cannot answer this atom."""


@dataclass(frozen=True, slots=True)
class Context:
    """One evaluation: the facts, the cells' conditions, the model of the root record."""

    facts: Facts
    cells: Mapping[tuple[str, str], Any]
    root: str  # model of the record the checked operation is about

    def cell(self, model: str, action: str) -> Any:
        if (model, action) not in self.cells:
            return {"value": False}  # CanCan: no rule, no access
        return self.cells[(model, action)]


def evaluate(cond: Any, model: str, ctx: Context) -> bool:
    """The truth of a condition dict for a record of `model` in the cell's world."""
    if "all" in cond:
        return all(evaluate(t, model, ctx) for t in cond["all"])
    if "any" in cond:
        return any(evaluate(t, model, ctx) for t in cond["any"])
    if "not" in cond:
        return not evaluate(cond["not"], model, ctx)
    if "value" in cond:
        return bool(cond["value"])
    if "opaque" in cond:
        raise Unknown(f"opaque `{cond['opaque']}` at {cond['at']}")
    return _atom(cond, model, ctx)


def _atom(atom: Mapping[str, Any], model: str, ctx: Context) -> bool:
    kind, name = atom["atom"], atom.get("name", "")
    f = ctx.facts
    if kind in _USER:
        return _USER[kind](f)
    entity = ENTITIES.get((model, atom["of"]))
    if entity is None:
        raise Unknown(f"{kind} of {model}.{atom['of']} is not in the world model")
    if kind == "can":
        target = MODELS.get(entity)
        if target is None:
            raise Unknown(f"can?({name}) on {entity}")
        return evaluate(ctx.cell(target, name), target, ctx)
    answer = _ANSWERS.get((kind, entity, name)) or _ANSWERS.get((kind, entity, "*"))
    if answer is None:
        raise Unknown(f"{kind}({name}) of {entity} is not in the world model")
    # `X.user_id == user.id` is false for a visitor: a logged-out user has no id
    return answer(f, ctx, name) and (kind != "is_user" or f.logged_in)


_USER: dict[str, Callable[[Facts], bool]] = {
    "logged_in": lambda f: f.logged_in,
    "verified": lambda f: f.logged_in and f.actor.verified,
    "site_admin": lambda f: f.role == Role.SITE_ADMIN,
    "in_any_group": lambda f: f.in_any_group,
    # the world's only token holder brings G's group_token and D's reader token
    "holds_token": lambda f: f.role == Role.VISITOR_WITH_TOKEN,
}

Answer = Callable[[Facts, Context, str], bool]
_ANSWERS: dict[tuple[str, str, str], Answer] = {
    ("member", "G", ""): lambda f, c, n: f.member,
    ("member", "D", ""): lambda f, c, n: f.discussion_member,
    ("member", "P", ""): lambda f, c, n: f.poll_member,
    ("member", "O", ""): lambda f, c, n: f.poll_member,  # outcome.members: the poll's
    ("member", "parent", ""): lambda f, c, n: f.parent_member,
    ("member", "parent_or_self", ""): lambda f, c, n: f.member or f.parent_member,
    ("admin", "G", ""): lambda f, c, n: f.admin,
    # the actor's `author` flag means the comment's author for comment actions, not D's
    ("admin", "D", ""): lambda f, c, n: (
        f.comment_discussion_admin if c.root == "Comment" else f.discussion_admin
    ),
    ("admin", "P", ""): lambda f, c, n: f.poll_admin,
    ("admin", "O", ""): lambda f, c, n: f.poll_admin,  # outcome.admins: the poll's
    ("admin", "parent", ""): lambda f, c, n: False,  # the world's parent admin is its owner
    ("guest", "D", ""): lambda f, c, n: f.guest,
    # holding a stance of one's own means being invited (oracle: can_vote(own_stance=True))
    ("voter", "P", ""): lambda f, c, n: (
        f.invited or (c.root == "Stance" and f.config.stance != "other")
    ),
    ("is_user", "D", "author"): lambda f, c, n: f.actor.author,
    ("is_user", "C", "author"): lambda f, c, n: f.actor.author,
    ("is_user", "P", "author"): lambda f, c, n: f.actor.author,
    ("is_user", "M", "user"): lambda f, c, n: f.config.membership == "own",
    ("is_user", "M", "inviter"): lambda f, c, n: f.config.membership == "sent_pending",
    ("is_user", "S", "real_participant"): lambda f, c, n: f.config.stance != "other",
    ("flag", "G", "*"): lambda f, c, n: _group_flag(f, n),
    ("token", "G", "group_token"): lambda f, c, n: f.role == Role.VISITOR_WITH_TOKEN,
    ("state", "D", "closed"): lambda f, c, n: f.config.discussion_closed,
    ("state", "D", "discarded"): lambda f, c, n: f.config.discussion_discarded,
    ("state", "G", "archived"): lambda f, c, n: f.config.group_archived,
    ("state", "G", "group_privacy=open"): lambda f, c, n: f.group_open,
    ("state", "P", "active"): lambda f, c, n: f.poll_active,
    ("state", "P", "closed"): lambda f, c, n: f.config.poll_state == "closed",
    ("state", "P", "discarded"): lambda f, c, n: f.poll_discarded,
    ("state", "P", "anonymous"): lambda f, c, n: f.config.anonymous,
    ("state", "P", "specified_voters_only"): lambda f, c, n: f.config.specified_voters_only,
    ("state", "S", "latest"): lambda f, c, n: True,  # the world's stances are the latest
    ("state", "S", "cast"): lambda f, c, n: f.config.stance != "own_uncast",
    ("state", "C", "kept"): lambda f, c, n: True,
    ("state", "C", "discarded"): lambda f, c, n: False,
    ("state", "M", "accepted"): lambda f, c, n: f.config.membership != "sent_pending",
    ("present", "G", ""): lambda f, c, n: f.config.grouped,
    ("present", "D", ""): lambda f, c, n: True,  # the world's poll, comment, event are in D
    ("present", "G.admins", ""): lambda f, c, n: f.config.group_has_admins,
    ("present", "parent", ""): lambda f, c, n: f.config.parent is not None,
    ("present", "P.template", ""): lambda f, c, n: False,  # the world's polls use no template
    ("query", "D", "DiscussionQuery.visible_to"): lambda f, c, n: f.can_show_discussion(),
    ("query", "P", "PollQuery.visible_to"): lambda f, c, n: rule(Action.POLL_SHOW)(f).allowed,
}


def _group_flag(f: Facts, name: str) -> bool:
    if name == "is_visible_to_public":
        return f.visible_to_public
    if name == "is_visible_to_parent_members":
        return f.visible_to_parent_members
    if name == "subscription.allow_guests":
        return True  # section 5 defaults: subscription active with guests allowed
    try:
        return f.config.flag(name)
    except KeyError:
        raise Unknown(f"group flag {name} is not in the world model") from None
