"""The Ruby of a CanCan block -> `Cond` (extractor.conditions): one reader per expression shape.

    can [:update], ::Comment do |comment|
      !comment.discussion.closed_at && comment.author == user
    end
    -> not state(closed)[discussion] and is_user(author)[record]

Paths are read from the block's parameter (the record): `comment.discussion.group` is
"discussion.group". Anything else is an `Opaque` atom with its file:line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from tree_sitter import Node

from extractor.conditions import (
    Atom,
    AtomKind,
    Cond,
    Const,
    Opaque,
    all_of,
    any_of,
    negate,
)
from extractor.ruby.nodes import Parsed, arguments, call_name, name_of, positional, receiver, text

_USER_PREDICATES = {
    "is_logged_in?": AtomKind.LOGGED_IN,
    "email_verified?": AtomKind.VERIFIED,
    "is_admin": AtomKind.SITE_ADMIN,
    "is_admin?": AtomKind.SITE_ADMIN,
}
_RELATIONS = {  # X.<association>.exists?(user.id)
    "members": AtomKind.MEMBER,
    "admins": AtomKind.ADMIN,
    "guests": AtomKind.GUEST,
    "unmasked_voters": AtomKind.VOTER,
    "voters": AtomKind.VOTER,
}
_USER_HELPERS = {  # Ability::Base helpers taking a group (id)
    "user_is_member_of?": AtomKind.MEMBER,
    "user_is_admin_of?": AtomKind.ADMIN,
    "user_is_member_of_any?": AtomKind.MEMBER,
    "user_is_admin_of_any?": AtomKind.ADMIN,
}
_USER_GROUP_SETS = {"groups": AtomKind.MEMBER, "adminable_groups": AtomKind.ADMIN}
_FLAG = re.compile(
    r"^(members_can_|admins_can_|parent_members_can_|is_visible_to_|membership_granted_upon_)"
)
_BOOLEAN_COLUMNS = frozenset({"anonymous", "specified_voters_only", "guest", "private", "admin"})
_ABSENT = frozenset({"nil?", "blank?"})
_PRESENT = frozenset({"present?", "presence", "any?"})
_USER_FIELDS = frozenset({"author", "user", "inviter", "requestor", "real_participant", "owner"})


@dataclass(slots=True)
class Scope:
    """What names mean inside one block: the record, the user, block-local aliases."""

    parsed: Parsed
    record: str
    users: frozenset[str] = frozenset({"user", "@user"})
    aliases: dict[str, str] = field(default_factory=dict)

    def opaque(self, node: Node) -> Opaque:
        return Opaque(" ".join(text(node).split()), self.parsed.loc(node))


def condition_of_body(statements: list[Node], scope: Scope) -> Cond:
    """A block body: guard clauses, local aliases, then the value of its last expression."""
    guards: list[Cond] = []
    for index, stmt in enumerate(statements):
        last = index == len(statements) - 1
        if stmt.type == "assignment" and not last:
            left, right = stmt.child_by_field_name("left"), stmt.child_by_field_name("right")
            path = path_of(right, scope)
            if left is not None and left.type == "identifier" and path is not None:
                scope.aliases[text(left)] = path
                continue
        guard = _guard(stmt, scope)
        if guard is not None and not last:
            guards.append(guard)
            continue
        if not last:
            guards.append(scope.opaque(stmt))
            continue
        return all_of(*guards, condition_of(stmt, scope))
    return all_of(*guards) if guards else Const(False)


def _guard(stmt: Node, scope: Scope) -> Cond | None:
    """`return false unless X` -> X; `return false if X` -> not X."""
    if stmt.type not in ("unless_modifier", "if_modifier"):
        return None
    body = stmt.child_by_field_name("body")
    test = stmt.child_by_field_name("condition")
    if body is None or test is None or body.type != "return" or text(body) != "return false":
        return None
    cond = condition_of(test, scope)
    return cond if stmt.type == "unless_modifier" else negate(cond)


def condition_of(node: Node, scope: Scope) -> Cond:
    """One Ruby expression as a condition (opaque when no reader knows its shape)."""
    reader = _READERS.get(node.type)
    found = reader(node, scope) if reader is not None else None
    return found if found is not None else scope.opaque(node)


def _binary(node: Node, scope: Scope) -> Cond | None:
    op = text(node.child_by_field_name("operator"))
    left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
    if left is None or right is None:
        return None
    if op in ("&&", "and"):
        return all_of(condition_of(left, scope), condition_of(right, scope))
    if op in ("||", "or"):
        return any_of(condition_of(left, scope), condition_of(right, scope))
    if op in ("==", "!="):
        found = _equality(left, right, scope) or _equality(right, left, scope)
        return None if found is None else (found if op == "==" else negate(found))
    return None


def _equality(a: Node, b: Node, scope: Scope) -> Cond | None:
    """`X.author == user`, `X.user_id == user.id`, `user == u`, `X.y.count == 0`, `X.p == 'v'`,
    `user.group_token == X.token`."""
    token = _user_token(b, scope)
    if token is not None and a.type == "call" and call_name(a) == "token":
        path = path_of(receiver(a), scope)
        return None if path is None else Atom(AtomKind.TOKEN, path, token)
    if text(b) in scope.users or text(b) in {f"{u}.id" for u in scope.users}:
        if text(a) == scope.record or scope.aliases.get(text(a)) == "":
            return Atom(AtomKind.IS_USER, "", "self")
        path = path_of(a, scope)
        if path is None:
            return None
        head, _, last = path.rpartition(".")
        if last == "id" and head:  # X.user.id == user.id
            head, _, last = head.rpartition(".")
        last = last.removesuffix("_id")
        return Atom(AtomKind.IS_USER, head, last) if last in _USER_FIELDS else None
    if text(b) == "0" and a.type == "call" and call_name(a) == "count":
        path = path_of(receiver(a), scope)
        return None if path is None else negate(Atom(AtomKind.PRESENT, path))
    if b.type == "string" and (value := name_of(b)) is not None:
        path = path_of(a, scope)
        if path is None:
            return None
        head, _, last = path.rpartition(".")
        return Atom(AtomKind.STATE, head, f"{last}={value}")
    return None


def _unary(node: Node, scope: Scope) -> Cond | None:
    op = node.child_by_field_name("operator")
    operand = node.child_by_field_name("operand")
    if operand is None or text(op) not in ("!", "not"):
        return None
    return negate(condition_of(operand, scope))


def _parenthesized(node: Node, scope: Scope) -> Cond | None:
    inner = [c for c in node.named_children if c.type != "comment"]
    return condition_of_body(inner, scope) if inner else None


def _if(node: Node, scope: Scope) -> Cond | None:
    """`if c then a else b end` -> (c and a) or (not c and b); `unless` swaps."""
    test = node.child_by_field_name("condition")
    then = node.child_by_field_name("consequence")
    other = node.child_by_field_name("alternative")
    if test is None:
        return None
    cond = condition_of(test, scope)
    if node.type == "unless":
        cond = negate(cond)
    yes = _branch(then, scope)
    no = _branch(other, scope)
    return any_of(all_of(cond, yes), all_of(negate(cond), no))


def _branch(node: Node | None, scope: Scope) -> Cond:
    if node is None:
        return Const(False)  # a missing branch is nil: falsy
    if node.type == "else":
        return condition_of_body([c for c in node.named_children if c.type != "comment"], scope)
    if node.type in ("then", "elsif"):
        if node.type == "elsif":
            return _if(node, scope) or scope.opaque(node)
        return condition_of_body([c for c in node.named_children if c.type != "comment"], scope)
    return condition_of(node, scope)


def _constant(node: Node, scope: Scope) -> Cond | None:
    return Const(node.type == "true") if node.type in ("true", "false") else Const(False)


def _bare(node: Node, scope: Scope) -> Cond | None:
    """A bare identifier: a Base helper with no arguments, or an attribute path."""
    return _path_truthy(node, scope)


def _call(node: Node, scope: Scope) -> Cond | None:
    name = call_name(node) or ""
    recv = receiver(node)
    for reader in (_can, _user_fact, _helper, _exists, _query, _subscription):
        found = reader(node, name, recv, scope)
        if found is not None:
            return found
    if name in _ABSENT | _PRESENT and recv is not None and not arguments(node):
        token = _user_token(recv, scope)
        inner = (
            Atom(AtomKind.HOLDS_TOKEN, name=token)
            if token is not None
            else _path_truthy(recv, scope, presence=True)
        )
        if inner is not None:
            return negate(inner) if name in _ABSENT else inner
    return _path_truthy(node, scope)


def _can(node: Node, name: str, recv: Node | None, scope: Scope) -> Cond | None:
    """`can?(:show, X)`, `user.can?(:show, X)`, `user.ability.can? :show, X`."""
    if name != "can?" or (recv is not None and text(recv).split(".")[0] not in scope.users):
        return None
    args = positional(node)
    action = name_of(args[0]) if args else None
    path = path_of(args[1], scope) if len(args) == 2 else None
    return None if action is None or path is None else Atom(AtomKind.CAN, path, action)


def _user_fact(node: Node, name: str, recv: Node | None, scope: Scope) -> Cond | None:
    """`user.email_verified?`, `user.is_admin`, `user.group_ids.any?`, `user.group_ids.include?(X)`."""
    if recv is None:
        return None
    if text(recv) in scope.users and name in _USER_PREDICATES and not arguments(node):
        return Atom(_USER_PREDICATES[name])
    token = _user_token(node, scope)
    if token is not None:
        return Atom(AtomKind.HOLDS_TOKEN, name=token)
    if text(recv) in {f"{u}.group_ids" for u in scope.users}:
        if name == "any?" and not arguments(node):
            return Atom(AtomKind.IN_ANY_GROUP)
        args = positional(node)
        path = _group_path(args[0], scope) if name == "include?" and len(args) == 1 else None
        return None if path is None else Atom(AtomKind.MEMBER, path)
    return None


def _user_token(node: Node, scope: Scope) -> str | None:
    """`user.group_token` -> "group_token" (a token the visitor brought in the request)."""
    if node.type != "call" or arguments(node) or text(receiver(node)) not in scope.users:
        return None
    name = call_name(node) or ""
    return name if name.endswith("_token") else None


def _helper(node: Node, name: str, recv: Node | None, scope: Scope) -> Cond | None:
    """`user_is_member_of?(X.group_id)`, `user_is_author_of?(X)`."""
    if recv is not None:
        return None
    args = positional(node)
    if len(args) != 1:
        return None
    if name in _USER_HELPERS:
        path = _group_path(args[0], scope)
        return None if path is None else Atom(_USER_HELPERS[name], path)
    if name == "user_is_author_of?":
        path = path_of(args[0], scope)
        return None if path is None else Atom(AtomKind.IS_USER, path, "author")
    return None


def _exists(node: Node, name: str, recv: Node | None, scope: Scope) -> Cond | None:
    """`X.members.exists?(user.id)`, `user.groups.exists?(X.group.id)`, `Q.scope.exists?(X.id)`."""
    args = positional(node)
    if name != "exists?" or recv is None or len(args) != 1 or recv.type != "call":
        return None
    assoc, owner = call_name(recv) or "", receiver(recv)
    if text(args[0]) in {f"{u}.id" for u in scope.users}:
        path = path_of(owner, scope)
        if path is None:
            return None
        kind = _RELATIONS.get(assoc)
        return Atom(kind, path) if kind else Atom(AtomKind.IS_USER, path, assoc)
    if owner is not None and text(owner) in scope.users:
        if assoc in _USER_GROUP_SETS:
            path = _group_path(args[0], scope)
            return None if path is None else Atom(_USER_GROUP_SETS[assoc], path)
        path = _record_id(args[0], scope)
        return None if path is None else Atom(AtomKind.IS_USER, path, "user")
    return None


def _query(node: Node, name: str, recv: Node | None, scope: Scope) -> Cond | None:
    """`DiscussionQuery.visible_to(user: user).exists?(X.id)`, `Model.redeemable.exists?(X.id)`,
    `ContactableQuery.contactable(actor: user, user: u)`."""
    args = positional(node)
    if name == "exists?" and recv is not None and recv.type == "call" and len(args) == 1:
        owner = receiver(recv)
        path = _record_id(args[0], scope)
        if (
            owner is not None
            and owner.type in ("constant", "scope_resolution")
            and path is not None
        ):
            return Atom(AtomKind.QUERY, path, f"{text(owner).lstrip(':')}.{call_name(recv)}")
    if recv is not None and text(recv).endswith("Query"):
        values = [a.child_by_field_name("value") for a in arguments(node) if a.type == "pair"]
        paths = [path_of(v, scope) for v in values if v is not None and text(v) not in scope.users]
        if len(paths) == 1 and paths[0] is not None:
            return Atom(AtomKind.QUERY, paths[0], f"{text(recv)}.{name}")
    return None


def _subscription(node: Node, name: str, recv: Node | None, scope: Scope) -> Cond | None:
    """`Subscription.for(X).allow_guests` (a flag), `.is_active?` (a state) of X's subscription."""
    if recv is None or recv.type != "call" or call_name(recv) != "for":
        return None
    owner, args = receiver(recv), positional(recv)
    if text(owner) != "Subscription" or len(args) != 1:
        return None
    path = path_of(args[0], scope)
    if path is None:
        return None
    if name.endswith("?"):
        return Atom(
            AtomKind.STATE, path, f"subscription.{name.removesuffix('?').removeprefix('is_')}"
        )
    return Atom(AtomKind.FLAG, path, f"subscription.{name}")


def _element(node: Node, scope: Scope) -> Cond | None:
    """`AppConfig.app_features[:create_group]`: an instance-wide flag."""
    obj = node.child_by_field_name("object") or (
        node.named_children[0] if node.named_children else None
    )
    keys = [c for c in node.named_children[1:]]
    if obj is None or len(keys) != 1 or text(obj) != "AppConfig.app_features":
        return None
    key = name_of(keys[0])
    return None if key is None else Atom(AtomKind.FLAG, "(instance)", f"app_features.{key}")


def _path_truthy(node: Node, scope: Scope, *, presence: bool = False) -> Cond | None:
    """An attribute read used as a boolean: a flag, a state, or the presence of an association."""
    path = path_of(node, scope)
    if path is None or path == "":
        return None
    head, _, last = path.rpartition(".")
    bare = last.removesuffix("?")
    if _FLAG.match(bare):
        return Atom(AtomKind.FLAG, head, bare)
    if last.endswith("_at") or last.endswith("_at?"):
        return Atom(AtomKind.STATE, head, last.removesuffix("?").removesuffix("_at"))
    if last.endswith("_id"):
        return Atom(AtomKind.PRESENT, ".".join(p for p in (head, last.removesuffix("_id")) if p))
    if last == "id":
        return Atom(AtomKind.STATE, head, "persisted")
    if (last.endswith("?") or last in _BOOLEAN_COLUMNS) and not presence:
        return Atom(AtomKind.STATE, head, bare)
    return Atom(AtomKind.PRESENT, path)


def path_of(node: Node | None, scope: Scope) -> str | None:
    """`comment.discussion.group` -> "discussion.group" when `comment` is the record."""
    if node is None:
        return None
    if node.type == "identifier":
        name = text(node)
        if name == scope.record:
            return ""
        return scope.aliases.get(name)
    if node.type != "call" or arguments(node) or node.child_by_field_name("block"):
        return None
    base = path_of(receiver(node), scope)
    method = call_name(node)
    if base is None or method is None:
        return None
    return f"{base}.{method}" if base else method


def _group_path(node: Node, scope: Scope) -> str | None:
    """The group an id names: `X.group_id`, `X.group.id`, `X.parent_id`, or `X` itself (a group)."""
    path = path_of(node, scope)
    if path is None:
        return None
    if path.endswith("_id"):
        return path.removesuffix("_id")
    return path.removesuffix(".id") if path.endswith(".id") else ("" if path == "id" else path)


def _record_id(node: Node, scope: Scope) -> str | None:
    path = path_of(node, scope)
    if path is None:
        return None
    if path == "id":
        return ""
    return path.removesuffix(".id") if path.endswith(".id") else None


_READERS: dict[str, Callable[[Node, Scope], Cond | None]] = {
    "binary": _binary,
    "unary": _unary,
    "parenthesized_statements": _parenthesized,
    "if": _if,
    "unless": _if,
    "true": _constant,
    "false": _constant,
    "nil": _constant,
    "identifier": _bare,
    "call": _call,
    "element_reference": _element,
}
