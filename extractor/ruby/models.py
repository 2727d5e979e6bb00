"""app/models/**.rb -> enums, list constants and PermittedParams permit lists."""

from __future__ import annotations

from dataclasses import dataclass, field

from tree_sitter import Node

from extractor.errors import Diagnostic
from extractor.model import Constant, ModelEnum, PermitList
from extractor.ruby.nodes import (
    Parsed,
    body_of,
    call_name,
    const_name,
    name_of,
    options,
    parse,
    positional,
    statements,
    strings_of,
    text,
)
from extractor.ruby.serializers import constant_of
from extractor.ruby.values import last_expression
from extractor.sources import SourceFile

_PERMIT_SUFFIX = "_attributes"


@dataclass(slots=True)
class ModelFacts:
    """What the extractor reads from model files."""

    enums: list[ModelEnum] = field(default_factory=list)
    constants: list[Constant] = field(default_factory=list)
    permits: list[PermitList] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


def parse_models(source: SourceFile) -> ModelFacts:
    """Enums (`enum volume: {...}`), list constants and `PermittedParams#x_attributes`."""
    parsed = parse(source)
    facts = ModelFacts(diagnostics=list(parsed.diagnostics))
    _scan(parsed, parsed.root, (), facts)
    return facts


def _scan(parsed: Parsed, node: Node, namespace: tuple[str, ...], facts: ModelFacts) -> None:
    body = node if node.type == "program" else body_of(node)
    for stmt in statements(body):
        if stmt.type in ("class", "module"):
            name = const_name(stmt.child_by_field_name("name")) or "?"
            _scan(parsed, stmt, (*namespace, *name.split("::")), facts)
        elif stmt.type == "assignment":
            constant = constant_of(parsed, stmt, namespace)
            if constant is not None:
                facts.constants.append(constant)
        elif stmt.type == "call" and call_name(stmt) == "enum":
            facts.enums.extend(_enums(parsed, stmt, "::".join(namespace)))
        elif stmt.type == "call" and call_name(stmt) == "included":
            _scan_block(parsed, stmt, namespace, facts)
        elif stmt.type == "method" and namespace[-1:] == ("PermittedParams",):
            permit = _permit(parsed, stmt)
            if permit is not None:
                facts.permits.append(permit)


def _scan_block(parsed: Parsed, stmt: Node, namespace: tuple[str, ...], facts: ModelFacts) -> None:
    block = stmt.child_by_field_name("block")
    for inner in block.named_children if block is not None else ():
        for sub in statements(inner):
            if sub.type == "call" and call_name(sub) == "enum":
                facts.enums.extend(_enums(parsed, sub, "::".join(namespace)))


def _enums(parsed: Parsed, stmt: Node, model: str) -> list[ModelEnum]:
    """`enum volume: {mute: 0}`, `enum volume: [:mute]`, `enum :volume, {mute: 0}`."""
    out: list[ModelEnum] = []
    args = positional(stmt)
    if args and name_of(args[0]) and len(args) > 1:
        pairs = [(name_of(args[0]) or "", args[1])]
    else:
        pairs = [(k, v) for k, v in options(stmt).items() if not k.startswith("_")]
    for column, value in pairs:
        values = _enum_values(value)
        if values:
            out.append(ModelEnum(model=model, column=column, values=values, loc=parsed.loc(stmt)))
    return out


def _enum_values(node: Node) -> tuple[str, ...]:
    if node.type == "hash":
        keys = (
            name_of(p.child_by_field_name("key")) for p in node.named_children if p.type == "pair"
        )
        return tuple(k for k in keys if k)
    return strings_of(node) or ()


def _permit(parsed: Parsed, node: Node) -> PermitList | None:
    name = text(node.child_by_field_name("name"))
    expr = last_expression(node.child_by_field_name("body"))
    if not name.endswith(_PERMIT_SUFFIX) or expr is None or expr.type != "array":
        return None
    scalars: list[str] = []
    arrays: list[str] = []
    for item in expr.named_children:
        if item.type == "hash":
            arrays.extend(
                n for p in item.named_children if (n := name_of(p.child_by_field_name("key")))
            )
        elif (literal := name_of(item)) is not None:
            scalars.append(literal)
    resource = name[: -len(_PERMIT_SUFFIX)]
    return PermitList(
        resource=resource,
        scalars=tuple(dict.fromkeys(s for s in scalars if s not in arrays)),
        arrays=tuple(dict.fromkeys(arrays)),
        loc=parsed.loc(node),
    )
