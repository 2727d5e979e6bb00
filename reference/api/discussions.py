"""Discussions: index, show (id or key, with the root-event self-heal), create and update
(root `events`), close, reopen, pin, unpin, discard (root `discussions`)."""

from __future__ import annotations

import time
from typing import Any

from psycopg.types.json import Jsonb
from starlette.routing import Route

from reference import db, faults, live
from reference.api.common import boolean, create_status, find, page, respond, xids
from reference.api.params import root_params
from reference.db import Row
from reference.domain import counters
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

DISCUSSION_PARAMS = frozenset(
    {
        "title",
        "description",
        "description_format",
        "group_id",
        "private",
        "max_depth",
        "newest_first",
        "tags",
        "discussion_template_id",
        "discussion_template_key",
        "forked_event_ids",
        "files",
        "image_files",
        "attachments",
        "link_previews",
        "content_locale",
        "recipient_audience",
        "recipient_user_ids",
        "recipient_emails",
        "recipient_chatbot_ids",
        "recipient_message",
        "notify_recipients",
        "iframe_src",
    }
)
VERSIONED = (
    "title",
    "description",
    "description_format",
    "private",
    "tags",
    "max_depth",
    "newest_first",
)

F_INDEX_ORDER = faults.declare(
    "discussions_index_ignores_pinned",
    "ordering",
    "discussions#index orders by last_activity_at only (pinned threads not first)",
)
F_DISCARD_COUNTS = faults.declare(
    "discussion_discard_counts_stale",
    "data",
    "discarding a discussion leaves its group's discussion counter caches as they were",
)
F_SHOW_NO_HEAL = faults.declare(
    "discussion_show_no_root_heal",
    "envelope",
    "a discussion without a root event is shown without creating one (created_event_id null)",
)
SLOW_SHOW_SECONDS = 0.05
F_SLOW_SHOW = faults.declare(
    "slow_discussions_show",
    "latency",
    "discussions#show answers correctly but 50 ms later (the latency gate must say no-go)",
)


def _values(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in (
        "title",
        "description",
        "description_format",
        "content_locale",
        "iframe_src",
        "discussion_template_key",
    ):
        if name in params:
            out[name] = params[name]
    if "private" in params:
        out["private"] = boolean(params["private"])
    if "newest_first" in params:
        out["newest_first"] = boolean(params["newest_first"])
    if "max_depth" in params and params["max_depth"] not in (None, ""):
        out["max_depth"] = int(params["max_depth"])
    if "discussion_template_id" in params:
        out["discussion_template_id"] = params["discussion_template_id"]
    if "tags" in params:
        out["tags"] = list(params["tags"] or [])
    for name in ("attachments", "link_previews"):
        if name in params:
            out[name] = Jsonb(params[name] or [])
    return out


def _validate(values: dict[str, Any], group: Row | None) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("title") or "").strip():
        errors["title"] = ["can't be blank"]
    if group is not None:
        options = group["discussion_privacy_options"]
        if not values["private"] and options == "private_only":
            errors["private"] = ["must be private in this group"]
        if values["private"] and options == "public_only":
            errors["private"] = ["must be public in this group"]
    if errors:
        raise invalid(errors)


def _default_private(group: Row | None) -> bool:
    return not (group is not None and group["discussion_privacy_options"] == "public_only")


# ---------------------------------------------------------------- reads


def visible_sql(alias: str = "d") -> str:
    """Discussions the caller (%(uid)s) may read (DiscussionQuery.visible_to), a visitor's
    `discussion_reader_token` (%(reader_token)s) included as Loomio joins it."""
    return f"""{alias}.discarded_at IS NULL
      AND ({alias}.group_id IS NULL OR {alias}.group_id NOT IN (SELECT id FROM groups WHERE archived_at IS NOT NULL))
      AND (NOT {alias}.private
        OR {alias}.group_id IN (SELECT group_id FROM memberships WHERE user_id = %(uid)s AND revoked_at IS NULL)
        OR {alias}.id IN (SELECT discussion_id FROM discussion_readers
                          WHERE (user_id = %(uid)s OR token = %(reader_token)s)
                          AND guest AND revoked_at IS NULL)
        OR {alias}.group_id IN (SELECT s.id FROM groups s JOIN memberships m ON m.group_id = s.parent_id
                                WHERE s.parent_members_can_see_discussions AND m.user_id = %(uid)s
                                AND m.revoked_at IS NULL))"""


def index(ctx: Ctx) -> Any:
    args: dict[str, Any] = {
        "uid": ctx.user_id,
        "reader_token": ctx.param("discussion_reader_token"),
    }
    where = [visible_sql()]
    group_ident = ctx.param("group_id") or ctx.param("group_key")
    if group_ident:
        group = find(ctx, "Group", group_ident, keyed=True, handle=True)
        if not perm.can_show_group(ctx, group):
            raise forbidden()
        args["gid"] = group["id"]
        subgroups = ctx.param("subgroups")
        if subgroups == "all":
            where.append(
                "d.group_id IN (SELECT id FROM groups WHERE id = %(gid)s OR parent_id = %(gid)s)"
            )
        elif subgroups == "mine":
            where.append(
                "(d.group_id = %(gid)s OR d.group_id IN (SELECT g.id FROM groups g JOIN memberships m ON m.group_id = g.id "
                "WHERE g.parent_id = %(gid)s AND m.user_id = %(uid)s AND m.revoked_at IS NULL))"
            )
        else:
            where.append("d.group_id = %(gid)s")
    ids = xids(ctx)
    if ids:
        where.append("d.id = ANY(%(ids)s)")
        args["ids"] = ids
    tags = ctx.param("tags")
    if tags:
        args["tags"] = [t for t in (tags if isinstance(tags, list) else str(tags).split("|")) if t]
        where.append("d.tags @> %(tags)s::varchar[]")
    state = ctx.param("filter")
    if state in ("closed", "show_closed"):
        where.append("d.closed_at IS NOT NULL")
    elif state != "all":
        where.append("d.closed_at IS NULL")
    sql = " AND ".join(where)
    total = db.scalar(ctx.conn, f"SELECT count(*) FROM discussions d WHERE {sql}", args)
    offset, per = page(ctx)
    order = (
        "d.last_activity_at DESC"
        if F_INDEX_ORDER.on
        else "d.pinned_at ASC, d.last_activity_at DESC"
    )
    rows = db.all_rows(
        ctx.conn,
        f"SELECT d.* FROM discussions d WHERE {sql} ORDER BY {order}, d.id DESC OFFSET {offset} LIMIT {per}",
        args,
    )
    return respond(ctx, rows, serializer="discussion", root="discussions", total=total)


def load_visible(ctx: Ctx, ident: Any) -> Row:
    """The discussion by id or key; 404 unknown, 403 hidden."""
    discussion = find(ctx, "Discussion", ident, keyed=True)
    if not perm.can_show_discussion(ctx, discussion):
        raise forbidden()
    return discussion


def show(ctx: Ctx) -> Any:
    if F_SLOW_SHOW.on:
        time.sleep(SLOW_SHOW_SECONDS)  # a port that loads the thread with N+1 queries
    discussion = load_visible(ctx, ctx.path_params["id"])
    if not F_SHOW_NO_HEAL.on and th.root_event(ctx.conn, discussion["id"]) is None:
        th.repair_thread(ctx.conn, discussion["id"])  # creates the root, then repairs
        discussion = find(ctx, "Discussion", discussion["id"])
    return respond(ctx, [discussion], serializer="discussion")


# ---------------------------------------------------------------- writes


def _event_response(ctx: Ctx, event: Row, status: int = 200) -> Any:
    body = respond(ctx, [event], serializer=event_serializer(), root="events")
    return json_response(body, status)


def create(ctx: Ctx) -> Any:
    params = permit(root_params(ctx, "discussion", "discussions"), DISCUSSION_PARAMS)
    group = None
    if params.get("group_id") not in (None, ""):
        group = db.one(ctx.conn, "SELECT * FROM groups WHERE id = %s", (int(params["group_id"]),))
        if group is None:
            raise record_not_found("Group", params["group_id"])
    if not perm.can_create_discussion(ctx, group):
        raise forbidden()
    values = _values(params)
    values.setdefault("private", _default_private(group))
    _validate(values, group)
    stamp = now()
    values.update(
        group_id=group["id"] if group else None,
        author_id=ctx.user_id,
        key=_new_key(ctx),
        created_at=stamp,
        updated_at=stamp,
        last_activity_at=stamp,
        versions_count=1,
    )
    values.setdefault("description_format", "md")
    discussion = db.insert(ctx.conn, "discussions", values)
    root = th.create_root(ctx.conn, discussion, stamp)
    live.event_created(ctx.conn, root, ctx.user_id)
    member = perm.is_member(ctx, discussion["group_id"])
    membership = perm.membership(ctx, discussion["group_id"])
    db.insert(
        ctx.conn,
        "discussion_readers",
        {
            "user_id": ctx.user_id,
            "discussion_id": discussion["id"],
            "admin": True,
            "guest": not member,
            "volume": (
                membership["volume"] if membership and membership["volume"] is not None else 2
            ),
            "participating": True,
            "accepted_at": stamp,
            "created_at": stamp,
            "updated_at": stamp,
        },
    )
    counters.refresh_group(ctx.conn, discussion["group_id"])
    ctx.cache[("Discussion", discussion["id"])] = discussion
    return _event_response(ctx, root, create_status())


def _new_key(ctx: Ctx) -> str:
    from reference.api.groups import new_key

    return new_key()


def update(ctx: Ctx) -> Any:
    discussion = find(ctx, "Discussion", ctx.path_params["id"], keyed=True)
    params = permit(root_params(ctx, "discussion", "discussions"), DISCUSSION_PARAMS)
    if not perm.can_update_discussion(ctx, discussion):
        raise forbidden()
    values = _values(params)
    group = perm.group_of(ctx, discussion)
    merged = {**discussion, **values}
    _validate(merged, group)
    changes = {k: v for k, v in values.items() if _plain(v) != discussion.get(k)}
    if any(k in changes for k in VERSIONED):
        changes["versions_count"] = (discussion["versions_count"] or 0) + 1
    changes["updated_at"] = now()
    discussion = db.update(ctx.conn, "discussions", discussion["id"], changes)
    message = params.get("recipient_message")
    custom = {
        "recipient_user_ids": list(params.get("recipient_user_ids") or []),
        "recipient_chatbot_ids": list(params.get("recipient_chatbot_ids") or []),
        "recipient_message": message or None,
        "recipient_audience": params.get("recipient_audience"),
    }
    in_thread = "recipient_message" in params and message is not None
    event = th.publish(
        ctx.conn,
        kind="discussion_edited",
        eventable=("Discussion", discussion["id"]),
        user_id=ctx.user_id,
        discussion_id=discussion["id"] if in_thread else None,
        parent=th.ensure_root(ctx.conn, discussion["id"]) if in_thread else None,
        custom_fields=custom,
    )
    if "max_depth" in changes:
        th.repair_thread(ctx.conn, discussion["id"])  # queued in Loomio; synchronous here
        event = db.one(ctx.conn, "SELECT * FROM events WHERE id = %s", (event["id"],))  # type: ignore[assignment]
    counters.refresh_group(ctx.conn, discussion["group_id"])
    discussion = db.one(ctx.conn, "SELECT * FROM discussions WHERE id = %s", (discussion["id"],))  # type: ignore[assignment]
    ctx.cache[("Discussion", discussion["id"])] = discussion
    return _event_response(ctx, event)  # type: ignore[arg-type]


def _plain(value: Any) -> Any:
    return value.obj if isinstance(value, Jsonb) else value


def _state_change(
    ctx: Ctx, changes: dict[str, Any], *, discard: bool = False, publish: bool = False
) -> Any:
    discussion = find(ctx, "Discussion", ctx.path_params["id"], keyed=True)
    allowed = (
        perm.can_discard_discussion(ctx, discussion)
        if discard
        else perm.can_update_discussion(ctx, discussion)
    )
    if not allowed:
        raise forbidden()
    changes["updated_at"] = now()
    discussion = db.update(ctx.conn, "discussions", discussion["id"], changes)
    if discard and th.has_polls(ctx.conn):
        ctx.conn.execute(
            "UPDATE polls SET discarded_at = %s, discarded_by = %s WHERE discussion_id = %s AND discarded_at IS NULL",
            (changes["discarded_at"], ctx.user_id, discussion["id"]),
        )
    if not (discard and F_DISCARD_COUNTS.on):
        counters.refresh_group(ctx.conn, discussion["group_id"])
    ctx.cache[("Discussion", discussion["id"])] = discussion
    if publish:  # DiscussionService.close/reopen: publish_models(group_id:, user_id: actor)
        live.models_changed(
            ctx.conn,
            "Discussion",
            [discussion["id"]],
            group_id=discussion["group_id"],
            user_id=ctx.user_id,
            actor_id=ctx.user_id,
        )
    return respond(ctx, [discussion], serializer="discussion")


def close(ctx: Ctx) -> Any:
    return _state_change(ctx, {"closed_at": now(), "closer_id": ctx.user_id}, publish=True)


def reopen(ctx: Ctx) -> Any:
    return _state_change(ctx, {"closed_at": None, "closer_id": None}, publish=True)


def pin(ctx: Ctx) -> Any:
    """DiscussionService.pin: `authorize! :pin` is the update ability; index lists pinned first."""
    return _state_change(ctx, {"pinned_at": now()})


def unpin(ctx: Ctx) -> Any:
    return _state_change(ctx, {"pinned_at": None})


def discard(ctx: Ctx) -> Any:
    return _state_change(ctx, {"discarded_at": now(), "discarded_by": ctx.user_id}, discard=True)


def mark_as_seen(ctx: Ctx) -> Any:
    """DiscussionService.mark_as_seen: the caller's reader gets last_read_at (created if
    missing), and the discussion is published to its group's room; answers {}."""
    discussion = find(ctx, "Discussion", ctx.path_params["id"], keyed=True)
    if ctx.user is None or not perm.can_show_discussion(ctx, discussion):
        raise forbidden()
    stamp = now()
    updated = ctx.conn.execute(
        "UPDATE discussion_readers SET last_read_at = %s, updated_at = %s "
        "WHERE user_id = %s AND discussion_id = %s",
        (stamp, stamp, ctx.user_id, discussion["id"]),
    )
    if updated.rowcount == 0:
        db.insert(
            ctx.conn,
            "discussion_readers",
            {
                "user_id": ctx.user_id,
                "discussion_id": discussion["id"],
                "last_read_at": stamp,
                "created_at": stamp,
                "updated_at": stamp,
            },
        )
    # publish_models([discussion], group_id: discussion.group.id): a group-less thread's
    # NullGroup has no id, so its room is null
    live.models_changed(
        ctx.conn,
        "Discussion",
        [discussion["id"]],
        group_id=discussion["group_id"],
        user_id=None,
        actor_id=ctx.user_id,
    )
    return {}


ROUTES = [
    Route("/api/v1/discussions", endpoint(index), methods=["GET"]),
    Route("/api/v1/discussions", endpoint(create), methods=["POST"]),
    Route("/api/v1/discussions/{id}/close", endpoint(close), methods=["PATCH", "PUT"]),
    Route("/api/v1/discussions/{id}/reopen", endpoint(reopen), methods=["PATCH", "PUT"]),
    Route("/api/v1/discussions/{id}/pin", endpoint(pin), methods=["PATCH"]),
    Route("/api/v1/discussions/{id}/unpin", endpoint(unpin), methods=["PATCH"]),
    Route("/api/v1/discussions/{id}/discard", endpoint(discard), methods=["DELETE"]),
    Route("/api/v1/discussions/{id}/mark_as_seen", endpoint(mark_as_seen), methods=["PATCH"]),
    Route("/api/v1/discussions/{id}", endpoint(show), methods=["GET"]),
    Route("/api/v1/discussions/{id}", endpoint(update), methods=["PATCH", "PUT"]),
]
