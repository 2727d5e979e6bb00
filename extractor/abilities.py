"""Ability rules + controller/service checks -> the ability matrix (pure).

A *cell* is one (model, action) a request can be checked against: its condition is CanCan's
combination of every rule for that model and action (aliases, `:manage` and `:all`
included; a later `cannot` overrides what came before). Each API operation is mapped to
the cells its controller method, the methods it calls and the services it calls check.
`abilities_document` is what `parity extract` writes as spec/abilities.yaml.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import partial

from extractor import inflect
from extractor.ability_model import AbilityRule, ActionAlias, AuthCheck
from extractor.cache import NO_CACHE, Cache
from extractor.conditions import Cond, Const, all_of, any_of, negate, opaque_terms
from extractor.errors import Diagnostic
from extractor.model import Loc
from extractor.ruby.abilities import parse_abilities
from extractor.ruby.authorizations import (
    RESOURCE,
    AuthClass,
    AuthMethod,
    known_words,
    parse_authorizations,
)
from extractor.sources import SourceFile, SourceTree

ABILITY_DIR = "app/models/ability/"
CANCAN = Loc("(CanCan default)", 0)
DEFAULT_ALIASES = (
    ActionAlias(name="read", actions=("index", "show"), loc=CANCAN),
    ActionAlias(name="create", actions=("new",), loc=CANCAN),
    ActionAlias(name="update", actions=("edit",), loc=CANCAN),
)
_MAX_DEPTH = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class Abilities:
    """Every rule and alias of the ability tree, in CanCan's order of definition."""

    files: tuple[str, ...]
    rules: tuple[AbilityRule, ...]
    aliases: tuple[ActionAlias, ...]
    composition: tuple[str, ...]
    diagnostics: tuple[Diagnostic, ...]

    def expands(self, name: str) -> set[str]:
        """Actions an action name in a rule stands for (`read` -> read, index, show)."""
        out, todo = {name}, [name]
        while todo:
            current = todo.pop()
            for alias in self.aliases:
                if alias.name == current:
                    new = set(alias.actions) - out
                    out |= new
                    todo += new
        return out

    def rules_for(self, model: str, action: str) -> list[AbilityRule]:
        return [
            r
            for r in self.rules
            if r.model in (model, "all")
            and any(a == "manage" or action in self.expands(a) for a in r.actions)
        ]

    def condition(self, model: str, action: str) -> Cond:
        """CanCan's answer for (model, action): the last matching rule whose condition holds."""
        cond: Cond = Const(False)
        for rule in self.rules_for(model, action):
            cond = (
                any_of(rule.condition, cond)
                if rule.kind == "can"
                else all_of(negate(rule.condition), cond)
            )
        return cond


def is_ability_file(source: SourceFile) -> bool:
    return source.path.startswith(ABILITY_DIR)


def read_abilities(models: Iterable[SourceFile], cache: Cache = NO_CACHE) -> Abilities:
    """Rules of app/models/ability/**, ordered as `Ability::Base` composes its modules."""
    files = [s for s in models if is_ability_file(s)]
    facts = [
        cache.facts("parse_abilities", s.path, s.text, partial(parse_abilities, s)) for s in files
    ]
    composition = tuple(m for f in facts for m in f.prepends)
    order = {name: i for i, name in enumerate(composition)}

    def position(rule: AbilityRule) -> tuple[int, str, int]:
        return (order.get(rule.module, -1), rule.loc.file, rule.loc.line)

    return Abilities(
        files=tuple(s.path for s in files),
        rules=tuple(sorted((r for f in facts for r in f.rules), key=position)),
        aliases=DEFAULT_ALIASES + tuple(a for f in facts for a in f.aliases),
        composition=composition,
        diagnostics=tuple(d for f in facts for d in f.diagnostics),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Checked:
    """One ability check reached from an operation: the cell and where it is checked."""

    model: str | None
    action: str
    check: AuthCheck


@dataclass(frozen=True, slots=True, kw_only=True)
class Reached:
    """What one controller action does about authorization."""

    checks: tuple[Checked, ...]
    mentions: frozenset[bytes]  # the words of its code (why it checks nothing)
    base: str | None  # the first ancestor outside the tree (`Devise::SessionsController`)
    found: bool  # the action's method exists in the controller or an ancestor
    resource: str = ""  # the controller's resource class (`Chatbot`)
    services: tuple[str, ...] = ()  # service methods it calls (`ChatbotService.publish_test!`)
    undefined: tuple[str, ...] = ()  # ... that no class of the tree defines


@dataclass(slots=True)
class _Walk:
    resource: str
    service: str
    seen: set[tuple[str, str, bool, tuple[tuple[str, str], ...]]] = field(default_factory=set)
    checks: list[Checked] = field(default_factory=list)
    mentions: set[bytes] = field(default_factory=set)
    services: dict[str, None] = field(default_factory=dict)  # in order of the walk
    undefined: dict[str, None] = field(default_factory=dict)


@dataclass(slots=True)
class CheckFinder:
    """Walks a controller action through callbacks, helpers, `super` and the services it calls."""

    classes: dict[str, AuthClass]
    methods: dict[tuple[str, str], AuthMethod] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.methods = {(c.name, m.name): m for c in self.classes.values() for m in c.methods}

    @classmethod
    def from_tree(cls, tree: SourceTree, cache: Cache = NO_CACHE) -> CheckFinder:
        sources = (*tree.controllers, *tree.services)
        known = known_words(sources)
        # what a file calls depends on the names every file defines: they key its facts too
        reader = f"parse_authorizations:{hashlib.sha1(b' '.join(sorted(known))).hexdigest()}"
        found = [
            c
            for s in sources
            for c in cache.facts(reader, s.path, s.text, partial(parse_authorizations, s, known))
        ]
        return cls({c.name.lower(): c for c in found})

    def _lookup(self, current: AuthClass, name: str) -> AuthClass | None:
        namespace = current.name.lower().split("::")[:-1]
        for i in range(len(namespace), -1, -1):
            found = self.classes.get("::".join([*namespace[:i], name.lower()]))
            if found is not None:
                return found
        return None

    def chain(self, name: str) -> list[AuthClass]:
        out: list[AuthClass] = []
        current = self.classes.get(name.lower())
        while current is not None and current not in out:
            out.append(current)
            current = self._lookup(current, current.parent) if current.parent else None
        return out

    def reach(self, controller: str, action: str) -> Reached:
        """The checks of `controller#action` (`api/v1/discussions`, `update`)."""
        chain = self.chain(f"{inflect.camelize(controller)}Controller")
        resource = _constant(chain, "resource_class") or inflect.camelize(
            inflect.singularize(controller.rsplit("/", 1)[-1])
        )
        walk = _Walk(resource, _constant(chain, "service") or f"{resource}Service")
        loader = next(
            (k.load_and_authorize_resource for k in chain if k.load_and_authorize_resource), None
        )
        if loader is not None and loader.runs_for(action):
            check = AuthCheck(
                action=_cancan_action(action),
                model=resource,
                subject=RESOURCE,
                how="load_and_authorize_resource",
                optional=False,
                loc=Loc(chain[0].name, 0),
            )
            walk.checks.append(Checked(model=resource, action=check.action, check=check))
        for klass in reversed(chain):
            for callback in klass.before:
                if callback.runs_for(action):
                    self._visit(chain, callback.name, 0, walk)
        found = any(k.method(action) for k in chain)
        self._visit(chain, action, 0, walk)
        last = chain[-1] if chain else None
        return Reached(
            found=found,
            checks=tuple(walk.checks),
            mentions=frozenset(walk.mentions),
            base=last.parent if last is not None else None,
            resource=resource,
            services=tuple(walk.services),
            undefined=tuple(walk.undefined),
        )

    def _visit(
        self,
        chain: list[AuthClass],
        name: str,
        depth: int,
        walk: _Walk,
        start: int = 0,
        conditional: bool = False,
        binds: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Checks of `name` and what it calls; all optional when reached through a branch;
        `binds`: the classes of the keyword arguments it was called with."""
        found = next(
            (
                (i, c, m)
                for i, c in enumerate(chain[start:], start)
                if (m := self.methods.get((c.name, name)))
            ),
            None,
        )
        if found is None or depth > _MAX_DEPTH:
            return
        index, klass, method = found
        if (klass.name, name, conditional, binds) in walk.seen:
            return
        walk.seen.add((klass.name, name, conditional, binds))
        walk.mentions |= method.mentions
        bound = dict(binds)
        for check in method.checks:
            model = bound.get(check.subject, check.model)
            model = walk.resource if model == RESOURCE else model
            if conditional and not check.optional:
                check = replace(check, optional=True)
            walk.checks.append(Checked(model=model, action=check.action, check=check))
        for call in method.calls:
            branch = conditional or call.conditional
            if call.name == "super":
                self._visit(chain, name, depth + 1, walk, index + 1, branch)
            elif call.owner is None:
                self._visit(chain, call.name, depth + 1, walk, 0, branch)
            else:
                service = walk.service if call.owner == "service" else call.owner
                owner = self.chain(service)
                called = f"{service}.{call.name}"
                walk.services[called] = None
                if (
                    owner
                    and owner[-1].parent is None
                    and not any(k.method(call.name) for k in owner)
                ):
                    walk.undefined[called] = None  # NoMethodError when the request runs
                self._visit(owner, call.name, depth + 1, walk, 0, branch, call.binds)


def _constant(chain: list[AuthClass], method: str) -> str | None:
    """What the nearest definition of `method` returns when it is one constant."""
    found = next((m for k in chain if (m := k.method(method)) is not None), None)
    return found.constant if found is not None else None


def _cancan_action(action: str) -> str:
    """CanCan's controller action -> ability action (`new` is checked as `create`)."""
    return {"new": "create", "edit": "update"}.get(action, action)


def cell_key(model: str | None, action: str) -> str:
    return f"{model or '?'}#{action}"


def atoms_only(cond: Cond) -> bool:
    return not opaque_terms(cond)


# Why an operation checks no ability, from what its code path names (first match wins).
_UNCHECKED: tuple[tuple[str, frozenset[bytes]], ...] = (
    (
        "collection scoped by a visibility query",
        frozenset({b"visible_to"}),  # `accessible_records` alone may be `Demo.all`
    ),
    (
        "lookup scoped to the caller's own groups",
        frozenset(
            {b"adminable_groups", b"adminable_group_ids", b"group_ids", b"browseable_group_ids"}
        ),
    ),
    ("authorized by a query of its own (`ReactionQuery.authorize!`)", frozenset({b"authorize!"})),
    ("logged-in check only", frozenset({b"require_current_user", b"is_logged_in?"})),
    ("acts on the current user only", frozenset({b"current_user"})),
)


_RECORDS = frozenset({b"respond_with_resource", b"respond_with_collection"})
_LITERAL = frozenset({b"render", b"head"})
_PUBLIC = frozenset({b"public", b"visible_to_public"})


@dataclass(frozen=True, slots=True)
class Unchecked:
    """Why an operation checks no ability; `review` when its code does not say why that is
    safe (a person decides whether it is a gap)."""

    reason: str
    review: bool = False


def unchecked_reason(reached: Reached, action: str, abilities: Abilities) -> Unchecked:
    """Why an operation reaches no ability check: by design, or a gap to look at."""
    if not reached.found:
        return Unchecked("no controller action (Rails answers 404)")
    if reached.base is not None and reached.base.startswith("Devise::"):
        return Unchecked(f"authentication ({reached.base})")
    if reached.undefined:
        return Unchecked(
            f"calls `{reached.undefined[0]}`, which no class defines (NoMethodError when reached: 500)"
        )
    if reached.checks:
        return Unchecked("checks a record whose class is chosen at run time")
    cancan = _cancan_action(action)
    if abilities.rules_for(reached.resource, cancan):
        return Unchecked(
            f"the ability tree has {reached.resource}#{cancan}, the action never checks it", True
        )
    for reason, names in _UNCHECKED:
        if reached.mentions & names:
            return Unchecked(reason)
    if reached.mentions & _PUBLIC:
        return Unchecked("reads only records marked public (`public: true`, `visible_to_public`)")
    if reached.mentions & _LITERAL and not reached.mentions & _RECORDS:
        if not reached.services:
            return Unchecked(
                "answers no stored record (a literal body or a bare status) and calls no service"
            )
        called = ", ".join(f"`{s}`" for s in reached.services)
        return Unchecked(
            f"answers no stored record, but calls {called}: what it changes is unchecked", True
        )
    return Unchecked("no authorization on its code path", True)
