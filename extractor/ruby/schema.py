"""db/schema.rb -> Table and Column."""

from __future__ import annotations

from tree_sitter import Node

from extractor.errors import Diagnostic, DiagnosticKind
from extractor.model import Column, Loc, Table
from extractor.ruby.nodes import (
    Parsed,
    block_body,
    block_params,
    call_name,
    name_of,
    options,
    parse,
    positional,
    receiver,
    statements,
    text,
    walk,
)
from extractor.sources import SourceFile

_NOT_COLUMNS = frozenset({"index", "check_constraint", "foreign_key", "references_index"})


def parse_schema(source: SourceFile) -> tuple[list[Table], list[Diagnostic]]:
    """Every `create_table` of db/schema.rb, with its implicit `id` column."""
    parsed = parse(source)
    diagnostics = list(parsed.diagnostics)
    tables = [
        _table(parsed, node, diagnostics)
        for node in walk(parsed.root, skip=frozenset({"method"}))
        if node.type == "call" and call_name(node) == "create_table"
    ]
    return [t for t in tables if t is not None], diagnostics


def _table(parsed: Parsed, node: Node, diagnostics: list[Diagnostic]) -> Table | None:
    args = positional(node)
    name = name_of(args[0]) if args else None
    if name is None:
        diagnostics.append(_unsupported(parsed.loc(node), "create_table without a literal name"))
        return None
    opts = options(node)
    columns: list[Column] = []
    id_opt = opts.get("id")
    if "primary_key" not in opts and text(id_opt) != "false":
        id_type = name_of(id_opt) if id_opt is not None else "bigint"
        sql = "integer" if id_type in ("serial", "integer") else (id_type or "bigint")
        columns.append(_column("id", sql, parsed.loc(node), null=False))
    var = (block_params(node) or ["t"])[0]
    for stmt in statements(block_body(node)):
        columns.extend(_columns(parsed, stmt, var, diagnostics))
    return Table(name=name, columns=tuple(columns), loc=parsed.loc(node))


def _columns(parsed: Parsed, stmt: Node, var: str, diagnostics: list[Diagnostic]) -> list[Column]:
    recv = receiver(stmt)
    kind = call_name(stmt)
    if stmt.type != "call" or text(recv) != var or kind is None or kind in _NOT_COLUMNS:
        if not (stmt.type == "call" and kind in _NOT_COLUMNS):
            diagnostics.append(
                _unsupported(parsed.loc(stmt), f"unknown schema statement `{text(stmt)[:40]}`")
            )
        return []
    loc = parsed.loc(stmt)
    if kind == "timestamps":
        null = text(options(stmt).get("null")) != "false"
        return [_column(n, "datetime", loc, null=null) for n in ("created_at", "updated_at")]
    names = [name_of(a) for a in positional(stmt)]
    opts = options(stmt)
    limit = text(opts.get("limit"))
    return [
        Column(
            name=n,
            sql_type=kind,
            null=text(opts.get("null")) != "false",
            default=_default(opts.get("default")),
            array=text(opts.get("array")) == "true",
            limit=int(limit) if limit.isdigit() else None,
            loc=loc,
        )
        for n in names
        if n is not None
    ]


def _default(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "lambda":
        return "(sql expression)"
    literal = name_of(node)
    return literal if literal is not None else text(node)


def _column(name: str, sql_type: str, loc: Loc, *, null: bool) -> Column:
    return Column(
        name=name, sql_type=sql_type, null=null, default=None, array=False, limit=None, loc=loc
    )


def _unsupported(loc: Loc, what: str) -> Diagnostic:
    return Diagnostic(loc=loc, kind=DiagnosticKind.UNSUPPORTED, message=f"{what}; skipped.")
