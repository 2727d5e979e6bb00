"""Events: index (threading.md section 5.1, quirks included), comment, position_keys, timeline,
pin and unpin (permissions.md section 3.5)."""

from __future__ import annotations

import json
from typing import Any

from starlette.routing import Route

from reference import db, faults
from reference.api.common import find, respond
from reference.api.discussions import load_visible
from reference.db import Row
from reference.domain import permissions as perm
from reference.domain import ranges as ranges_mod
from reference.domain import threading as th
from reference.domain.casts import all_digits, to_i
from reference.serialize import ts
from reference.serialize.core import event_serializer
from reference.web import Ctx, endpoint, forbidden, not_found, now, record_not_found

FILTER_FIELDS = ("parent_id", "depth", "sequence_id", "position", "position_key")
ORDER_COLUMNS = ("sequence_id", "position", "position_key")
OPERATORS = (("_lte", "<="), ("_gte", ">="), ("_lt", "<"), ("_gt", ">"))

F_PER_50 = faults.declare(
    "events_default_per_50", "ordering", "events#index pages 50 by default instead of 30"
)
F_ORDER_DESC_IGNORED = faults.declare(
    "events_order_desc_ignored",
    "ordering",
    "events#index ignores order_desc (newest page comes oldest first)",
)
F_FROM_OFFSET = faults.declare(
    "events_from_as_offset",
    "ordering",
    "events#index treats from as an OFFSET instead of an inclusive sequence_id bound",
)
F_NO_500 = faults.declare(
    "events_position_key_no_500",
    "status",
    "order=position_key without from answers 200 instead of Loomio's 500",
)
F_TIMELINE_WRAPPED = faults.declare(
    "timeline_wrapped",
    "envelope",
    'events/timeline answers {"timeline": [...]} instead of a bare array',
)


def _discussion(ctx: Ctx) -> Row:
    ident = ctx.param("discussion_id") or ctx.param("discussion_key")
    if ident in (None, ""):
        raise record_not_found("Discussion", "")
    return load_visible(ctx, ident)


def _depth1_at(ctx: Ctx, discussion_id: int, position: int) -> Row:
    row = db.one(
        ctx.conn,
        "SELECT * FROM events WHERE discussion_id = %s AND depth = 1 AND position = %s ORDER BY id LIMIT 1",
        (discussion_id, position),
    )
    if row is None:
        raise not_found("Couldn't find Event")
    return row


def _comment_event(ctx: Ctx, discussion_id: int, comment_id: Any) -> Row:
    row = db.one(
        ctx.conn,
        "SELECT * FROM events WHERE kind = 'new_comment' AND eventable_type = 'Comment' AND eventable_id = %s "
        "AND discussion_id = %s ORDER BY id LIMIT 1",
        (int(comment_id) if all_digits(str(comment_id)) else -1, discussion_id),
    )
    if row is None:
        raise record_not_found("Event", comment_id)
    return row


def _from_bound(ctx: Ctx, discussion: Row) -> Any:
    """Rails' `if params[:x]`: a given parameter counts even when empty ("" is truthy)."""
    if ctx.param("from_sequence_id_of_position") is not None:
        position = max(to_i(ctx.param("from_sequence_id_of_position")), 1)
        return _depth1_at(ctx, discussion["id"], position)["sequence_id"]
    if ctx.param("comment_id") is not None:
        return _comment_event(ctx, discussion["id"], ctx.param("comment_id"))["sequence_id"]
    if ctx.param("from") is not None:
        # a string, quoted like Rails does: PostgreSQL casts it ("" or "x" is a 500 there too)
        return str(ctx.param("from"))
    return 0


def index(ctx: Ctx) -> Any:
    discussion = _discussion(ctx)
    where = ["discussion_id = %(d)s"]
    args: dict[str, Any] = {"d": discussion["id"]}
    order_parts: list[str] = []
    col = ctx.param("order") if ctx.param("order") in ORDER_COLUMNS else "sequence_id"
    offset = 0
    if ctx.param("order_by") in ("position_key", "sequence_id"):
        desc = "order_desc" in ctx.params and not F_ORDER_DESC_IGNORED.on
        order_parts.append(f"{ctx.param('order_by')}{' DESC' if desc else ''}")
    else:
        bound = _from_bound(ctx, discussion)
        if col == "position_key" and isinstance(bound, int) and F_NO_500.on:
            bound = str(bound)
        if F_FROM_OFFSET.on and ctx.param("from") not in (None, ""):
            offset = to_i(ctx.param("from"))
        else:
            where.append(f"{col} >= %(from)s")
            args["from"] = bound
    _filters(ctx, discussion, where, args)
    sql = " AND ".join(where)
    total = db.scalar(ctx.conn, f"SELECT count(*) FROM events WHERE {sql}", args)
    raw_per = ctx.param("per")  # to_i, unclamped: a negative LIMIT is a 500 in Loomio too
    per = to_i(raw_per) if raw_per is not None else (50 if F_PER_50.on else 30)
    if ctx.param("until_sequence_id_of_position") is not None:
        root_children = db.scalar(
            ctx.conn,
            "SELECT child_count FROM events WHERE kind = 'new_discussion' AND eventable_type = 'Discussion' "
            "AND eventable_id = %s ORDER BY id LIMIT 1",
            (discussion["id"],),
        )
        position = min(to_i(ctx.param("until_sequence_id_of_position")), root_children or 0)
        last = _depth1_at(ctx, discussion["id"], position)
        args["until"] = last["sequence_id"] + last["child_count"]
        query = f"SELECT * FROM events WHERE {sql} AND sequence_id <= %(until)s ORDER BY depth, position LIMIT {per}"
    else:
        order = ", ".join([*order_parts, col])
        query = f"SELECT * FROM events WHERE {sql} ORDER BY {order} OFFSET {offset} LIMIT {per}"
    rows = db.all_rows(ctx.conn, query, args)
    return respond(ctx, rows, serializer=event_serializer(), root="events", total=total)


def _filters(ctx: Ctx, discussion: Row, where: list[str], args: dict[str, Any]) -> None:
    if ctx.param("unread") == "true" and ctx.user is not None:
        reader = db.one(
            ctx.conn,
            "SELECT read_ranges_string FROM discussion_readers WHERE user_id = %s AND discussion_id = %s",
            (ctx.user["id"], discussion["id"]),
        )
        read = [
            i
            for a, b in ranges_mod.parse(reader["read_ranges_string"] if reader else "")
            for i in range(a, b + 1)
        ]
        if read:
            where.append("NOT (sequence_id = ANY(%(read)s))")
            args["read"] = read
    if ctx.param("pinned") == "true":
        where.append("pinned")
    if ctx.param("kind"):
        where.append("kind = ANY(%(kinds)s)")
        args["kinds"] = [k for k in str(ctx.param("kind")).split(",") if k]
    for field in FILTER_FIELDS:
        for suffix, op in (("", "="), *OPERATORS):
            name = f"{field}{suffix}"
            if ctx.param(name) is not None:
                where.append(f"{field} {op} %({name})s")
                args[name] = str(ctx.param(name))
        if ctx.param(f"{field}_sw") is not None:
            where.append(f"{field}::text LIKE %({field}_sw)s")
            args[f"{field}_sw"] = str(ctx.param(f"{field}_sw")) + "%"
    if ctx.param("since") or ctx.param("until"):
        where.append(
            "created_at BETWEEN COALESCE(%(since)s::timestamp, now() - interval '100 years') "
            "AND COALESCE(%(until)s::timestamp, now() + interval '100 years')"
        )
        args["since"] = ctx.param("since") or None
        args["until"] = ctx.param("until") or None


def comment(ctx: Ctx) -> Any:
    discussion = _discussion(ctx)
    event = _comment_event(ctx, discussion["id"], ctx.param("comment_id"))
    return respond(ctx, [event], serializer=event_serializer(), root="events")


def _raw_discussion_filter(ctx: Ctx) -> tuple[str, tuple[Any, ...]]:
    """Both endpoints filter by the raw discussion_id parameter (a key matches nothing)."""
    raw = ctx.param("discussion_id")
    if raw in (None, ""):
        return "discussion_id IS NULL", ()
    if not all_digits(str(raw)):
        return "false", ()
    return "discussion_id = %s", (int(raw),)


def position_keys(ctx: Ctx) -> Any:
    _discussion(ctx)
    where, args = _raw_discussion_filter(ctx)
    rows = db.all_rows(
        ctx.conn,
        f'SELECT position_key FROM events WHERE {where} ORDER BY position_key COLLATE "C"',
        args,
    )
    return {"position_keys": [th.rendered_key(r["position_key"]) for r in rows]}


def timeline(ctx: Ctx) -> Any:
    _discussion(ctx)
    where, args = _raw_discussion_filter(ctx)
    rows = db.all_rows(
        ctx.conn,
        f"SELECT position_key, sequence_id, created_at, user_id, depth, descendant_count FROM events "
        f"WHERE {where} ORDER BY position_key",
        args,
    )
    body = [
        [
            th.rendered_key(r["position_key"]),
            r["sequence_id"],
            ts(r["created_at"]),
            r["user_id"],
            r["depth"],
            r["descendant_count"],
        ]
        for r in rows
    ]
    return {"timeline": body} if F_TIMELINE_WRAPPED.on else body


def _set_pinned(ctx: Ctx, pinned: bool) -> Any:
    """EventService.pin / unpin: `authorize!(:pin, event)` -- the event belongs to a discussion
    AND the caller can update that discussion (permissions.md 3.5; row 47: a plain member may pin
    while members_can_edit_discussions is on). Pin also stores `pinned_title` (custom_fields)."""
    event = find(ctx, "Event", ctx.path_params["id"])
    discussion = find(ctx, "Discussion", event["discussion_id"]) if event["discussion_id"] else None
    if discussion is None or not perm.can_update_discussion(ctx, discussion):
        raise forbidden()
    title = {"pinned_title": ctx.param("pinned_title")} if pinned else {}
    row = db.one(
        ctx.conn,
        "UPDATE events SET pinned = %s, custom_fields = coalesce(custom_fields, '{}'::jsonb) || %s::jsonb, "
        "updated_at = %s WHERE id = %s RETURNING *",
        (pinned, json.dumps(title), now(), event["id"]),
    )
    assert row is not None  # found above, in this transaction
    return respond(ctx, [row], serializer=event_serializer(), root="events")


def pin(ctx: Ctx) -> Any:
    return _set_pinned(ctx, True)


def unpin(ctx: Ctx) -> Any:
    return _set_pinned(ctx, False)


ROUTES = [
    Route("/api/v1/events", endpoint(index), methods=["GET"]),
    Route("/api/v1/events/comment", endpoint(comment), methods=["GET"]),
    Route("/api/v1/events/position_keys", endpoint(position_keys), methods=["GET"]),
    Route("/api/v1/events/timeline", endpoint(timeline), methods=["GET"]),
    Route("/api/v1/events/{id}/pin", endpoint(pin), methods=["PATCH"]),
    Route("/api/v1/events/{id}/unpin", endpoint(unpin), methods=["PATCH"]),
]
