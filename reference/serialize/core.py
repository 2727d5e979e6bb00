"""Record serializers of the core: Author/User/CurrentUser, Group, Membership, Discussion,
DiscussionReader, Event, Comment, Tag, Reaction (key sets = Loomio's effective keys)."""

from __future__ import annotations

import re
from typing import Any

from reference import db, faults
from reference.db import Row
from reference.domain import ranges as ranges_mod
from reference.domain import threading as th
from reference.serialize import (
    MODELS,
    has_many,
    has_one,
    load,
    polymorphic,
    register_model,
    register_serializer,
    ts,
)
from reference.web import Ctx

VOLUMES = {0: "mute", 1: "quiet", 2: "normal", 3: "loud"}
VOLUME_VALUES = {v: k for k, v in VOLUMES.items()}

F_EMAIL_LEAK = faults.declare(
    "author_email_always", "shape", "sideloaded authors always carry email (include_email? ignored)"
)
F_RENAMED_ACTOR = faults.declare(
    "event_actor_renamed",
    "shape",
    "events send the actor as user_id too (the attribute renamed; the association still "
    "writes actor_id)",
)
F_NO_PINNED_TITLE = faults.declare(
    "event_pinned_title_missing", "shape", "events lack the pinned_title key (a field left out)"
)
F_EXTRA_KEY = faults.declare(
    "discussion_extra_author_key", "shape", "discussions gain an extra key author_name"
)
F_READER_NULLS = faults.declare(
    "reader_fields_null_for_visitors",
    "null",
    "visitors get discussion reader keys as null instead of absent",
)
F_DISCARDED_BODY = faults.declare(
    "discarded_comment_body_kept", "null", "a discarded comment keeps its body instead of null"
)
F_RANGES_NULL = faults.declare(
    "empty_ranges_null", "null", "a discussion with no items sends ranges null instead of []"
)
F_COUNTS_FLOAT = faults.declare(
    "event_counts_float", "type", "events send child_count/descendant_count as floats (2.0)"
)
F_KEY_WIDTH = faults.declare(
    "root_position_key_empty",
    "threading",
    'the new_discussion event sends position_key null instead of "00000"',
)

register_model("User", "users", serializer="author")
register_model("Group", "groups")
register_model("Membership", "memberships")
register_model("Discussion", "discussions")
register_model("DiscussionReader", "discussion_readers")
register_model("Event", "events")
register_model("Comment", "comments")
register_model("Tag", "tags")
register_model("Reaction", "reactions")
register_model("Subscription", "subscriptions")

MENTION = re.compile(r"(?:^|[^\w@])@([A-Za-z0-9_\-.]+[A-Za-z0-9_])")


def mentioned_usernames(text: str | None) -> list[str]:
    seen: list[str] = []
    for name in MENTION.findall(text or ""):
        if name not in seen:
            seen.append(name)
    return seen


def volume_name(value: int | None) -> str | None:
    return VOLUMES.get(value) if value is not None else None


# ---------------------------------------------------------------- users


def user_locale(row: Row) -> str:
    return row.get("selected_locale") or row.get("detected_locale") or "en"


def author_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    experiences = row.get("experiences") or {}
    data: dict[str, Any] = {"id": row["id"], "name": row["name"]}
    if (
        F_EMAIL_LEAK.on
        or ctx.user_id == row["id"]
        or ctx.scope.get("include_email")
        or ctx.scope.get("current_user_is_admin")
    ):
        data["email"] = row["email"]
    data.update(
        username=row["username"],
        avatar_initials=row["avatar_initials"],
        avatar_kind=row["avatar_kind"],
        thumb_url=None,
        time_zone=row["time_zone"],
        locale=user_locale(row),
        created_at=ts(row["created_at"]),
        titles=experiences.get("titles") or {},
        delegates=experiences.get("delegates") or {},
    )
    if not row["name"]:
        data["placeholder_name"] = (row["email"] or "").split("@")[0] or None
    data.update(email_verified=row["email_verified"], bot=row["bot"])
    return data


def user_attributes(ctx: Ctx, row: Row, *, current: bool = False) -> dict[str, Any]:
    data = author_attributes(ctx, row)
    data.update(
        short_bio=row["short_bio"],
        short_bio_format=row["short_bio_format"],
        content_locale=row["content_locale"],
        location=row["location"],
    )
    if current or ctx.scope.get("include_password_status"):
        data["has_password"] = bool(row["encrypted_password"])
    data.update(
        autodetect_time_zone=row["autodetect_time_zone"],
        avatar_url=None,
        attachments=row["attachments"],
        date_time_pref=row["date_time_pref"],
    )
    if (row["complaints_count"] or 0) > 0:
        data["complaints_count"] = row["complaints_count"]
    return data


def current_user_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    data = user_attributes(ctx, row, current=True)
    if "email" not in data:  # CurrentUser always includes it; keep Author's key position
        data = {"id": data["id"], "name": data["name"], "email": row["email"], **data}
    data.update(
        email_when_proposal_closing_soon=row["email_when_proposal_closing_soon"],
        email_catch_up_day=row["email_catch_up_day"],
        email_when_mentioned=row["email_when_mentioned"],
        email_on_participation=row["email_on_participation"],
        selected_locale=row["selected_locale"],
        default_membership_volume=volume_name(row["default_membership_volume"]),
        experiences=row["experiences"],
        email_newsletter=row["email_newsletter"],
        is_admin=row["is_admin"],
        memberships_count=row["memberships_count"],
        secret_token=str(row["secret_token"]) if row["secret_token"] is not None else None,
    )
    return data


register_serializer("author", "User", author_attributes)
register_serializer("user", "User", user_attributes)
register_serializer("current_user", "User", current_user_attributes)


# ---------------------------------------------------------------- groups


def group_privacy(row: Row) -> str:
    if row["is_visible_to_public"]:
        return "open" if row["discussion_privacy_options"] == "public_only" else "closed"
    if row["parent_id"] and row["is_visible_to_parent_members"]:
        return "closed"
    return "secret"


def subscription_for(ctx: Ctx, group: Row) -> dict[str, Any]:
    top = group
    if group["parent_id"]:
        top = load(ctx, "Group", group["parent_id"]) or group
    sub = load(ctx, "Subscription", top["subscription_id"]) if top["subscription_id"] else None
    if sub is None:
        return {
            "max_members": None,
            "max_threads": None,
            "allow_subgroups": True,
            "plan": "free",
            "state": "active",
            "active": True,
            "renews_at": None,
            "expires_at": None,
            "members_count": None,
        }
    return {
        "max_members": sub["max_members"],
        "max_threads": sub["max_threads"],
        "allow_subgroups": sub["allow_subgroups"],
        "plan": sub["plan"],
        "state": sub["state"],
        "active": sub["state"] == "active",
        "renews_at": ts(sub["renews_at"]),
        "expires_at": ts(sub["expires_at"]),
        "members_count": sub["members_count"],
    }


def _org_counts(ctx: Ctx, row: Row) -> tuple[int, int]:
    key = ("org_counts", row["id"])
    if key not in ctx.memo:
        found = db.one(
            ctx.conn,
            """SELECT (SELECT count(DISTINCT m.user_id) FROM memberships m JOIN groups g ON g.id = m.group_id
                        WHERE (g.id = %(id)s OR g.parent_id = %(id)s) AND m.revoked_at IS NULL) AS members,
                      (SELECT count(*) FROM discussions d JOIN groups g ON g.id = d.group_id
                        WHERE (g.id = %(id)s OR g.parent_id = %(id)s) AND d.discarded_at IS NULL) AS discussions""",
            {"id": row["id"]},
        )
        ctx.memo[key] = (found["members"], found["discussions"])  # type: ignore[index]
    return ctx.memo[key]  # type: ignore[no-any-return]


def group_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": row["id"],
        "key": row["key"],
        "handle": row["handle"],
        "name": row["name"],
        "full_name": row["full_name"],
        "content_locale": row["content_locale"],
        "description": row["description"],
        "description_format": row["description_format"],
        "logo_url": None,
        "created_at": ts(row["created_at"]),
        "creator_id": row["creator_id"],
    }
    for flag in (
        "members_can_add_members",
        "members_can_add_guests",
        "members_can_announce",
        "members_can_create_subgroups",
        "members_can_start_discussions",
        "members_can_edit_discussions",
        "members_can_edit_comments",
        "members_can_delete_comments",
        "members_can_raise_motions",
        "admins_can_edit_user_content",
    ):
        data[flag] = row[flag]
    if ctx.scope.get("include_token"):
        data["token"] = row["token"]
    data.update(
        polls_count=row["polls_count"],
        poll_templates_count=row["poll_templates_count"],
        closed_polls_count=row["closed_polls_count"],
        discussions_count=row["discussions_count"],
        public_discussions_count=row["public_discussions_count"],
        group_privacy=group_privacy(row),
        memberships_count=row["memberships_count"],
        delegates_count=row["delegates_count"],
        pending_memberships_count=row["pending_memberships_count"],
        accepted_memberships_count=row["memberships_count"] - row["pending_memberships_count"],
        membership_granted_upon=row["membership_granted_upon"],
        discussion_privacy_options=row["discussion_privacy_options"],
        admin_memberships_count=row["admin_memberships_count"],
        archived_at=ts(row["archived_at"]),
        attachments=row["attachments"],
        link_previews=row["link_previews"],
        new_threads_max_depth=row["new_threads_max_depth"],
        new_threads_newest_first=row["new_threads_newest_first"],
        has_custom_cover_photo=bool(row["cover_photo_file_name"]),
        cover_url=None,
        open_discussions_count=row["open_discussions_count"],
        closed_discussions_count=row["closed_discussions_count"],
        discussion_templates_count=row["discussion_templates_count"],
        recent_activity_count=row["recent_activity_count"],
        is_visible_to_public=row["is_visible_to_public"],
        is_visible_to_parent_members=row["is_visible_to_parent_members"],
        parent_members_can_see_discussions=row["parent_members_can_see_discussions"],
    )
    if not row["parent_id"]:
        members, discussions = _org_counts(ctx, row)
        data["org_discussions_count"] = discussions
        data["org_members_count"] = members
    data.update(
        subscription=subscription_for(ctx, row),
        subgroups_count=row["subgroups_count"],
        new_host=False,
        categorize_poll_templates=(row["info"] or {}).get("categorize_poll_templates", True),
        category=row["category"],
        request_to_join_prompt=row["request_to_join_prompt"],
    )
    return data


def current_user_membership(ctx: Ctx, row: Row) -> Row | None:
    # No database fallback in Loomio: only preloaded for discussion/group/event responses.
    if not ctx.memo.get("preload_memberships") or ctx.user is None:
        return None
    return membership_of(ctx, ctx.user["id"], row["id"])


def membership_of(ctx: Ctx, user_id: int, group_id: int) -> Row | None:
    key = ("membership", user_id, group_id)
    if key not in ctx.memo:
        row = db.one(
            ctx.conn,
            "SELECT * FROM memberships WHERE user_id = %s AND group_id = %s AND revoked_at IS NULL",
            (user_id, group_id),
        )
        ctx.memo[key] = row
        if row:
            ctx.cache[("Membership", row["id"])] = row
    return ctx.memo[key]  # type: ignore[no-any-return]


def group_tags(ctx: Ctx, row: Row) -> list[Row]:
    rows = db.all_rows(
        ctx.conn, "SELECT * FROM tags WHERE group_id = %s ORDER BY priority, name", (row["id"],)
    )
    return rows


register_serializer(
    "group",
    "Group",
    group_attributes,
    [
        has_one("parent", "group", "parent_groups", model="Group"),
        has_one(
            "current_user_membership",
            "membership",
            "memberships",
            model="Membership",
            get=current_user_membership,
        ),
        has_many("tags", "tag", "tags", model="Tag", get=group_tags),
    ],
)


# ---------------------------------------------------------------- memberships


def membership_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    data = {
        "id": row["id"],
        "group_id": row["group_id"],
        "user_id": row["user_id"],
        "inviter_id": row["inviter_id"],
        "volume": volume_name(row["volume"]),
        "admin": row["admin"],
        "delegate": row["delegate"],
        "experiences": row["experiences"],
        "title": row["title"],
        "created_at": ts(row["created_at"]),
        "accepted_at": ts(row["accepted_at"]),
    }
    if ctx.scope.get("current_user_is_admin") or (ctx.user_id and ctx.user_id == row["inviter_id"]):
        user = load(ctx, "User", row["user_id"])
        data["user_email"] = user["email"] if user else None
    return data


register_serializer(
    "membership",
    "Membership",
    membership_attributes,
    [
        has_one("group", "group", "groups", model="Group"),
        has_one("user", "user", "users", model="User"),
        has_one("inviter", "author", "users", model="User"),
    ],
)


# ---------------------------------------------------------------- discussions

READER_KEYS = (
    "discussion_reader_id",
    "discussion_reader_volume",
    "discussion_reader_user_id",
    "last_read_at",
    "dismissed_at",
    "read_ranges",
    "revoked_at",
    "inviter_id",
    "guest",
    "admin",
)


def reader_for(ctx: Ctx, discussion: Row) -> Row | None:
    """The caller's discussion_readers row (None if none saved)."""
    if ctx.user is None:
        return None
    key = ("reader", ctx.user["id"], discussion["id"])
    if key not in ctx.memo:
        ctx.memo[key] = db.one(
            ctx.conn,
            "SELECT * FROM discussion_readers WHERE user_id = %s AND discussion_id = %s",
            (ctx.user["id"], discussion["id"]),
        )
    return ctx.memo[key]  # type: ignore[no-any-return]


def _reader_fields(ctx: Ctx, row: Row) -> dict[str, Any]:
    reader = reader_for(ctx, row)
    if reader is None:
        membership = (
            membership_of(ctx, ctx.user["id"], row["group_id"]) if row["group_id"] else None
        )  # type: ignore[index]
        volume = membership["volume"] if membership and membership["volume"] is not None else 2
        return {
            "discussion_reader_id": None,
            "discussion_reader_volume": volume_name(volume),
            "discussion_reader_user_id": ctx.user_id,
            "last_read_at": None,
            "dismissed_at": None,
            "read_ranges": [],
            "revoked_at": None,
            "inviter_id": None,
            "guest": False,
            "admin": False,
        }
    return {
        "discussion_reader_id": reader["id"],
        "discussion_reader_volume": volume_name(reader["volume"]),
        "discussion_reader_user_id": reader["user_id"],
        "last_read_at": ts(reader["last_read_at"]),
        "dismissed_at": ts(reader["dismissed_at"]),
        "read_ranges": ranges_mod.parse(reader["read_ranges_string"]),
        "revoked_at": ts(reader["revoked_at"]),
        "inviter_id": reader["inviter_id"],
        "guest": reader["guest"],
        "admin": reader["admin"],
    }


def discussion_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    discarded = row["discarded_at"] is not None
    ranges = ranges_mod.parse(row["ranges_string"])
    data: dict[str, Any] = {
        "id": row["id"],
        "key": row["key"],
        "group_id": row["group_id"],
        "title": None if discarded else row["title"],
    }
    if "tag" not in ctx.exclude_types:
        data["tags"] = list(row["tags"] or [])
    data.update(
        content_locale=row["content_locale"],
        description=None if discarded else row["description"],
        description_format=row["description_format"],
        discussion_template_id=row["discussion_template_id"],
        ranges=None if (F_RANGES_NULL.on and not ranges) else ranges,
        items_count=row["items_count"],
        last_comment_at=ts(row["last_comment_at"]),
        last_activity_at=ts(row["last_activity_at"]),
        closed_at=ts(row["closed_at"]),
        closer_id=row["closer_id"],
        seen_by_count=row["seen_by_count"],
        members_count=row["members_count"],
        created_at=ts(row["created_at"]),
        updated_at=ts(row["updated_at"]),
        private=row["private"],
        versions_count=row["versions_count"],
        pinned_at=ts(row["pinned_at"]),
        attachments=row["attachments"],
        link_previews=row["link_previews"],
    )
    if row["description_format"] == "md":
        data["mentioned_usernames"] = mentioned_usernames(row["description"])
    data.update(
        newest_first=row["newest_first"],
        max_depth=row["max_depth"],
        discarded_at=ts(row["discarded_at"]),
    )
    if ctx.user is not None:
        data.update(_reader_fields(ctx, row))
    elif F_READER_NULLS.on:
        data.update(dict.fromkeys(READER_KEYS))
    if F_EXTRA_KEY.on:
        author = load(ctx, "User", row["author_id"])
        data["author_name"] = author["name"] if author else None
    return data


def active_polls(ctx: Ctx, row: Row) -> list[Row]:
    """No database fallback in Loomio: filled only when the response preloaded polls."""
    if "Poll" not in MODELS:
        return []
    by_discussion: dict[int, list[Row]] | None = ctx.memo.get("active_polls")
    if by_discussion is None:
        return []
    return by_discussion.get(row["id"], [])


def created_event(ctx: Ctx, row: Row) -> Row | None:
    key = ("created_event", row["id"])
    if key not in ctx.memo:
        ctx.memo[key] = db.one(
            ctx.conn,
            "SELECT * FROM events WHERE kind = 'new_discussion' AND eventable_type = 'Discussion' "
            "AND eventable_id = %s ORDER BY id LIMIT 1",
            (row["id"],),
        )
    return ctx.memo[key]  # type: ignore[no-any-return]


register_serializer(
    "discussion",
    "Discussion",
    discussion_attributes,
    [
        has_one("author", "author", "users", model="User"),
        has_one("group", "group", "groups", model="Group"),
        has_many(
            "active_polls", "poll", "polls", model="Poll", key="active_poll_ids", get=active_polls
        ),
        has_one("created_event", "event", "events", model="Event", get=created_event),
        has_one("forked_event", "event", "events", model="Event", get=lambda ctx, row: None),
        has_one(
            "closer",
            "author",
            "users",
            model="User",
            include=lambda ctx, row: row["closer_id"] is not None,
        ),
    ],
)


def discussion_has_anonymous_polls(ctx: Ctx, discussion_id: int) -> bool:
    key = ("anonymous_polls", discussion_id)
    if key not in ctx.memo:
        exists = db.scalar(ctx.conn, "SELECT to_regclass('polls') IS NOT NULL")
        ctx.memo[key] = bool(
            exists
            and db.scalar(
                ctx.conn,
                "SELECT EXISTS (SELECT 1 FROM polls WHERE discussion_id = %s AND anonymous)",
                (discussion_id,),
            )
        )
    return ctx.memo[key]  # type: ignore[no-any-return]


def discussion_reader_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    blank = discussion_has_anonymous_polls(ctx, row["discussion_id"])
    return {
        "id": row["id"],
        "user_id": row["user_id"],
        "discussion_id": row["discussion_id"],
        "read_ranges": [] if blank else ranges_mod.parse(row["read_ranges_string"]),
        "last_read_at": None if blank else ts(row["last_read_at"]),
        "dismissed_at": ts(row["dismissed_at"]),
        "volume": volume_name(row["volume"]),
        "inviter_id": row["inviter_id"],
        "guest": row["guest"],
        "admin": row["admin"],
        "revoked_at": ts(row["revoked_at"]),
    }


register_serializer(
    "discussion_reader",
    "DiscussionReader",
    discussion_reader_attributes,
    [has_one("user", "author", "users", model="User")],
)


# ---------------------------------------------------------------- events

CUSTOM_FIELD_KINDS = {"poll_edited", "discussion_edited", "discussion_moved"}


def event_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    custom = row["custom_fields"] or {}
    counts: tuple[Any, Any] = (row["child_count"], row["descendant_count"])
    if F_COUNTS_FLOAT.on:
        counts = (float(counts[0]), float(counts[1]))
    data: dict[str, Any] = {
        "id": row["id"],
        "sequence_id": row["sequence_id"],
        "position": row["position"],
        "depth": row["depth"],
        "child_count": counts[0],
        "descendant_count": counts[1],
        "kind": row["kind"],
        "discussion_id": row["discussion_id"],
        "created_at": ts(row["created_at"]),
        "eventable_id": row["eventable_id"],
        "eventable_type": row["eventable_type"],
    }
    if row["kind"] in CUSTOM_FIELD_KINDS:
        data["custom_fields"] = custom
    data["pinned"] = row["pinned"]
    if not F_NO_PINNED_TITLE.on:
        data["pinned_title"] = custom.get("pinned_title")
    data["parent_id"] = row["parent_id"]
    data["user_id" if F_RENAMED_ACTOR.on else "actor_id"] = row["user_id"]
    key = th.rendered_key(row["position_key"])
    if row["kind"] == "new_discussion" and not F_KEY_WIDTH.on:
        key = "00000"
    data["position_key"] = key
    data["recipient_message"] = custom.get("recipient_message")
    return data


def _eventable(ctx: Ctx, row: Row) -> tuple[str, int] | None:
    if row["eventable_type"] is None or row["eventable_id"] is None:
        return None
    return (row["eventable_type"], row["eventable_id"])


def _include_eventable(ctx: Ctx, row: Row) -> bool:
    return not (row["kind"] == "new_discussion" and "discussion" in ctx.exclude_types)


def _source_group(ctx: Ctx, row: Row) -> Any:
    return (row["custom_fields"] or {}).get("source_group_id")


register_serializer(
    "event",
    "Event",
    event_attributes,
    [
        has_one(
            "actor",
            "author",
            "users",
            model="User",
            key="actor_id",
            get=lambda ctx, row: row["user_id"],
        ),
        polymorphic("eventable", get=_eventable, include=_include_eventable),
        has_one("discussion", "discussion", "discussions", model="Discussion"),
        has_one("parent", "event", "parent_events", model="Event"),
        has_one(
            "source_group",
            "group",
            "groups",
            model="Group",
            get=_source_group,
            include=lambda ctx, row: (
                row["kind"] == "discussion_moved" and _source_group(ctx, row) is not None
            ),
        ),
    ],
)


def event_serializer() -> str:
    """Name of the serializer for events."""
    return "event"


# ---------------------------------------------------------------- comments, tags, reactions


def comment_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    discarded = row["discarded_at"] is not None and not F_DISCARDED_BODY.on
    body_format = row["body_format"]
    if faults.is_on("comment_body_format_stored_uppercase"):  # reference/api/comments.py
        body_format = body_format.lower()
    data: dict[str, Any] = {
        "id": row["id"],
        "body": None if discarded else row["body"],
        "body_format": body_format,
    }
    if body_format == "md":
        data["mentioned_usernames"] = mentioned_usernames(row["body"])
    data.update(
        discussion_id=row["discussion_id"],
        created_at=ts(row["created_at"]),
        updated_at=ts(row["updated_at"]),
        parent_id=row["parent_id"],
        parent_type=row["parent_type"],
        content_locale=row["content_locale"],
        versions_count=row["versions_count"],
        attachments=row["attachments"],
        link_previews=row["link_previews"],
        author_id=row["user_id"],
        discarded_at=ts(row["discarded_at"]),
    )
    return data


register_serializer(
    "comment",
    "Comment",
    comment_attributes,
    [
        has_one("author", "author", "users", model="User", get=lambda ctx, row: row["user_id"]),
        has_one("discussion", "discussion", "discussions", model="Discussion"),
    ],
)


def tag_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "color": row["color"],
        "taggings_count": row["taggings_count"],
        "org_taggings_count": row["org_taggings_count"],
        "group_id": row["group_id"],
        "priority": row["priority"],
    }


register_serializer("tag", "Tag", tag_attributes)


def reaction_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "reaction": row["reaction"],
        "reactable_id": row["reactable_id"],
        "reactable_type": row["reactable_type"],
        "user_id": row["user_id"],
    }


register_serializer(
    "reaction", "Reaction", reaction_attributes, [has_one("user", "author", "users", model="User")]
)
