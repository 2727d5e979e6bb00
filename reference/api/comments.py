"""Comments: create (reply via parent_id/parent_type), update, discard, destroy. Root `events`."""

from __future__ import annotations

from typing import Any

from psycopg.types.json import Jsonb
from starlette.routing import Route

from reference import db, faults
from reference.api.common import create_status, find, respond
from reference.api.params import root_params
from reference.db import Row
from reference.domain import permissions as perm
from reference.domain import threading as th
from reference.serialize.core import event_serializer
from reference.web import (
    Ctx,
    endpoint,
    forbidden,
    invalid,
    json_response,
    now,
    permit,
    record_not_found,
)

COMMENT_PARAMS = frozenset(
    {
        "body",
        "body_format",
        "discussion_id",
        "parent_id",
        "parent_type",
        "content_locale",
        "files",
        "image_files",
        "attachments",
        "link_previews",
        "document_ids",
    }
)
PARENT_TYPES = ("Discussion", "Comment", "Stance", "Poll", "Outcome")

F_DESTROY_BODY = faults.declare(
    "comment_destroy_empty_array",
    "null",
    'destroying the last child answers {"events": []} instead of JSON null',
)
F_FORMAT_STORED = faults.declare(
    "comment_body_format_stored_uppercase",
    "data",
    'comments store body_format "MD"/"HTML" (the serializer answers it lower-cased)',
)
F_ORPHAN_EVENTS = faults.declare(
    "comment_destroy_leaves_events",
    "data",
    "destroying a comment detaches its events from the thread instead of deleting them",
)
F_SECONDS = faults.declare(
    "comment_created_at_without_microseconds",
    "data",
    "comments.created_at is stored truncated to whole seconds",
)


def _stored_format(body_format: Any) -> Any:
    return (
        body_format.upper() if F_FORMAT_STORED.on and isinstance(body_format, str) else body_format
    )


def _events_response(ctx: Ctx, event: Row, status: int = 200) -> Any:
    return json_response(
        respond(ctx, [event], serializer=event_serializer(), root="events"), status
    )


def _parent(ctx: Ctx, params: dict[str, Any], discussion: Row) -> tuple[str, int]:
    ptype, pid = params.get("parent_type"), params.get("parent_id")
    if not ptype or pid in (None, "") or ptype == "Discussion":
        return "Discussion", discussion["id"]
    if ptype not in PARENT_TYPES:
        raise invalid({"parent_type": ["is not included in the list"]})
    table = {"Comment": "comments", "Stance": "stances", "Poll": "polls", "Outcome": "outcomes"}[
        ptype
    ]
    exists = db.scalar(
        ctx.conn, f"SELECT EXISTS (SELECT 1 FROM {table} WHERE id = %s)", (int(pid),)
    )
    if not exists:
        raise record_not_found(ptype, pid)
    if ptype == "Comment":
        parent_discussion = db.scalar(
            ctx.conn, "SELECT discussion_id FROM comments WHERE id = %s", (int(pid),)
        )
        if parent_discussion != discussion["id"]:
            raise invalid({"parent": ["is invalid"]})
    return ptype, int(pid)


def original_parent_event(ctx: Ctx, comment: Row) -> Row | None:
    """Section 3: the root, the parent comment's new_comment event, or a stance's thread event."""
    if comment["parent_type"] == "Discussion":
        return th.ensure_root(ctx.conn, comment["discussion_id"])
    if comment["parent_type"] == "Comment":
        return th.eventable_event(ctx.conn, "Comment", comment["parent_id"], "new_comment")
    return th.thread_event_of(ctx.conn, comment["parent_type"], comment["parent_id"])


def create(ctx: Ctx) -> Any:
    params = permit(root_params(ctx, "comment", "comments"), COMMENT_PARAMS)
    discussion = find(ctx, "Discussion", params.get("discussion_id"))
    if not perm.can_create_comment(ctx, discussion):
        raise forbidden()
    if (
        not str(params.get("body") or "").strip()
        and not params.get("attachments")
        and not params.get("files")
    ):
        raise invalid({"body": ["can't be blank"]})
    parent_type, parent_id = _parent(ctx, params, discussion)
    stamp = now()
    comment = db.insert(
        ctx.conn,
        "comments",
        {
            "discussion_id": discussion["id"],
            "user_id": ctx.user_id,
            "body": params.get("body") or "",
            "body_format": _stored_format(params.get("body_format") or "md"),
            "parent_type": parent_type,
            "parent_id": parent_id,
            "content_locale": params.get("content_locale"),
            "attachments": Jsonb(params.get("attachments") or []),
            "link_previews": Jsonb(params.get("link_previews") or []),
            "versions_count": 0,
            "created_at": stamp.replace(microsecond=0) if F_SECONDS.on else stamp,
            "updated_at": stamp,
        },
    )
    ctx.conn.execute(
        "UPDATE discussions SET last_comment_at = %s WHERE id = %s", (stamp, discussion["id"])
    )
    event = th.publish(
        ctx.conn,
        kind="new_comment",
        eventable=("Comment", comment["id"]),
        user_id=ctx.user_id,
        discussion_id=discussion["id"],
        parent=original_parent_event(ctx, comment),
        created_at=stamp,
    )
    return _events_response(ctx, event, create_status())


def _load(ctx: Ctx) -> tuple[Row, Row]:
    comment = find(ctx, "Comment", ctx.path_params["id"])
    discussion = find(ctx, "Discussion", comment["discussion_id"])
    return comment, discussion


def update(ctx: Ctx) -> Any:
    comment, discussion = _load(ctx)
    params = permit(root_params(ctx, "comment", "comments"), COMMENT_PARAMS)
    if not perm.can_update_comment(ctx, comment, discussion):
        raise forbidden()
    changes: dict[str, Any] = {}
    for name in ("body", "body_format", "content_locale"):
        value = _stored_format(params.get(name)) if name == "body_format" else params.get(name)
        if name in params and value != comment[name]:
            changes[name] = value
    if "body" in changes and not str(changes["body"] or "").strip():
        raise invalid({"body": ["can't be blank"]})
    for name in ("attachments", "link_previews"):
        if name in params:
            changes[name] = Jsonb(params[name] or [])
    stamp = now()
    if "body" in changes or "body_format" in changes:
        changes["versions_count"] = (comment["versions_count"] or 0) + 1
        changes["edited_at"] = stamp
    changes["updated_at"] = stamp
    comment = db.update(ctx.conn, "comments", comment["id"], changes)
    ctx.cache[("Comment", comment["id"])] = comment
    event = th.publish(
        ctx.conn,
        kind="comment_edited",
        eventable=("Comment", comment["id"]),
        user_id=ctx.user_id,
        context_discussion_id=discussion["id"],
    )
    return _events_response(ctx, event)


def discard(ctx: Ctx) -> Any:
    comment, discussion = _load(ctx)
    if not perm.can_discard_comment(ctx, comment, discussion):
        raise forbidden()
    stamp = now()
    comment = db.update(
        ctx.conn, "comments", comment["id"], {"discarded_at": stamp, "discarded_by": ctx.user_id}
    )
    ctx.cache[("Comment", comment["id"])] = comment
    ctx.conn.execute(
        "UPDATE events SET user_id = NULL, pinned = false WHERE eventable_type = 'Comment' AND eventable_id = %s",
        (comment["id"],),
    )
    th.update_sequence_info(ctx.conn, discussion["id"])
    ctx.cache.pop(("Discussion", discussion["id"]), None)
    event = th.eventable_event(ctx.conn, "Comment", comment["id"], "new_comment")
    return _events_response(ctx, event)  # type: ignore[arg-type]


def destroy(ctx: Ctx) -> Any:
    comment, discussion = _load(ctx)
    if not perm.can_destroy_comment(ctx, comment, discussion):
        raise forbidden()
    event = th.eventable_event(ctx.conn, "Comment", comment["id"], "new_comment")
    parent_id = event["parent_id"] if event else None
    th.drop_sequence_counter(ctx.conn, discussion["id"])
    ctx.conn.execute(
        "UPDATE events SET discussion_id = NULL WHERE eventable_type = 'Comment' "
        "AND eventable_id = %s"
        if F_ORPHAN_EVENTS.on
        else "DELETE FROM events WHERE eventable_type = 'Comment' AND eventable_id = %s",
        (comment["id"],),
    )
    th.update_sequence_info(ctx.conn, discussion["id"])  # the comment row still exists here
    th.recount(ctx.conn, parent_id)
    ctx.conn.execute(
        "DELETE FROM reactions WHERE reactable_type = 'Comment' AND reactable_id = %s",
        (comment["id"],),
    )
    ctx.conn.execute("DELETE FROM comments WHERE id = %s", (comment["id"],))
    remaining = db.all_rows(
        ctx.conn,
        "SELECT * FROM events WHERE parent_id = %s AND discussion_id IS NOT NULL ORDER BY id",
        (parent_id,),
    )
    ctx.cache.pop(("Discussion", discussion["id"]), None)
    if remaining:
        body: Any = respond(
            ctx, remaining, serializer=event_serializer(), root="events", meta=False
        )
    else:
        body = {"events": []} if F_DESTROY_BODY.on else None
    th.repair_thread(
        ctx.conn, discussion["id"]
    )  # queued in Loomio; synchronous here, after the answer is built
    return json_response(body)


ROUTES = [
    Route("/api/v1/comments", endpoint(create), methods=["POST"]),
    Route("/api/v1/comments/{id}/discard", endpoint(discard), methods=["DELETE"]),
    Route("/api/v1/comments/{id}", endpoint(update), methods=["PATCH", "PUT"]),
    Route("/api/v1/comments/{id}", endpoint(destroy), methods=["DELETE"]),
]
