"""The boolean language of ability conditions: and / or / not over atoms the suites know.

A CanCan block (`can :update, ::Comment do |comment| ... end`) becomes a `Cond`. Atoms name
a fact about the acting user and the record (`member` of `discussion`, `flag`
`members_can_edit_comments` of `group`, `state` `closed` of `discussion`); what the reader
does not understand stays an `Opaque` atom holding the Ruby text and its place, so nothing
is dropped. Paths (`of`) are relative to the rule's record: "" is the record itself,
"discussion.group" its discussion's group.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from extractor.model import Loc


class AtomKind(StrEnum):
    """The closed set of facts a condition may test."""

    LOGGED_IN = "logged_in"  # user.is_logged_in?
    VERIFIED = "verified"  # user.email_verified?
    SITE_ADMIN = "site_admin"  # user.is_admin
    IN_ANY_GROUP = "in_any_group"  # user.group_ids.any?
    HOLDS_TOKEN = "holds_token"  # user.group_token: the visitor brought a token (name)
    TOKEN = "token"  # user.group_token == X.token: it is X's token
    MEMBER = "member"  # X.members.exists?(user.id), user_is_member_of?(X.id)
    ADMIN = "admin"  # X.admins.exists?(user.id), user_is_admin_of?(X.id)
    GUEST = "guest"  # X.guests.exists?(user.id)
    VOTER = "voter"  # X.unmasked_voters.exists?(user.id): invited to vote
    IS_USER = "is_user"  # X.author == user, X.user_id == user.id (`field` names which)
    FLAG = "flag"  # X.members_can_edit_comments, Subscription.for(X).allow_guests
    STATE = "state"  # X.closed_at, X.discarded_at.nil? (negated), X.active?
    PRESENT = "present"  # X.group_id, X.discussion.present?: the association is set
    CAN = "can"  # can?(:show, X)
    QUERY = "query"  # DiscussionQuery.visible_to(user: user).exists?(X.id)


# Facts about the acting user alone: their atoms have no record path.
USER_KINDS = frozenset(
    {
        AtomKind.LOGGED_IN,
        AtomKind.VERIFIED,
        AtomKind.SITE_ADMIN,
        AtomKind.IN_ANY_GROUP,
        AtomKind.HOLDS_TOKEN,
    }
)
RECORD = "self"  # how the rule's record itself is written as a path


@dataclass(frozen=True, slots=True)
class Atom:
    """One fact: `kind` about the record at path `of`; `name` the flag/state/action/query."""

    kind: AtomKind
    of: str = ""
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"atom": self.kind.value}
        if self.name:
            out["name"] = self.name
        if self.kind not in USER_KINDS:
            out["of"] = self.of or RECORD
        return out

    def __str__(self) -> str:
        name = f"({self.name})" if self.name else ""
        where = "" if self.kind in USER_KINDS else f"[{self.of or RECORD}]"
        return f"{self.kind.value}{name}{where}"


@dataclass(frozen=True, slots=True)
class Opaque:
    """A Ruby expression the reader does not understand, kept verbatim with its place."""

    ruby: str
    loc: Loc

    def to_dict(self) -> dict[str, Any]:
        return {"opaque": self.ruby, "at": str(self.loc)}

    def __str__(self) -> str:
        return f"«{self.ruby}»"


@dataclass(frozen=True, slots=True)
class Const:
    value: bool

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value}

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True, slots=True)
class Not:
    term: Cond

    def to_dict(self) -> dict[str, Any]:
        return {"not": self.term.to_dict()}

    def __str__(self) -> str:
        return f"not {_wrap(self.term)}"


@dataclass(frozen=True, slots=True)
class All:
    terms: tuple[Cond, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"all": [t.to_dict() for t in self.terms]}

    def __str__(self) -> str:
        return " and ".join(_wrap(t) for t in self.terms)


@dataclass(frozen=True, slots=True)
class Any_:
    terms: tuple[Cond, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"any": [t.to_dict() for t in self.terms]}

    def __str__(self) -> str:
        return " or ".join(_wrap(t) for t in self.terms)


Cond = Atom | Opaque | Const | Not | All | Any_


def _wrap(cond: Cond) -> str:
    return f"({cond})" if isinstance(cond, All | Any_) else str(cond)


def all_of(*terms: Cond) -> Cond:
    """Conjunction, flattened; `true` terms dropped, a `false` term wins."""
    flat: list[Cond] = []
    for term in terms:
        if isinstance(term, Const):
            if not term.value:
                return term
            continue
        flat.extend(term.terms if isinstance(term, All) else (term,))
    return flat[0] if len(flat) == 1 else All(tuple(flat)) if flat else Const(True)


def any_of(*terms: Cond) -> Cond:
    """Disjunction, flattened; `false` terms dropped, a `true` term wins."""
    flat: list[Cond] = []
    for term in terms:
        if isinstance(term, Const):
            if term.value:
                return term
            continue
        flat.extend(term.terms if isinstance(term, Any_) else (term,))
    return flat[0] if len(flat) == 1 else Any_(tuple(flat)) if flat else Const(False)


def negate(term: Cond) -> Cond:
    if isinstance(term, Const):
        return Const(not term.value)
    return term.term if isinstance(term, Not) else Not(term)


def opaque_terms(cond: Cond) -> list[Opaque]:
    """Every opaque atom of a condition, in order."""
    if isinstance(cond, Opaque):
        return [cond]
    if isinstance(cond, Not):
        return opaque_terms(cond.term)
    if isinstance(cond, All | Any_):
        return [o for t in cond.terms for o in opaque_terms(t)]
    return []


def atoms_of(cond: Cond) -> list[Atom]:
    """Every atom of a condition, in order."""
    if isinstance(cond, Atom):
        return [cond]
    if isinstance(cond, Not):
        return atoms_of(cond.term)
    if isinstance(cond, All | Any_):
        return [a for t in cond.terms for a in atoms_of(t)]
    return []
