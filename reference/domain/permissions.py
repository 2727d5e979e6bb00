"""Loomio's CanCan rules for the slice (permissions.md sections 1-3), as predicates on rows.

Every predicate takes the request `Ctx` (the caller, a per-request memo) and plain rows.
Denial is the caller's business: raise `web.forbidden()` (403 for everyone, visitors too).
"""

from __future__ import annotations

from reference import db, faults
from reference.db import Row
from reference.serialize import load
from reference.web import Ctx

F_GUEST_DENIED = faults.declare(
    "guest_cannot_read",
    "permission",
    "discussion guests (reader rows with guest=true) are refused the thread",
)
F_SECRET_VISIBLE = faults.declare(
    "secret_group_visible", "permission", "secret groups can be shown to people who are not members"
)
F_PARENT_SEES_ALL = faults.declare(
    "subgroup_threads_visible_to_parent",
    "permission",
    "parent-group members read private subgroup threads even when parent_members_can_see_discussions is off",
)
F_ANY_MAKE_ADMIN = faults.declare(
    "member_can_make_admin", "permission", "any member can promote any membership to admin"
)
F_CLOSED_COMMENT = faults.declare(
    "comment_on_closed_discussion", "permission", "comments can be posted in closed discussions"
)
F_DISCARDED_READABLE = faults.declare(
    "discarded_discussion_readable",
    "permission",
    "discarded discussions can still be fetched by members",
)
F_REVOKED_MEMBER = faults.declare(
    "revoked_membership_counts", "permission", "a revoked membership still counts as membership"
)

# The null group of group-less threads (permissions.md section 2).
NULL_GROUP_FLAGS = {
    "members_can_add_members": False,
    "members_can_add_guests": True,
    "members_can_announce": True,
    "members_can_create_subgroups": False,
    "members_can_start_discussions": False,
    "members_can_edit_discussions": True,
    "members_can_edit_comments": True,
    "members_can_delete_comments": True,
    "members_can_raise_motions": True,
    "admins_can_edit_user_content": False,
}


def flag(group: Row | None, name: str) -> bool:
    if group is None:
        return NULL_GROUP_FLAGS[name]
    return bool(group[name])


# ---------------------------------------------------------------- memberships


def membership(ctx: Ctx, group_id: int | None) -> Row | None:
    """The caller's active membership of the group (pending invitations count)."""
    if ctx.user is None or group_id is None:
        return None
    key = ("perm_membership", ctx.user["id"], group_id)
    if key not in ctx.memo:
        revoked = "" if F_REVOKED_MEMBER.on else "AND revoked_at IS NULL"
        ctx.memo[key] = db.one(
            ctx.conn,
            f"SELECT * FROM memberships WHERE user_id = %s AND group_id = %s {revoked}",
            (ctx.user["id"], group_id),
        )
    return ctx.memo[key]  # type: ignore[no-any-return]


def is_member(ctx: Ctx, group_id: int | None) -> bool:
    return membership(ctx, group_id) is not None


def is_admin(ctx: Ctx, group_id: int | None) -> bool:
    found = membership(ctx, group_id)
    return bool(found and found["admin"])


def is_site_admin(ctx: Ctx) -> bool:
    return bool(ctx.user and ctx.user["is_admin"])


def is_verified(ctx: Ctx) -> bool:
    return bool(ctx.user and ctx.user["email_verified"])


def parent_of(ctx: Ctx, group: Row) -> Row | None:
    return load(ctx, "Group", group["parent_id"]) if group["parent_id"] else None


# ---------------------------------------------------------------- groups


def can_show_group(ctx: Ctx, group: Row) -> bool:
    if group["archived_at"] is not None:
        return False
    if group["is_visible_to_public"] or is_member(ctx, group["id"]) or F_SECRET_VISIBLE.on:
        return True
    if (
        group["is_visible_to_parent_members"]
        and group["parent_id"]
        and is_member(ctx, group["parent_id"])
    ):
        return True
    token = ctx.param("group_token")
    if token and group["token"] and token == group["token"]:
        return True
    membership_token = ctx.param("membership_token")
    return bool(
        membership_token
        and db.scalar(
            ctx.conn,
            "SELECT EXISTS (SELECT 1 FROM memberships WHERE group_id = %s AND token = %s "
            "AND accepted_at IS NULL AND revoked_at IS NULL)",
            (group["id"], membership_token),
        )
    )


def can_see_private_content(ctx: Ctx, group: Row) -> bool:
    if group["archived_at"] is not None:
        return False
    if _privacy(group) == "open" or is_member(ctx, group["id"]):
        return True
    return bool(
        group["is_visible_to_parent_members"]
        and (is_member(ctx, group["parent_id"]) or is_member(ctx, group["id"]))
    )


def _privacy(group: Row) -> str:
    from reference.serialize.core import group_privacy

    return group_privacy(group)


def can_create_group(ctx: Ctx, parent: Row | None) -> bool:
    if ctx.user is None:
        return False
    if parent is None:
        return is_verified(ctx)  # the instance allows group creation
    # Operator precedence in Loomio: the subgroup branch does not check verification.
    return is_admin(ctx, parent["id"]) or (
        is_member(ctx, parent["id"]) and parent["members_can_create_subgroups"]
    )


def can_update_group(ctx: Ctx, group: Row) -> bool:
    return is_admin(ctx, group["id"])


# ---------------------------------------------------------------- memberships (resource)


def can_make_admin(ctx: Ctx, target: Row) -> bool:
    if ctx.user is None:
        return False
    if F_ANY_MAKE_ADMIN.on and is_member(ctx, target["group_id"]):
        return True
    if is_admin(ctx, target["group_id"]):
        return True
    if target["user_id"] != ctx.user["id"]:
        return False
    admins = db.scalar(
        ctx.conn,
        "SELECT count(*) FROM memberships WHERE group_id = %s AND admin AND revoked_at IS NULL",
        (target["group_id"],),
    )
    if admins == 0:
        return True
    group = load(ctx, "Group", target["group_id"])
    return bool(group and group["parent_id"] and is_admin(ctx, group["parent_id"]))


def can_remove_membership(ctx: Ctx, target: Row) -> bool:
    """remove_admin, revoke and destroy."""
    if ctx.user is None:
        return False
    return (
        is_site_admin(ctx)
        or target["user_id"] == ctx.user["id"]
        or is_admin(ctx, target["group_id"])
        or (target["inviter_id"] == ctx.user["id"] and target["accepted_at"] is None)
    )


# ---------------------------------------------------------------- discussions


def reader(ctx: Ctx, discussion: Row) -> Row | None:
    """The caller's active (not revoked) discussion_readers row."""
    if ctx.user is None:
        return None
    key = ("perm_reader", ctx.user["id"], discussion["id"])
    if key not in ctx.memo:
        ctx.memo[key] = db.one(
            ctx.conn,
            "SELECT * FROM discussion_readers WHERE user_id = %s AND discussion_id = %s AND revoked_at IS NULL",
            (ctx.user["id"], discussion["id"]),
        )
    return ctx.memo[key]  # type: ignore[no-any-return]


def is_guest(ctx: Ctx, discussion: Row) -> bool:
    if F_GUEST_DENIED.on:
        return False
    found = reader(ctx, discussion)
    return bool(found and found["guest"])


def is_discussion_member(ctx: Ctx, discussion: Row) -> bool:
    return is_member(ctx, discussion["group_id"]) or is_guest(ctx, discussion)


def is_discussion_admin(ctx: Ctx, discussion: Row) -> bool:
    if is_admin(ctx, discussion["group_id"]):
        return True
    found = reader(ctx, discussion)
    return bool(found and found["admin"])


def group_of(ctx: Ctx, record: Row) -> Row | None:
    return load(ctx, "Group", record["group_id"]) if record.get("group_id") else None


def can_show_discussion(ctx: Ctx, discussion: Row) -> bool:
    if discussion["discarded_at"] is not None and not F_DISCARDED_READABLE.on:
        return False
    group = group_of(ctx, discussion)
    if group is not None and group["archived_at"] is not None:
        return False
    if not discussion["private"] or is_discussion_member(ctx, discussion):
        return True
    parent_may_read = group is not None and (
        group["parent_members_can_see_discussions"] or F_PARENT_SEES_ALL.on
    )
    if parent_may_read and group["parent_id"] and is_member(ctx, group["parent_id"]):  # type: ignore[index]
        return True
    token = ctx.param("discussion_reader_token")
    return bool(
        token
        and not F_GUEST_DENIED.on
        and db.scalar(
            ctx.conn,
            "SELECT EXISTS (SELECT 1 FROM discussion_readers WHERE discussion_id = %s AND token = %s "
            "AND guest AND revoked_at IS NULL)",
            (discussion["id"], token),
        )
    )


def can_create_discussion(ctx: Ctx, group: Row | None) -> bool:
    if not is_verified(ctx):
        return False
    if group is None:
        return bool(
            db.scalar(
                ctx.conn,
                "SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = %s AND revoked_at IS NULL)",
                (ctx.user["id"],),  # type: ignore[index]
            )
        )
    return is_admin(ctx, group["id"]) or (
        group["members_can_start_discussions"] and is_member(ctx, group["id"])
    )


def can_update_discussion(ctx: Ctx, discussion: Row) -> bool:
    """update, move, pin, close, reopen (closing is not checked)."""
    if ctx.user is None or discussion["discarded_at"] is not None:
        return False
    if discussion["author_id"] == ctx.user["id"] or is_discussion_admin(ctx, discussion):
        return True
    return flag(group_of(ctx, discussion), "members_can_edit_discussions") and is_discussion_member(
        ctx, discussion
    )


def can_discard_discussion(ctx: Ctx, discussion: Row) -> bool:
    if ctx.user is None or discussion["discarded_at"] is not None:
        return False
    return discussion["author_id"] == ctx.user["id"] or is_discussion_admin(ctx, discussion)


# ---------------------------------------------------------------- comments


def can_create_comment(ctx: Ctx, discussion: Row) -> bool:
    if ctx.user is None:
        return False
    if discussion["closed_at"] is not None and not F_CLOSED_COMMENT.on:
        return False
    return is_discussion_member(ctx, discussion)


def can_update_comment(ctx: Ctx, comment: Row, discussion: Row) -> bool:
    if ctx.user is None or discussion["closed_at"] is not None:
        return False
    group = group_of(ctx, discussion)
    own = comment["user_id"] == ctx.user["id"]
    if is_discussion_member(ctx, discussion) and own and flag(group, "members_can_edit_comments"):
        return True
    return is_discussion_admin(ctx, discussion) and flag(group, "admins_can_edit_user_content")


def can_discard_comment(ctx: Ctx, comment: Row, discussion: Row) -> bool:
    if ctx.user is None or discussion["closed_at"] is not None:
        return False
    own = comment["user_id"] == ctx.user["id"]
    return (own and is_discussion_member(ctx, discussion)) or is_discussion_admin(ctx, discussion)


def can_destroy_comment(ctx: Ctx, comment: Row, discussion: Row) -> bool:
    if ctx.user is None or discussion["closed_at"] is not None:
        return False
    has_replies = db.scalar(
        ctx.conn,
        "SELECT EXISTS (SELECT 1 FROM comments WHERE parent_type = 'Comment' AND parent_id = %s)",
        (comment["id"],),
    )
    if has_replies:
        return False
    if is_discussion_admin(ctx, discussion):
        return True
    own = comment["user_id"] == ctx.user["id"]
    return (
        own
        and is_discussion_member(ctx, discussion)
        and flag(group_of(ctx, discussion), "members_can_delete_comments")
    )
