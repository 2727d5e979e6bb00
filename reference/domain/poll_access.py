"""Who may see, vote in, administer and conclude a poll (permissions.md 3.6; Ability::Poll,
Ability::Stance, Ability::Outcome and the Poll#admins / Poll#members queries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reference import db, faults
from reference.db import Row
from reference.web import Ctx, now

F_VOTE_CLOSED = faults.declare(
    "permission_vote_on_closed_poll",
    "permission",
    "a closed poll (closed_at set) still accepts votes and vote changes",
)
F_CLOSE_NON_ADMIN = faults.declare(
    "permission_non_admin_can_close_poll",
    "permission",
    "any member of the poll's group may close it, not only poll admins",
)

_ADMIN_SQL = """
SELECT EXISTS (
  SELECT 1 FROM users u
  JOIN polls p ON p.id = %(poll)s
  LEFT JOIN discussion_readers dr ON dr.discussion_id = p.discussion_id AND dr.user_id = u.id
  LEFT JOIN memberships m ON m.user_id = u.id AND m.group_id = p.group_id
  LEFT JOIN stances s ON s.participant_id = u.id AND s.poll_id = p.id
  WHERE u.id = %(user)s AND u.deactivated_at IS NULL AND (
    (m.id IS NOT NULL AND m.revoked_at IS NULL AND m.admin) OR
    (p.author_id = u.id AND p.group_id IS NOT NULL AND m.id IS NOT NULL) OR
    (p.author_id = u.id AND p.group_id IS NULL) OR
    (p.author_id = u.id AND dr.id IS NOT NULL AND dr.revoked_at IS NULL AND dr.guest) OR
    (dr.id IS NOT NULL AND m.id IS NOT NULL AND dr.revoked_at IS NULL AND dr.admin) OR
    (dr.id IS NOT NULL AND m.id IS NULL AND dr.revoked_at IS NULL AND dr.admin AND dr.guest) OR
    (s.id IS NOT NULL AND m.id IS NOT NULL AND s.revoked_at IS NULL AND s.latest AND s.admin) OR
    (s.id IS NOT NULL AND m.id IS NULL AND s.revoked_at IS NULL AND s.latest AND s.admin
     AND s.guest)))
"""

_MEMBER_SQL = """
SELECT EXISTS (
  SELECT 1 FROM users u
  JOIN polls p ON p.id = %(poll)s
  LEFT JOIN discussion_readers dr ON dr.discussion_id = p.discussion_id AND dr.user_id = u.id
  LEFT JOIN memberships m ON m.user_id = u.id AND m.group_id = p.group_id
  LEFT JOIN stances s ON s.participant_id = u.id AND s.poll_id = p.id
  WHERE u.id = %(user)s AND u.deactivated_at IS NULL AND (
    (dr.id IS NOT NULL AND dr.revoked_at IS NULL AND dr.guest) OR
    (m.id IS NOT NULL AND m.revoked_at IS NULL) OR
    (s.id IS NOT NULL AND s.revoked_at IS NULL AND s.guest AND s.latest)))
"""

_VISIBLE_SQL = """
SELECT EXISTS (
  SELECT 1 FROM polls p
  LEFT JOIN groups g ON g.id = p.group_id
  LEFT JOIN memberships m ON m.group_id = p.group_id AND m.user_id = %(user)s
  LEFT JOIN discussion_readers dr ON dr.discussion_id = p.discussion_id AND dr.user_id = %(user)s
  LEFT JOIN stances s ON s.poll_id = p.id AND s.participant_id = %(user)s
  WHERE p.id = %(poll)s AND p.discarded_at IS NULL AND (
    p.author_id = %(user)s OR g.discussion_privacy_options = 'public_only' OR
    (m.id IS NOT NULL AND m.revoked_at IS NULL) OR
    (dr.id IS NOT NULL AND dr.revoked_at IS NULL AND dr.guest) OR
    (s.id IS NOT NULL AND s.revoked_at IS NULL AND s.guest)))
"""


def _memo(ctx: Ctx, key: tuple[Any, ...], query: str, poll: Row) -> bool:
    if ctx.user is None:
        return False
    full = (key, poll["id"], ctx.user["id"])
    if full not in ctx.memo:
        ctx.memo[full] = bool(
            db.scalar(ctx.conn, query, {"poll": poll["id"], "user": ctx.user["id"]})
        )
    return bool(ctx.memo[full])


def is_admin(ctx: Ctx, poll: Row) -> bool:
    return _memo(ctx, ("poll_admin",), _ADMIN_SQL, poll)


def is_member(ctx: Ctx, poll: Row) -> bool:
    return _memo(ctx, ("poll_member",), _MEMBER_SQL, poll)


def can_show(ctx: Ctx, poll: Row) -> bool:
    if poll["discarded_at"] is not None:
        return False
    user_id = ctx.user["id"] if ctx.user else 0
    key = ("poll_visible", poll["id"], user_id)
    if key not in ctx.memo:
        ctx.memo[key] = bool(
            db.scalar(ctx.conn, _VISIBLE_SQL, {"poll": poll["id"], "user": user_id})
        )
    return bool(ctx.memo[key])


def is_active(poll: Row, at: datetime | None = None) -> bool:
    """Poll#active?: kept, closing_at set and in the future, not closed."""
    at = at or now()
    return (
        poll["discarded_at"] is None
        and poll["closing_at"] is not None
        and poll["closing_at"] > at
        and poll["closed_at"] is None
    )


def _votable(poll: Row) -> bool:
    if F_VOTE_CLOSED.on:
        return poll["discarded_at"] is None and poll["closing_at"] is not None
    return is_active(poll)


def is_invited(ctx: Ctx, poll: Row) -> bool:
    if ctx.user is None:
        return False
    return bool(
        db.scalar(
            ctx.conn,
            "SELECT EXISTS (SELECT 1 FROM stances WHERE poll_id = %s AND participant_id = %s "
            "AND latest AND revoked_at IS NULL)",
            (poll["id"], ctx.user["id"]),
        )
    )


def can_vote(ctx: Ctx, poll: Row) -> bool:
    if ctx.user is None or not _votable(poll):
        return False
    if is_invited(ctx, poll):
        return True
    return not poll["specified_voters_only"] and is_member(ctx, poll)


def _discussion_open(ctx: Ctx, poll: Row) -> bool:
    if poll["discussion_id"] is None:
        return True
    closed = db.scalar(
        ctx.conn, "SELECT closed_at FROM discussions WHERE id = %s", (poll["discussion_id"],)
    )
    return closed is None


def can_update(ctx: Ctx, poll: Row) -> bool:
    """update and destroy (discard)."""
    return _discussion_open(ctx, poll) and is_admin(ctx, poll)


def can_close(ctx: Ctx, poll: Row) -> bool:
    if not is_active(poll):
        return False
    if F_CLOSE_NON_ADMIN.on and is_member(ctx, poll):
        return True
    return is_admin(ctx, poll)


def can_reopen(ctx: Ctx, poll: Row) -> bool:
    return poll["closed_at"] is not None and not poll["anonymous"] and can_update(ctx, poll)


def group_flag(ctx: Ctx, group_id: int | None, flag: str) -> bool:
    """A members_can_* flag of the group, or of Loomio's NullGroup for group-less records."""
    if group_id is None:
        return flag in ("members_can_raise_motions", "members_can_edit_discussions")
    return bool(db.scalar(ctx.conn, f"SELECT {flag} FROM groups WHERE id = %s", (group_id,)))


def can_conclude(ctx: Ctx, poll: Row) -> bool:
    """Outcome create/update: poll not active AND (poll admin OR (edit flag AND poll member))."""
    if is_active(poll):
        return False
    if is_admin(ctx, poll):
        return True
    return group_flag(ctx, poll["group_id"], "members_can_edit_discussions") and is_member(
        ctx, poll
    )


def _group_role(ctx: Ctx, group_id: int) -> tuple[bool, bool]:
    """(member, admin) of the group by an active membership."""
    row = db.one(
        ctx.conn,
        "SELECT admin FROM memberships WHERE group_id = %s AND user_id = %s AND revoked_at IS NULL",
        (group_id, ctx.user["id"]),  # type: ignore[index]
    )
    return (row is not None, bool(row and row["admin"]))


def _discussion_guest(ctx: Ctx, discussion_id: int) -> bool:
    return bool(
        db.scalar(
            ctx.conn,
            "SELECT EXISTS (SELECT 1 FROM discussion_readers WHERE discussion_id = %s "
            "AND user_id = %s AND guest AND revoked_at IS NULL)",
            (discussion_id, ctx.user["id"]),  # type: ignore[index]
        )
    )


def can_create(ctx: Ctx, group_id: int | None, discussion: Row | None) -> bool:
    """Ability::Poll :create (templates are not modelled: no template ids are accepted)."""
    if ctx.user is None:
        return False
    if discussion is not None and discussion["closed_at"] is not None:
        return False
    if group_id is not None:
        member, admin = _group_role(ctx, group_id)
        if admin:
            return True
        if not group_flag(ctx, group_id, "members_can_raise_motions"):
            return False
        return member or (discussion is not None and _discussion_guest(ctx, discussion["id"]))
    if discussion is not None:
        return _discussion_guest(ctx, discussion["id"]) or bool(
            db.scalar(
                ctx.conn,
                "SELECT EXISTS (SELECT 1 FROM discussion_readers WHERE discussion_id = %s "
                "AND user_id = %s AND revoked_at IS NULL)",
                (discussion["id"], ctx.user["id"]),
            )
        )
    return bool(ctx.user["email_verified"])
