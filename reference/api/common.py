"""What several API areas share: id-or-key lookups, paging, and `respond` (envelope + preload).

`respond(ctx, rows, serializer=..., root=..., total=...)` is `serialize.render` plus Loomio's
per-request preload decisions that change the output (api-envelope.md section 6): groups'
current_user_membership and discussions' active_polls exist only when the primary records
preloaded them.
"""

from __future__ import annotations

from typing import Any

from reference import db, faults
from reference.db import Row
from reference.domain.casts import all_digits, to_i
from reference.serialize import MODELS, load, remember, render
from reference.serialize import core as _core  # noqa: F401  # registers the core serializers
from reference.web import ApiError, Ctx, record_not_found

F_CREATE_201 = faults.declare(
    "create_returns_201", "status", "POST create endpoints answer 201 instead of Rails' 200"
)

PRELOADS_MEMBERSHIPS = {"Discussion", "Group", "Event"}


def create_status() -> int:
    return 201 if F_CREATE_201.on else 200


def find(
    ctx: Ctx, class_name: str, ident: Any, *, keyed: bool = False, handle: bool = False
) -> Row:
    """Record by numeric id, else (keyed models) by key or handle; 404 RecordNotFound."""
    table = MODELS[class_name].table
    text = str(ident if ident is not None else "")
    row = None
    if all_digits(text):
        row = db.one(ctx.conn, f"SELECT * FROM {table} WHERE id = %s", (int(text),))
    elif keyed and text:
        row = db.one(ctx.conn, f'SELECT * FROM {table} WHERE "key" = %s', (text,))
        if row is None and handle:
            row = db.one(ctx.conn, f"SELECT * FROM {table} WHERE handle = %s", (text,))
    if row is None:
        raise record_not_found(class_name, text)
    remember(ctx, class_name, [row])
    return row


def page(ctx: Ctx, default_per: int = 50) -> tuple[int, int]:
    """SnorlaxBase paging: `offset(params[:from].to_i).limit((params[:per] || 50).to_i)`.

    Neither is clamped: PostgreSQL refuses a negative OFFSET/LIMIT or one past bigint, and
    Loomio answers those with 500 too (ActiveRecord::StatementInvalid).
    """
    per = ctx.param("per")
    return to_i(ctx.param("from")), to_i(per) if per is not None else default_per


def xids(ctx: Ctx, name: str = "xids") -> list[int]:
    return [int(p) for p in str(ctx.param(name) or "").split("x") if all_digits(p.strip())]


def _polls_referenced(ctx: Ctx, class_name: str, rows: list[Row]) -> dict[int, list[Row]]:
    """Loomio's preload of polls, keyed by discussion id (section 6)."""
    if "Poll" not in MODELS or "poll" in ctx.exclude_types or not rows:
        return {}
    if class_name == "Discussion":
        polls = db.all_rows(
            ctx.conn,
            "SELECT * FROM polls WHERE discussion_id = ANY(%s) AND closed_at IS NULL "
            "AND discarded_at IS NULL ORDER BY id",
            ([r["id"] for r in rows],),
        )
    else:
        poll_ids: set[int] = set()
        for row in rows:
            etype, eid = (
                (row.get("eventable_type"), row.get("eventable_id"))
                if class_name == "Event"
                else (class_name, row["id"])
            )
            if etype == "Poll":
                poll_ids.add(eid)
            elif etype in ("Stance", "Outcome"):
                target = load(ctx, etype, eid) if etype in MODELS else None
                if target:
                    poll_ids.add(target["poll_id"])
            elif class_name in ("Stance", "Outcome"):
                poll_ids.add(row["poll_id"])
        if not poll_ids:
            return {}
        polls = db.all_rows(
            ctx.conn, "SELECT * FROM polls WHERE id = ANY(%s) ORDER BY id", (sorted(poll_ids),)
        )
    out: dict[int, list[Row]] = {}
    for poll in remember(ctx, "Poll", polls):
        if poll["discussion_id"] is not None:
            out.setdefault(poll["discussion_id"], []).append(poll)
    return out


def respond(
    ctx: Ctx,
    rows: list[Row],
    *,
    serializer: str,
    root: str | None = None,
    total: int | None = None,
    meta: bool = True,
) -> dict[str, Any]:
    from reference.serialize import SERIALIZERS

    class_name = SERIALIZERS[serializer].model
    ctx.memo["preload_memberships"] = (
        class_name in PRELOADS_MEMBERSHIPS and "membership" not in ctx.exclude_types
    )
    ctx.memo["active_polls"] = _polls_referenced(ctx, class_name, rows)
    return render(ctx, rows, serializer=serializer, root=root, total=total, meta=meta)


def require_fields(values: dict[str, Any], *names: str) -> None:
    """422 {"errors": {name: ["can't be blank"]}} for blank required attributes."""
    from reference.web import invalid

    errors = {n: ["can't be blank"] for n in names if not str(values.get(n) or "").strip()}
    if errors:
        raise invalid(errors)


def boolean(value: Any) -> bool:
    """ActiveModel boolean casting of a request value."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("", "0", "f", "false", "off", "no", "none", "null")


def not_found_route() -> ApiError:
    return ApiError(404, {"status": 404, "error": "Not Found"})
