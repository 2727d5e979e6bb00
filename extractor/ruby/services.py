"""app/services/*_service.rb -> ServiceMethod: does `XService.m` return the event it publishes?"""

from __future__ import annotations

from tree_sitter import Node

from extractor.errors import Diagnostic
from extractor.model import ServiceMethod
from extractor.ruby.nodes import (
    body_of,
    call_name,
    const_name,
    parse,
    receiver,
    statements,
    text,
    walk,
)
from extractor.ruby.values import last_expression
from extractor.sources import SourceFile


def parse_services(source: SourceFile) -> tuple[list[ServiceMethod], list[Diagnostic]]:
    """Class methods of service classes; `returns_event` when the last value is a published event.

    `Events::PollClosed.publish!(poll, actor)` as the last expression, or a local assigned
    from one and returned, counts as an event.
    """
    parsed = parse(source)
    out: list[ServiceMethod] = []
    for cls in statements(parsed.root):
        if cls.type not in ("class", "module"):
            continue
        service = const_name(cls.child_by_field_name("name")) or ""
        for stmt in statements(body_of(cls)):
            if stmt.type != "singleton_method":
                continue
            body = stmt.child_by_field_name("body")
            out.append(
                ServiceMethod(
                    service=service,
                    name=text(stmt.child_by_field_name("name")),
                    returns_event=_returns_event(body),
                    loc=parsed.loc(stmt),
                )
            )
    return out, list(parsed.diagnostics)


def _is_publish(node: Node | None) -> bool:
    if node is None or node.type != "call":
        return False
    recv = text(receiver(node))
    return call_name(node) in ("publish!", "publish") and (
        recv.startswith("Events::") or recv == "Event"
    )


def _returns_event(body: Node | None, depth: int = 0) -> bool:
    """Whether a body's value is an event: a publish call, `x.created_event`, a local
    assigned from one, or the last value of a block (`transaction do ... end`) or branch."""
    expr = last_expression(body)
    if expr is None or depth > 4:
        return False
    if _is_publish(expr):
        return True
    if expr.type == "call":
        name = call_name(expr) or ""
        block = expr.child_by_field_name("block")
        if block is not None:
            inner = next(
                (c for c in block.named_children if c.type in ("body_statement", "block_body")),
                None,
            )
            return _returns_event(inner, depth + 1)
        return name == "event" or name.endswith("_event")
    if expr.type in ("if", "unless", "conditional", "begin"):
        return any(_returns_event(c, depth + 1) for c in expr.named_children)
    if expr.type != "identifier":
        return False
    local = text(expr)
    if local == "event" or local.endswith("_event"):
        return True
    return any(
        s.type == "assignment"
        and text(s.child_by_field_name("left")) == local
        and _is_publish(s.child_by_field_name("right"))
        for s in (walk(body) if body is not None else ())
    )
