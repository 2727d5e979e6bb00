"""Memberships: index (group_id), make_admin, remove_admin, destroy (answers `groups`)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from reference import db, faults
from reference.api.common import find, page, respond
from reference.domain import counters, polls
from reference.domain import permissions as perm
from reference.serialize import load
from reference.web import Ctx, endpoint, forbidden, now

ORDERS = {
    "memberships.created_at": "m.created_at",
    "memberships.created_at desc": "m.created_at DESC",
    "users.name": "u.name",
    "admin desc": "m.admin DESC",
    "accepted_at desc": "m.accepted_at DESC",
    "accepted_at": "m.accepted_at",
}

F_DESTROY_ROOT = faults.declare(
    "membership_destroy_root_memberships",
    "envelope",
    "DELETE /memberships/:id answers with the membership instead of its group",
)


def index(ctx: Ctx) -> Any:
    args: dict[str, Any] = {"uid": ctx.user_id}
    where = [
        "m.revoked_at IS NULL",
        """(m.group_id IN (SELECT group_id FROM memberships WHERE user_id = %(uid)s AND revoked_at IS NULL)
            OR m.group_id IN (SELECT s.id FROM groups s JOIN memberships a ON a.group_id = s.parent_id
                              WHERE a.user_id = %(uid)s AND a.admin AND a.revoked_at IS NULL))""",
    ]
    if ctx.param("group_id") is not None:
        group = find(ctx, "Group", ctx.param("group_id"), keyed=True)
        if not perm.can_see_private_content(ctx, group):
            raise forbidden()
        where.append("m.group_id = %(gid)s")
        args["gid"] = group["id"]
        ctx.scope["current_user_is_admin"] = perm.is_admin(ctx, group["id"])
    sql = " AND ".join(where)
    total = db.scalar(ctx.conn, f"SELECT count(*) FROM memberships m WHERE {sql}", args)
    offset, per = page(ctx)
    order = ORDERS.get(str(ctx.param("order") or ""), "m.id")
    rows = db.all_rows(
        ctx.conn,
        f"SELECT m.* FROM memberships m JOIN users u ON u.id = m.user_id WHERE {sql} "
        f"ORDER BY {order}, m.id OFFSET {offset} LIMIT {per}",
        args,
    )
    return respond(ctx, rows, serializer="membership", root="memberships", total=total)


def _set_admin(ctx: Ctx, value: bool) -> Any:
    membership = find(ctx, "Membership", ctx.path_params["id"])
    allowed = (
        perm.can_make_admin(ctx, membership)
        if value
        else perm.can_remove_membership(ctx, membership)
    )
    if not allowed:
        raise forbidden()
    membership = db.update(
        ctx.conn, "memberships", membership["id"], {"admin": value, "updated_at": now()}
    )
    ctx.cache[("Membership", membership["id"])] = membership
    counters.refresh_group(ctx.conn, membership["group_id"])
    ctx.cache.pop(("Group", membership["group_id"]), None)
    return respond(ctx, [membership], serializer="membership")


def make_admin(ctx: Ctx) -> Any:
    return _set_admin(ctx, True)


def remove_admin(ctx: Ctx) -> Any:
    return _set_admin(ctx, False)


def destroy(ctx: Ctx) -> Any:
    membership = find(ctx, "Membership", ctx.path_params["id"])
    if not perm.can_remove_membership(ctx, membership):
        raise forbidden()
    stamp = now()
    membership = db.update(
        ctx.conn,
        "memberships",
        membership["id"],
        {"revoked_at": stamp, "revoker_id": ctx.user_id, "updated_at": stamp},
    )
    # MembershipService.revoke_by_id (for the group itself: the reference keeps subgroup
    # memberships, so their polls keep the member's votes too)
    polls.members_removed(
        ctx.conn, membership["group_id"], membership["user_id"], ctx.user_id, stamp
    )
    counters.refresh_group(ctx.conn, membership["group_id"])
    counters.refresh_user(ctx.conn, membership["user_id"])
    if F_DESTROY_ROOT.on:
        return respond(ctx, [membership], serializer="membership")
    group = db.one(ctx.conn, "SELECT * FROM groups WHERE id = %s", (membership["group_id"],))
    # `render json: Array(resource.group), root: :groups, scope: {}`: no caller, no preloads, no meta.
    ctx.cache.pop(("Group", membership["group_id"]), None)
    ctx.user = None
    ctx.memo.clear()
    load(ctx, "Group", group["id"])  # type: ignore[index]
    return respond(ctx, [group], serializer="group", root="groups", meta=False)  # type: ignore[list-item]


ROUTES = [
    Route("/api/v1/memberships", endpoint(index), methods=["GET"]),
    Route("/api/v1/memberships/{id}/make_admin", endpoint(make_admin), methods=["POST"]),
    Route("/api/v1/memberships/{id}/remove_admin", endpoint(remove_admin), methods=["POST"]),
    Route("/api/v1/memberships/{id}", endpoint(destroy), methods=["DELETE"]),
]
