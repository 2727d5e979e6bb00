"""Groups: show (id, key or handle), index (xids / q + order), create (incl. subgroups),
update, subgroups. Root `groups`; create and update answer with the group (200)."""

from __future__ import annotations

import secrets
import string
from typing import Any

from starlette.routing import Route

from reference import db, faults
from reference.api.common import boolean, create_status, find, page, respond, xids
from reference.db import Row
from reference.domain import counters
from reference.domain import permissions as perm
from reference.web import Ctx, endpoint, forbidden, invalid, now, permit, record_not_found

GROUP_PARAMS = frozenset(
    {
        "parent_id",
        "name",
        "handle",
        "description",
        "description_format",
        "is_visible_to_public",
        "is_visible_to_parent_members",
        "discussion_privacy_options",
        "members_can_add_members",
        "members_can_add_guests",
        "members_can_announce",
        "members_can_edit_discussions",
        "members_can_edit_comments",
        "members_can_delete_comments",
        "members_can_raise_motions",
        "members_can_start_discussions",
        "members_can_create_subgroups",
        "members_can_vote",
        "admins_can_edit_user_content",
        "membership_granted_upon",
        "group_privacy",
        "parent_members_can_see_discussions",
        "new_threads_max_depth",
        "new_threads_newest_first",
        "cover_photo",
        "logo",
        "category",
        "category_id",
        "request_to_join_prompt",
        "files",
        "image_files",
        "attachments",
        "link_previews",
        "content_locale",
        "listed_in_explore",
        "country",
        "region",
        "city",
    }
)
COLUMNS = GROUP_PARAMS - {"group_privacy", "cover_photo", "logo", "files", "image_files"}
BOOLEAN_COLUMNS = {
    c
    for c in COLUMNS
    if c.startswith(("members_can_", "is_visible", "admins_can", "parent_members"))
} | {
    "new_threads_newest_first",
    "listed_in_explore",
}
PRIVACY_OPTIONS = ("public_only", "private_only", "public_or_private")
GRANTED_UPON = ("request", "approval", "invitation")

F_ORDER_ASC = faults.declare(
    "groups_index_order_ascending", "ordering", "groups#index sorts ascending instead of descending"
)
F_DEFAULT_NULL = faults.declare(
    "membership_inbox_position_null",
    "data",
    "a new group's creator membership stores inbox_position NULL, not its default 0",
)


def new_key(length: int = 8) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


# ---------------------------------------------------------------- privacy


def apply_privacy(values: dict[str, Any], label: str, parent: Row | None) -> None:
    """The group_privacy setter (permissions.md section 2)."""
    if label == "open":
        values.update(
            is_visible_to_public=True,
            discussion_privacy_options="public_only",
            listed_in_explore=True,
        )
        if values.get("membership_granted_upon") not in GRANTED_UPON:
            values["membership_granted_upon"] = "approval"
    elif label == "closed":
        hidden_parent = parent is not None and not parent["is_visible_to_public"]
        values["is_visible_to_public"] = not hidden_parent
        if hidden_parent:
            values["is_visible_to_parent_members"] = True
        if values.get("discussion_privacy_options") not in ("private_only", "public_or_private"):
            values["discussion_privacy_options"] = "private_only"
        values.update(listed_in_explore=False, membership_granted_upon="approval")
    elif label == "secret":
        values.update(
            is_visible_to_public=False,
            discussion_privacy_options="private_only",
            listed_in_explore=False,
            membership_granted_upon="invitation",
            is_visible_to_parent_members=False,
        )


def validate(values: dict[str, Any], parent: Row | None, group_id: int | None, ctx: Ctx) -> None:
    errors: dict[str, list[str]] = {}
    if not str(values.get("name") or "").strip():
        errors["name"] = ["can't be blank"]
    if not values["is_visible_to_public"]:
        values["discussion_privacy_options"] = "private_only"  # before_validation in Loomio
    if values["discussion_privacy_options"] not in PRIVACY_OPTIONS:
        errors["discussion_privacy_options"] = ["is not included in the list"]
    if values["membership_granted_upon"] not in GRANTED_UPON:
        errors["membership_granted_upon"] = ["is not included in the list"]
    visible, to_parent = values["is_visible_to_public"], values["is_visible_to_parent_members"]
    if values["parent_members_can_see_discussions"] and not (visible or to_parent):
        errors["parent_members_can_see_discussions"] = ["is invalid"]
    if to_parent and not (visible or (not visible and parent is not None)):
        errors["is_visible_to_parent_members"] = ["is invalid"]
    handle = values.get("handle")
    if handle:
        taken = db.scalar(
            ctx.conn,
            "SELECT EXISTS (SELECT 1 FROM groups WHERE handle = %s AND id IS DISTINCT FROM %s)",
            (handle, group_id),
        )
        if taken:
            errors["handle"] = ["has already been taken"]
    if errors:
        raise invalid(errors)


def _cast(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in COLUMNS & params.keys():
        value = params[name]
        if name in BOOLEAN_COLUMNS:
            value = boolean(value)
        elif name in ("new_threads_max_depth", "parent_id", "category_id"):
            value = int(value) if value not in (None, "") else None
        elif name in ("attachments", "link_previews"):
            value = db_json(value or [])
        elif name == "handle":  # a blank handle is stored as NULL (unique index allows many)
            value = str(value) if value is not None and str(value).strip() else None
        out[name] = value
    return out


def db_json(value: Any) -> Any:
    from psycopg.types.json import Jsonb

    return Jsonb(value)


def full_name(name: str | None, parent: Row | None) -> str | None:
    return f"{parent['name']} - {name}" if parent else name


# ---------------------------------------------------------------- handlers


def show(ctx: Ctx) -> Any:
    group = find(ctx, "Group", ctx.path_params["id"], keyed=True, handle=True)
    if not perm.can_show_group(ctx, group):
        raise forbidden()
    return respond(ctx, [group], serializer="group")


VISIBLE_GROUPS_SQL = """
    g.archived_at IS NULL AND (
      g.is_visible_to_public
      OR g.id IN (SELECT group_id FROM memberships WHERE user_id = %(uid)s AND revoked_at IS NULL)
      OR (g.is_visible_to_parent_members AND g.parent_id IN
            (SELECT group_id FROM memberships WHERE user_id = %(uid)s AND revoked_at IS NULL)))"""


def index(ctx: Ctx) -> Any:
    args: dict[str, Any] = {"uid": ctx.user_id}
    where = [VISIBLE_GROUPS_SQL]
    ids = xids(ctx)
    order = "g.id"
    if ids:
        where.append("g.id = ANY(%(ids)s)")
        args["ids"] = ids
    else:
        where.append("g.parent_id IS NULL AND g.is_visible_to_public")
        if ctx.param("q"):
            where.append("(g.name ILIKE %(q)s OR g.description ILIKE %(q)s)")
            args["q"] = f"%{ctx.param('q')}%"
        column = "memberships_count" if ctx.param("order") == "memberships_count" else "created_at"
        order = f"g.{column} {'ASC' if F_ORDER_ASC.on else 'DESC'}, g.id"
    sql = " AND ".join(where)
    total = db.scalar(ctx.conn, f"SELECT count(*) FROM groups g WHERE {sql}", args)
    offset, per = page(ctx)
    rows = db.all_rows(
        ctx.conn,
        f"SELECT g.* FROM groups g WHERE {sql} ORDER BY {order} OFFSET {offset} LIMIT {per}",
        args,
    )
    return respond(ctx, rows, serializer="group", root="groups", total=total)


def subgroups(ctx: Ctx) -> Any:
    group = find(ctx, "Group", ctx.path_params["id"], keyed=True, handle=True)
    if not perm.can_show_group(ctx, group):
        raise forbidden()
    args = {"uid": ctx.user_id, "parent": group["id"]}
    sql = f"g.parent_id = %(parent)s AND {VISIBLE_GROUPS_SQL}"
    total = db.scalar(ctx.conn, f"SELECT count(*) FROM groups g WHERE {sql}", args)
    offset, per = page(ctx)
    rows = db.all_rows(
        ctx.conn,
        f"SELECT g.* FROM groups g WHERE {sql} ORDER BY g.name, g.id OFFSET {offset} LIMIT {per}",
        args,
    )
    return respond(ctx, rows, serializer="group", root="groups", total=total)


def create(ctx: Ctx) -> Any:
    params = permit(ctx.require("group"), GROUP_PARAMS)
    values = _cast(params)
    parent = None
    if values.get("parent_id"):
        parent = db.one(ctx.conn, "SELECT * FROM groups WHERE id = %s", (values["parent_id"],))
        if parent is None:
            raise record_not_found("Group", values["parent_id"])
    if not perm.can_create_group(ctx, parent):
        raise forbidden()
    defaults = {
        "is_visible_to_public": True,
        "is_visible_to_parent_members": False,
        "discussion_privacy_options": "private_only",
        "membership_granted_upon": "approval",
        "parent_members_can_see_discussions": False,
    }
    merged = {**defaults, **values}
    if params.get("group_privacy"):
        apply_privacy(merged, str(params["group_privacy"]), parent)
    validate(merged, parent, None, ctx)
    stamp = now()
    merged.update(
        full_name=full_name(merged.get("name"), parent),
        key=new_key(),
        token=new_key(24),
        creator_id=ctx.user["id"],  # type: ignore[index]
        created_at=stamp,
        updated_at=stamp,
    )
    if parent is None:
        sub = db.insert(
            ctx.conn,
            "subscriptions",
            {"plan": "free", "state": "active", "created_at": stamp, "updated_at": stamp},
        )
        merged["subscription_id"] = sub["id"]
    group = db.insert(ctx.conn, "groups", merged)
    volume = ctx.user["default_membership_volume"]  # type: ignore[index]
    # a Go insert listing every column writes NULL where Rails lets the default (0) apply
    unset = {"inbox_position": None} if F_DEFAULT_NULL.on else {}
    db.insert(
        ctx.conn,
        "memberships",
        {
            "group_id": group["id"],
            "user_id": ctx.user_id,
            "admin": True,
            "accepted_at": stamp,
            "volume": volume,
            "created_at": stamp,
            "updated_at": stamp,
            **unset,
        },
    )
    counters.refresh_group(ctx.conn, group["id"])
    counters.refresh_user(ctx.conn, ctx.user_id)
    group = db.one(ctx.conn, "SELECT * FROM groups WHERE id = %s", (group["id"],))
    return _render_status(respond(ctx, [group], serializer="group"), create_status())  # type: ignore[list-item]


def _render_status(body: dict[str, Any], status: int) -> Any:
    from reference.web import json_response

    return json_response(body, status)


def update(ctx: Ctx) -> Any:
    group = find(ctx, "Group", ctx.path_params["id"], keyed=True, handle=True)
    params = permit(ctx.require("group"), GROUP_PARAMS)
    if not perm.can_update_group(ctx, group):
        raise forbidden()
    values = _cast(params)
    values.pop("parent_id", None)
    parent = perm.parent_of(ctx, group)
    merged = {**group, **values}
    if params.get("group_privacy"):
        apply_privacy(merged, str(params["group_privacy"]), parent)
    validate(merged, parent, group["id"], ctx)
    changes = {
        k: merged[k]
        for k in merged
        if k in COLUMNS | {"listed_in_explore"} and merged[k] != group.get(k)
    }
    changes.pop("parent_id", None)
    if "name" in changes:
        changes["full_name"] = full_name(merged["name"], parent)
    changes["updated_at"] = now()
    group = db.update(
        ctx.conn, "groups", group["id"], {k: _jsonb_if_needed(k, v) for k, v in changes.items()}
    )
    if "name" in changes:
        ctx.conn.execute(
            "UPDATE groups SET full_name = %s || ' - ' || name WHERE parent_id = %s",
            (group["name"], group["id"]),
        )
    ctx.cache[("Group", group["id"])] = group
    return respond(ctx, [group], serializer="group")


def _jsonb_if_needed(name: str, value: Any) -> Any:
    if name in ("attachments", "link_previews", "info") and isinstance(value, (list, dict)):
        return db_json(value)
    return value


ROUTES = [
    Route("/api/v1/groups", endpoint(index), methods=["GET"]),
    Route("/api/v1/groups", endpoint(create), methods=["POST"]),
    Route("/api/v1/groups/{id}/subgroups", endpoint(subgroups), methods=["GET"]),
    Route("/api/v1/groups/{id}", endpoint(show), methods=["GET"]),
    Route("/api/v1/groups/{id}", endpoint(update), methods=["PATCH", "PUT"]),
]
