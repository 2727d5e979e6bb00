"""app/models/ability/**.rb -> AbilityRule / ActionAlias: every `can`, `cannot`, `alias_action`.

Loomio composes one module per model into `Ability::Base` (`prepend Ability::Comment`); each
module's `initialize(user)` declares rules with blocks. The reader walks every file, so rules
written anywhere (the base class, a nested `module Ability; module Event`) are found.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass

from tree_sitter import Node

from extractor.ability_model import AbilityRule, ActionAlias
from extractor.conditions import Atom, AtomKind, Cond, Const, all_of, negate
from extractor.errors import Diagnostic, DiagnosticKind
from extractor.ruby.ability_conditions import Scope, condition_of, condition_of_body
from extractor.ruby.nodes import (
    Parsed,
    block_params,
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
    walk,
)
from extractor.sources import SourceFile

_RULES = frozenset({"can", "cannot"})


@dataclass(frozen=True, slots=True, kw_only=True)
class AbilityFacts:
    rules: tuple[AbilityRule, ...]
    aliases: tuple[ActionAlias, ...]
    prepends: tuple[str, ...]  # modules the base class prepends, in order
    diagnostics: tuple[Diagnostic, ...]


def parse_abilities(source: SourceFile) -> AbilityFacts:
    """Every rule, alias and `prepend` of one ability file."""
    parsed = parse(source)
    rules: list[AbilityRule] = []
    aliases: list[ActionAlias] = []
    prepends: list[str] = []
    diagnostics = list(parsed.diagnostics)
    for node in walk(parsed.root):
        if node.type != "call" or receiver(node) is not None:
            continue
        name = call_name(node)
        if name in _RULES:
            rule = _rule(parsed, node, name, diagnostics)
            if rule is not None:
                rules.append(rule)
        elif name == "alias_action":
            alias = _alias(parsed, node, diagnostics)
            if alias is not None:
                aliases.append(alias)
        elif name == "prepend":
            prepends += [n for a in positional(node) if (n := const_name(a))]
    return AbilityFacts(
        rules=tuple(rules),
        aliases=tuple(aliases),
        prepends=tuple(prepends),
        diagnostics=tuple(diagnostics),
    )


def _module_of(node: Node) -> str:
    names: list[str] = []
    current = node.parent
    while current is not None:
        if current.type in ("module", "class"):
            names.append(const_name(current.child_by_field_name("name")) or "?")
        current = current.parent
    return "::".join(reversed(names))


def _rule(
    parsed: Parsed, node: Node, kind: str, diagnostics: list[Diagnostic]
) -> AbilityRule | None:
    args = positional(node)
    actions = strings_of(args[0]) if args else None
    model = _subject(args[1]) if len(args) > 1 else None
    loc = parsed.loc(node)
    if not actions or model is None:
        diagnostics.append(
            Diagnostic(
                loc=loc,
                kind=DiagnosticKind.UNSUPPORTED,
                message=f"`{' '.join(text(node).split())[:80]}`: actions or subject are not "
                "literal; this rule is left out of spec/abilities.yaml. Write the actions as "
                "symbols and the subject as a class.",
            )
        )
        return None
    params = block_params(node)
    scope = Scope(parsed, params[0] if params else "")
    condition = _hash_conditions(node, scope)
    block = node.child_by_field_name("block")
    body = _block_statements(block)
    if block is not None:
        condition = all_of(condition, condition_of_body(body, scope))
    return AbilityRule(
        kind=kind,
        actions=actions,
        model=model,
        condition=condition,
        source=_source(node, block),
        module=_module_of(node),
        loc=loc,
        end_line=node.end_point.row + 1,
    )


def _subject(node: Node) -> str | None:
    """`::Discussion` -> "Discussion"; `:all` -> "all"."""
    return const_name(node) or name_of(node)


def _block_statements(block: Node | None) -> list[Node]:
    if block is None:
        return []
    body = next(
        (c for c in block.named_children if c.type in ("body_statement", "block_body")), None
    )
    return statements(body)


def _hash_conditions(node: Node, scope: Scope) -> Cond:
    """`can :cancel, ::MembershipRequest, requestor_id: user.id` -> is_user(requestor)."""
    terms: list[Cond] = []
    for key, value in options(node).items():
        if text(value) in {f"{u}.id" for u in scope.users}:
            terms.append(Atom(AtomKind.IS_USER, "", key.removesuffix("_id")))
        elif value.type == "nil" and key.endswith("_at"):  # revoked_at: nil -> not revoked
            terms.append(negate(Atom(AtomKind.STATE, "", key.removesuffix("_at"))))
        elif (literal := name_of(value)) is not None or value.type in ("true", "false"):
            terms.append(Atom(AtomKind.STATE, "", f"{key}={literal or text(value)}"))
        else:
            terms.append(condition_of(value, scope))
    return all_of(*terms) if terms else Const(True)


def _source(node: Node, block: Node | None) -> str:
    """The rule as written, indented as in a fresh file."""
    raw = text(node)
    indent = node.start_point.column
    return textwrap.dedent(" " * indent + raw) if block is not None else raw


def _alias(parsed: Parsed, node: Node, diagnostics: list[Diagnostic]) -> ActionAlias | None:
    target = name_of(options(node).get("to"))
    actions = tuple(n for a in positional(node) if (n := name_of(a)))
    if target is None or not actions:
        diagnostics.append(
            Diagnostic(
                loc=parsed.loc(node),
                kind=DiagnosticKind.UNSUPPORTED,
                message="alias_action without literal actions and `to:`; left out.",
            )
        )
        return None
    return ActionAlias(name=target, actions=actions, loc=parsed.loc(node))
