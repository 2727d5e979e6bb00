"""Rails parameter handling: the resource root key, with JSON parameter wrapping."""

from __future__ import annotations

from typing import Any

from reference.web import Ctx, param_missing

_COLUMNS: dict[str, frozenset[str]] = {}


def columns(ctx: Ctx, table: str) -> frozenset[str]:
    if table not in _COLUMNS:
        cur = ctx.conn.execute(f"SELECT * FROM {table} LIMIT 0")
        _COLUMNS[table] = frozenset(d.name for d in cur.description or ())
    return _COLUMNS[table]


def root_params(ctx: Ctx, name: str, table: str) -> dict[str, Any]:
    """params.require(name). A JSON body without the root key is wrapped like Rails does:
    its top-level keys that are columns of the model become the root key's content."""
    value = ctx.params.get(name)
    if value is None and isinstance(ctx.params, dict):
        cols = columns(ctx, table)
        wrapped = {k: v for k, v in ctx.params.items() if k in cols and k != "id"}
        if wrapped and ctx.memo.get("json_body_keys", set()) & wrapped.keys():
            value = wrapped
    if not isinstance(value, dict) or not value:
        raise param_missing(name)
    return value
