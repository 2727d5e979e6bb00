"""Controllers and services -> the ability checks each method performs, and whom it calls.

    def show
      load_and_authorize(:discussion)             # AuthCheck(show, Discussion)
    def close
      @event = service.close(discussion: load_resource, actor: current_user)   # a call
    def self.close(discussion:, actor:)
      actor.ability.authorize!(:update, discussion)                             # AuthCheck

Checks read: `load_and_authorize(:model, :action, optional:)` (Loomio's helper),
`[x.ability.]authorize!(:action, subject)`, `[x.]can?(:action, subject)`, and CanCan's
class-level `load_and_authorize_resource`. Calls read: bare methods, `super`,
`service.x` (the controller's resource service) and `SomeService.x`, with the classes of
the keyword arguments a service call passes (`actor: current_user` binds `actor` to User).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from tree_sitter import Node

from extractor import inflect
from extractor.ability_model import AuthCheck
from extractor.ruby.nodes import (
    Parsed,
    body_of,
    call_name,
    const_name,
    name_of,
    options,
    parse,
    positional,
    receiver,
    statements,
    strings_of,
    text,
)
from extractor.sources import SourceFile

RESOURCE = "(resource)"  # the controller's own resource class, settled when mapping
_CHECKS = frozenset({"load_and_authorize", "authorize!", "can?", "cannot?"})
_RESOURCE_READS = frozenset({"resource", "load_resource", "self.resource"})
_STATEMENT_LIKE = frozenset(
    {
        "body_statement",
        "then",
        "else",
        "block_body",
        "argument_list",
        "pair",
        "binary",
        "assignment",
        "parenthesized_statements",
    }
)


@dataclass(frozen=True, slots=True)
class Call:
    """`super`, a bare `helper`, `service.create` (owner "service"), `PollService.close`;
    `conditional` when it sits in a branch that not every request takes."""

    owner: str | None
    name: str
    conditional: bool = False
    binds: tuple[tuple[str, str], ...] = ()  # keyword -> class of its value


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthMethod:
    """`constant`: what a one-constant body returns (`def service; UserService; end`);
    `mentions`: the GUARD_WORDS its body names (how a request is guarded when no ability
    is checked: `require_current_user`, `visible_to`)."""

    name: str
    checks: tuple[AuthCheck, ...]
    calls: tuple[Call, ...]
    constant: str | None = None
    mentions: frozenset[bytes] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class Callback:
    """`before_action :require_current_user, only: [:index]`."""

    name: str
    only: tuple[str, ...] = ()
    excepted: tuple[str, ...] = ()

    def runs_for(self, action: str) -> bool:
        return (not self.only or action in self.only) and action not in self.excepted


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthClass:
    """A controller or service class: its methods, and CanCan's class-level loader."""

    name: str
    parent: str | None
    methods: tuple[AuthMethod, ...]
    load_and_authorize_resource: Callback | None = None
    before: tuple[Callback, ...] = ()

    def method(self, name: str) -> AuthMethod | None:
        return next((m for m in self.methods if m.name == name), None)


_DEF = re.compile(r"^\s*def\s+(?:self\.)?([a-z_][A-Za-z0-9_]*[?!]?)", re.MULTILINE)


def known_words(sources: Iterable[SourceFile]) -> frozenset[bytes]:
    """Names of the methods the files define, and the checks (a call to anything else
    leads nowhere)."""
    names = {m.group(1) for s in sources for m in _DEF.finditer(s.text)} | _CHECK_WORDS
    return frozenset(n.encode() for n in names)


def _occurrences(raw: bytes, word: bytes) -> Iterator[int]:
    """Offsets of `word` as a whole word (`save` is not in `save!` nor in `autosave`)."""
    at = raw.find(word)
    while at >= 0:
        end = at + len(word)
        before = raw[at - 1 : at] if at else b" "
        after = raw[end : end + 1]
        if not (before.isalnum() or before in b"_@:$") and not (
            after.isalnum() or after in (b"_", b"?", b"!")
        ):
            yield at
        at = raw.find(word, end)


def _receiver(raw: bytes, at: int) -> str | None:
    """`service` in `service.create`, `PollService` in `PollService.close`, else None."""
    if at == 0 or raw[at - 1 : at] != b".":
        return None
    start = at - 1
    while start > 0 and (raw[start - 1 : start].isalnum() or raw[start - 1 : start] in b"_:"):
        start -= 1
    return raw[start : at - 1].decode() or None


def parse_authorizations(source: SourceFile, known: frozenset[bytes]) -> list[AuthClass]:
    """Every class of a controller or service file with the checks and calls of its methods
    (`known`: `known_words` of every controller and service)."""
    parsed = parse(source)
    out: list[AuthClass] = []
    _scan(parsed, parsed.root, (), out, known)
    return out


def _scan(
    parsed: Parsed,
    node: Node,
    namespace: tuple[str, ...],
    out: list[AuthClass],
    known: frozenset[bytes],
) -> None:
    for stmt in statements(node if node.type == "program" else body_of(node)):
        if stmt.type not in ("class", "module"):
            continue
        name = (*namespace, *(const_name(stmt.child_by_field_name("name")) or "?").split("::"))
        superclass = stmt.child_by_field_name("superclass")
        parent = (
            const_name(superclass.named_children[0])
            if superclass and superclass.named_children
            else None
        )
        body = statements(body_of(stmt))
        methods = tuple(
            _method(parsed, m, known) for m in body if m.type in ("method", "singleton_method")
        )
        methods += _aliases(body, methods)
        if stmt.type == "class" or methods:  # service modules: `module GroupService`
            out.append(
                AuthClass(
                    name="::".join(name),
                    parent=parent,
                    methods=methods,
                    load_and_authorize_resource=next(
                        (c for c in _callbacks(body, "load_and_authorize_resource")), None
                    ),
                    before=tuple(_callbacks(body, "before_action")),
                )
            )
        _scan(parsed, stmt, name, out, known)


def _aliases(body: list[Node], methods: tuple[AuthMethod, ...]) -> tuple[AuthMethod, ...]:
    """`alias :create :update`, `alias_method :create, :update`: the old method, new name."""
    names: list[str | None]
    out: list[AuthMethod] = []
    for stmt in body:
        if stmt.type == "alias":
            names = [name_of(c) for c in stmt.named_children]
        elif stmt.type == "call" and call_name(stmt) == "alias_method":
            names = [name_of(a) for a in positional(stmt)]
        else:
            continue
        if len(names) != 2 or not names[0] or not names[1]:
            continue
        old = next((m for m in methods if m.name == names[1]), None)
        # an inherited method: the alias calls it (Ruby binds the one visible here)
        out.append(
            replace(old, name=names[0])
            if old is not None
            else AuthMethod(name=names[0], checks=(), calls=(Call(None, names[1]),))
        )
    return tuple(out)


def _callbacks(body: list[Node], macro: str) -> list[Callback]:
    """`before_action :a, :b, only: [:show]` -> Callback(a), Callback(b);
    `load_and_authorize_resource except: :index` -> one Callback named after the macro."""
    out: list[Callback] = []
    for stmt in body:
        if call_name(stmt) != macro or (stmt.type == "identifier" and macro == "before_action"):
            continue
        opts = options(stmt) if stmt.type == "call" else {}
        only = strings_of(opts.get("only")) or ()
        excepted = strings_of(opts.get("except")) or ()
        names = [n for a in positional(stmt) if (n := name_of(a))] if stmt.type == "call" else []
        for name in names or [macro]:
            out.append(Callback(name=name, only=only, excepted=excepted))
    return out


_TOKEN = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*[?!]?")
_CHECK_WORDS = frozenset({"load_and_authorize", "authorize!", "can?", "cannot?"})
# words that tell how an action that checks no ability is guarded (abilities.unchecked_reason)
GUARD_WORDS = frozenset(
    {
        b"accessible_records",
        b"visible_to",
        b"instantiate_collection",
        b"adminable_groups",
        b"adminable_group_ids",
        b"group_ids",
        b"browseable_group_ids",
        b"authorize!",
        b"require_current_user",
        b"is_logged_in?",
        b"current_user",
        # how it answers: serialized records, or a literal body / a bare status
        b"respond_with_resource",
        b"respond_with_collection",
        b"render",
        b"head",
        # a filter on records marked public (`where(public: true)`, `visible_to_public`)
        b"public",
        b"visible_to_public",
    }
)
_CHECK_BYTES = frozenset(w.encode() for w in _CHECK_WORDS)
_CODE = frozenset({"identifier", "super"})


def _method(parsed: Parsed, node: Node, known: frozenset[bytes]) -> AuthMethod:
    """Checks, calls and mentions of one method, from a scan of its words (tree-sitter
    nodes are looked up only for the words that matter: walking every node is slow)."""
    body = node.child_by_field_name("body")
    name = text(node.child_by_field_name("name"))
    if body is None or body.text is None:
        return AuthMethod(name=name, checks=(), calls=())
    checks: list[tuple[int, AuthCheck]] = []  # in source order
    calls: dict[Call, bool] = {}  # call -> made on every request
    raw = body.text
    words = set(_TOKEN.findall(raw))
    for word in sorted(words & known):
        for start in _occurrences(raw, word):
            owner = None if word in _CHECK_BYTES else _receiver(raw, start)
            if owner is not None and owner != "service" and not owner.endswith("Service"):
                if owner != "self":
                    continue
                owner = None
            begin = body.start_byte + start
            found = body.descendant_for_byte_range(begin, begin + len(word))
            if found is None or found.type not in _CODE:
                continue  # a word of a string, a symbol or a comment
            target = _called(found)
            called = word.decode()
            if called in _CHECK_WORDS and (check := _check(parsed, target)) is not None:
                branch = in_branch(target, body)
                checks.append((start, replace(check, optional=True) if branch else check))
            elif owner is not None or target is not found or _bare(found):
                binds = _binds(target) if owner is not None and target is not found else ()
                call = Call(owner, called, binds=binds)
                if not calls.get(call):
                    calls[call] = not in_branch(target, body)
    checks.sort(key=lambda pair: pair[0])
    values = statements(body)
    only = const_name(values[0]) if len(values) == 1 else None
    mentions = words & GUARD_WORDS
    if _CURRENT_USER in mentions and _only_as_actor(body):
        mentions.discard(_CURRENT_USER)
    return AuthMethod(
        name=name,
        checks=tuple(check for _, check in checks),
        calls=tuple(Call(c.owner, c.name, not always, c.binds) for c, always in calls.items()),
        constant=only,
        mentions=frozenset(mentions),
    )


_CURRENT_USER = b"current_user"


def _only_as_actor(body: Node) -> bool:
    """Whether every `current_user` of a body is who acts in a service call
    (`service.create(contact_message: resource, actor: current_user)`), not what it acts on
    (`current_user.notifications`, `user: current_user`)."""
    raw = body.text or b""
    for start in _occurrences(raw, _CURRENT_USER):
        begin = body.start_byte + start
        found = body.descendant_for_byte_range(begin, begin + len(_CURRENT_USER))
        parent = found.parent if found is not None else None
        if found is None or found.type != "identifier":
            continue  # a word of a string or a comment
        if (
            parent is None
            or parent.type != "pair"
            or name_of(parent.child_by_field_name("key")) != "actor"
        ):
            return False
    return True


def _binds(call: Node) -> tuple[tuple[str, str], ...]:
    """Keyword arguments whose value has a known class its name does not say:
    `service.close(discussion: load_resource, actor: current_user)` ->
    (("discussion", "(resource)"), ("actor", "User")); a local or a helper's answer
    (`group: target_model`) says nothing about its class."""
    out = []
    for key, value in options(call).items():
        raw = text(value)
        if (
            value.type == "identifier"
            and not raw.startswith("current_")
            and raw not in _RESOURCE_READS
        ):
            continue
        model = model_of_subject(value)
        if model is not None and model != inflect.camelize(key):
            out.append((key, model))
    return tuple(out)


def _called(identifier: Node) -> Node:
    """The call an identifier names (`x.authorize!(...)` for `authorize!`), else itself."""
    parent = identifier.parent
    if (
        parent is not None
        and parent.type == "call"
        and parent.child_by_field_name("method") == identifier
    ):
        return parent
    return identifier


def _bare(identifier: Node) -> bool:
    """A bare identifier that Ruby reads as a method call: a statement, an argument, a
    receiver (`model.admins`), an operand, a value; not a hash key or a parameter."""
    parent = identifier.parent
    if identifier.type == "super":
        return True
    if parent is None:
        return False
    if parent.type == "call":
        return parent.child_by_field_name("receiver") == identifier
    if parent.type == "pair":
        return identifier != parent.child_by_field_name("key")
    return parent.type in _STATEMENT_LIKE


_BRANCHING = frozenset({"if", "unless", "elsif", "conditional"})
_MODIFIERS = frozenset({"if_modifier", "unless_modifier", "while_modifier", "until_modifier"})


def in_branch(node: Node, body: Node) -> bool:
    """Whether `node` runs only on some requests: inside a branch of an if/unless/case, the
    body of a modifier, or the right side of `||`/`&&` (the tests themselves always run)."""
    child, parent = node, node.parent
    while parent is not None and child != body:
        if parent.type in _BRANCHING and child != parent.child_by_field_name("condition"):
            return True
        if parent.type in _MODIFIERS and child == parent.child_by_field_name("body"):
            return True
        if parent.type in ("case", "case_match") and child != parent.child_by_field_name("value"):
            return True
        if parent.type in ("rescue", "ensure"):
            return True
        if (
            parent.type == "binary"
            and child == parent.child_by_field_name("right")
            and text(parent.child_by_field_name("operator")) in ("||", "or", "&&", "and")
        ):
            return True
        child, parent = parent, parent.parent
    return False


def _check(parsed: Parsed, node: Node) -> AuthCheck | None:
    name = call_name(node)
    if name not in _CHECKS:
        return None
    if node.type == "identifier" and (
        name != "load_and_authorize" or node.parent is None or node.parent.type == "call"
    ):
        return None
    args = positional(node)
    if name == "load_and_authorize":
        model = name_of(args[0]) if args else None
        action = name_of(args[1]) if len(args) > 1 else "show"
        optional = text(options(node).get("optional")) == "true"
        return AuthCheck(
            action=action or "?",
            model=inflect.camelize(model) if model else None,
            subject=text(args[0]) if args else "",
            how=name,
            optional=optional,
            loc=parsed.loc(node),
        )
    action = name_of(args[0]) if args else None
    if action is None or len(args) < 2:
        return None
    return AuthCheck(
        action=action,
        model=model_of_subject(args[1]),
        subject=" ".join(text(args[1]).split()),
        how=name or "",
        optional=name != "authorize!",
        loc=parsed.loc(node),
    )


def model_of_subject(node: Node) -> str | None:
    """The class of a checked record: `@poll` -> Poll, `stance.poll` -> Poll,
    `load_and_authorize(:group)` -> Group, `User.find(id)` -> User, `resource` -> (resource),
    `current_user` -> User (Devise's `current_<scope>` helper)."""
    raw = text(node)
    if raw in _RESOURCE_READS:
        return RESOURCE
    if node.type == "identifier" and raw.startswith("current_"):
        return inflect.camelize(raw.removeprefix("current_"))
    if node.type in ("instance_variable", "identifier"):
        return inflect.camelize(raw.lstrip("@"))
    if node.type != "call":
        return None
    name = call_name(node) or ""
    recv = receiver(node)
    if name == "load_and_authorize":
        first = positional(node)
        model = name_of(first[0]) if first else None
        return inflect.camelize(model) if model else None
    if name in _RESOURCE_READS and recv is None:
        return RESOURCE
    if name in ("find", "find_by", "find_by!", "new") and recv is not None:
        return const_name(recv)
    return inflect.camelize(name) if recv is not None and not positional(node) else None
