"""Record serializers of the poll area: Poll, PollOption, Stance, StanceChoice, Outcome
(key sets = Loomio's effective keys, in declaration order)."""

from __future__ import annotations

from typing import Any

from reference import db, faults
from reference.db import Row
from reference.domain import poll_types as pt
from reference.domain import polls as polls_mod
from reference.domain.poll_options import option_color, option_icon
from reference.domain.tallies import cast_stances_pct, results
from reference.serialize import core as _core  # noqa: F401  # User, Discussion, Event, Group
from reference.serialize import (
    default_include,
    has_many,
    has_one,
    load,
    register_model,
    register_serializer,
    ts,
)
from reference.serialize.core import mentioned_usernames, user_locale
from reference.web import Ctx

F_ANON_LEAK = faults.declare(
    "tally_anonymous_participant_leak",
    "tally",
    "stances of anonymous polls send participant_id (and sideload the user)",
)
F_HIDDEN_LEAK = faults.declare(
    "tally_hidden_results_leak",
    "tally",
    "results and stance_counts are sent while hide_results is until_closed and the poll is open",
)
F_QUESTION_NULL = faults.declare(
    "tally_question_stance_counts_null",
    "tally",
    "question polls (no options) send stance_counts null instead of []",
)
F_PCT_ROUNDED = faults.declare(
    "tally_cast_stances_pct_rounded",
    "tally",
    "cast_stances_pct is rounded (67) instead of truncated (66)",
)

register_model("Poll", "polls")
register_model("PollOption", "poll_options")
register_model("Stance", "stances")
register_model("StanceChoice", "stance_choices")
register_model("Outcome", "outcomes")

# hide_when_discarded: these keys become null on a discarded poll (results and
# poll_option_names are redefined later in the class, so they survive).
_HIDDEN_WHEN_DISCARDED = {
    "attachments",
    "link_previews",
    "anonymous",
    "can_respond_maybe",
    "closed_at",
    "closing_at",
    "created_at",
    "content_locale",
    "cast_stances_pct",
    "decided_voters_count",
    "details",
    "details_format",
    "hide_results",
    "limit_reason_length",
    "notify_on_closing_soon",
    "poll_type",
    "mentioned_usernames",
    "shuffle_options",
    "stance_counts",
    "total_score",
    "specified_voters_only",
    "title",
    "undecided_voters_count",
    "voter_can_add_options",
    "voters_count",
    "stance_reason_required",
    "versions_count",
    "meeting_duration",
}


def results_visible(poll: Row) -> bool:
    return F_HIDDEN_LEAK.on or pt.show_results(poll, voted=True)


def _voter_ids(ctx: Ctx, poll: Row, where: str) -> list[int]:
    rows = db.all_rows(
        ctx.conn,
        "SELECT participant_id FROM stances WHERE poll_id = %s AND latest AND revoked_at IS NULL "
        f"AND participant_id IS NOT NULL AND {where} ORDER BY id",
        (poll["id"],),
    )
    return [r["participant_id"] for r in rows]


def poll_results(ctx: Ctx, poll: Row) -> list[dict[str, Any]]:
    undecided = [] if poll["anonymous"] else _voter_ids(ctx, poll, "cast_at IS NULL")
    nota = _voter_ids(ctx, poll, "none_of_the_above") if poll["show_none_of_the_above"] else []
    return results(
        poll,
        polls_mod.options_of(ctx, poll["id"]),
        undecided_voter_ids=undecided,
        none_of_the_above_voter_ids=nota,
    )


def _stance_counts(poll: Row) -> Any:
    if F_QUESTION_NULL.on and poll["poll_type"] == "question":
        return None
    return list(poll["stance_counts"])


def _pct(poll: Row) -> int:
    if F_PCT_ROUNDED.on and poll["voters_count"]:
        decided = poll["voters_count"] - poll["undecided_voters_count"]
        return round(decided / poll["voters_count"] * 100)
    return cast_stances_pct(poll["voters_count"], poll["undecided_voters_count"])


def poll_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    options = polls_mod.options_of(ctx, row["id"])
    custom = row["custom_fields"] or {}
    show = results_visible(row)
    voters, undecided = row["voters_count"], row["undecided_voters_count"]
    data: dict[str, Any] = {
        "id": row["id"],
        "limit_reason_length": row["limit_reason_length"],
        "attachments": row["attachments"],
        "agree_target": row["agree_target"],
        "author_id": row["author_id"],
        "anonymous": row["anonymous"],
        "can_respond_maybe": custom.get("can_respond_maybe", False),
        "chart_type": pt.effective(row, "chart_type"),
        "chart_column": pt.chart_column(row),
        "closed_at": ts(row["closed_at"]),
        "closing_at": ts(row["closing_at"]),
        "created_at": ts(row["created_at"]),
        "content_locale": row["content_locale"],
        "cast_stances_pct": _pct(row),
        "decided_voters_count": voters - undecided,
        "details": row["details"],
        "details_format": row["details_format"],
        "discarded_at": ts(row["discarded_at"]),
        "discarded_by": row["discarded_by"],
        "discussion_id": row["discussion_id"],
        "group_id": row["group_id"],
        "hide_results": pt.HIDE_RESULTS[row["hide_results"]],
        "key": row["key"],
        "link_previews": row["link_previews"],
    }
    if row["details_format"] == "md":
        data["mentioned_usernames"] = mentioned_usernames(row["details"])
    data.update(
        notify_on_closing_soon=pt.NOTIFY_ON_CLOSING_SOON[row["notify_on_closing_soon"]],
        poll_type=row["poll_type"],
        poll_option_names=[o["name"] for o in options],
        poll_option_name_format=pt.effective(row, "poll_option_name_format"),
    )
    if show:
        data["results"] = poll_results(ctx, row)
    data.update(
        result_columns=pt.result_columns(row),
        reason_prompt=row["reason_prompt"],
        shuffle_options=row["shuffle_options"],
        show_none_of_the_above=row["show_none_of_the_above"],
    )
    if show:
        data["stance_counts"] = _stance_counts(row)
    data.update(
        specified_voters_only=row["specified_voters_only"],
        total_score=sum(row["stance_counts"]),
        title=row["title"],
    )
    if "tag" not in ctx.exclude_types:
        data["tags"] = list(row["tags"] or [])
    data.update(
        undecided_voters_count=undecided,
        voter_can_add_options=row["voter_can_add_options"],
        voters_count=voters,
        stance_reason_required=pt.STANCE_REASON_REQUIRED[row["stance_reason_required"]],
        versions_count=row["versions_count"],
        dots_per_person=pt.effective(row, "dots_per_person"),
        max_score=pt.effective(row, "max_score"),
        min_score=pt.effective(row, "min_score"),
        minimum_stance_choices=pt.minimum_stance_choices(row, len(options)),
        maximum_stance_choices=pt.maximum_stance_choices(row, len(options)),
        meeting_duration=custom.get("meeting_duration"),
        poll_template_id=row["poll_template_id"],
        poll_template_key=row["poll_template_key"],
    )
    if row["discarded_at"] is not None:
        for key in _HIDDEN_WHEN_DISCARDED & data.keys():
            data[key] = None
    return data


def my_stance(ctx: Ctx, row: Row) -> Row | None:
    if ctx.user is None:
        return None
    key = ("my_stance", row["id"], ctx.user["id"])
    if key not in ctx.memo:
        ctx.memo[key] = db.one(
            ctx.conn,
            "SELECT * FROM stances WHERE poll_id = %s AND participant_id = %s AND latest "
            "AND revoked_at IS NULL ORDER BY id DESC LIMIT 1",
            (row["id"], ctx.user["id"]),
        )
    return ctx.memo[key]  # type: ignore[no-any-return]


def current_outcome(ctx: Ctx, row: Row) -> Row | None:
    return db.one(
        ctx.conn,
        "SELECT * FROM outcomes WHERE poll_id = %s AND latest ORDER BY id DESC LIMIT 1",
        (row["id"],),
    )


register_serializer(
    "poll",
    "Poll",
    poll_attributes,
    [
        has_one("discussion", "discussion", "discussions", model="Discussion"),
        has_one(
            "created_event",
            "event",
            "events",
            model="Event",
            get=lambda ctx, row: polls_mod.created_event(ctx.conn, row["id"]),
        ),
        has_one("group", "group", "groups", model="Group"),
        has_one("author", "author", "users", model="User"),
        has_one("current_outcome", "outcome", "outcomes", model="Outcome", get=current_outcome),
        has_one(
            "my_stance",
            "stance",
            "stances",
            model="Stance",
            get=my_stance,
            include=lambda ctx, row: my_stance(ctx, row) is not None,
        ),
        has_many(
            "poll_options",
            "poll_option",
            "poll_options",
            model="PollOption",
            get=lambda ctx, row: polls_mod.options_of(ctx, row["id"]),
        ),
    ],
)


def poll_option_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    poll = load(ctx, "Poll", row["poll_id"])
    return {
        "id": row["id"],
        "poll_id": row["poll_id"],
        "name": row["name"],
        "priority": row["priority"],
        "color": option_color(poll["poll_type"], row) if poll else None,
        "icon": option_icon(row),
        "meaning": row["meaning"],
        "prompt": row["prompt"],
    }


register_serializer("poll_option", "PollOption", poll_option_attributes)


def _masked(poll: Row | None) -> bool:
    return bool(poll and poll["anonymous"]) and not F_ANON_LEAK.on


def stance_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    poll = load(ctx, "Poll", row["poll_id"])
    own = ctx.user_id is not None and row["participant_id"] == ctx.user_id
    show_reason = row["revoked_at"] is None and (
        own or (poll is not None and results_visible(poll))
    )
    participant = None if _masked(poll) else load(ctx, "User", row["participant_id"])
    data: dict[str, Any] = {"id": row["id"], "none_of_the_above": row["none_of_the_above"]}
    if show_reason:
        data["reason"] = row["reason"]
    data.update(
        reason_format=row["reason_format"],
        content_locale=row["content_locale"],
        latest=row["latest"],
        admin=row["admin"],
        cast_at=ts(row["cast_at"]),
    )
    if show_reason and row["reason_format"] == "md":
        data["mentioned_usernames"] = mentioned_usernames(row["reason"])
    data.update(
        created_at=ts(row["created_at"]),
        updated_at=ts(row["updated_at"]),
        locale=user_locale(participant) if participant else "en",
        versions_count=row["versions_count"],
    )
    if show_reason:
        data.update(attachments=row["attachments"], link_previews=row["link_previews"])
    data.update(
        volume=pt.VOLUMES[row["volume"]],
        inviter_id=row["inviter_id"],
        poll_id=row["poll_id"],
        participant_id=None if _masked(poll) else row["participant_id"],
        revoked_at=ts(row["revoked_at"]),
        order_at=ts(row["cast_at"] or row["created_at"]),
    )
    if show_reason:
        data["option_scores"] = row["option_scores"]
    return data


register_serializer(
    "stance",
    "Stance",
    stance_attributes,
    [
        has_one("poll", "poll", "polls", model="Poll"),
        has_one(
            "participant",
            "author",
            "users",
            model="User",
            get=lambda ctx, row: (
                None if _masked(load(ctx, "Poll", row["poll_id"])) else row["participant_id"]
            ),
        ),
    ],
)


def stance_choice_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    stance = load(ctx, "Stance", row["stance_id"])
    poll = load(ctx, "Poll", stance["poll_id"]) if stance else None
    rank = None
    if poll is not None and poll["poll_type"] == "ranked_choice":
        rank = pt.minimum_stance_choices(poll, len(polls_mod.options_of(ctx, poll["id"])))
        rank = rank - row["score"] + 1
    return {
        "id": row["id"],
        "score": row["score"],
        "created_at": ts(row["created_at"]),
        "stance_id": row["stance_id"],
        "rank": rank,
        "rank_or_score": row["score"] if rank is None else rank,
        "poll_option_id": row["poll_option_id"],
    }


register_serializer(
    "stance_choice",
    "StanceChoice",
    stance_choice_attributes,
    [has_one("poll_option", "poll_option", "poll_options", model="PollOption")],
)


def outcome_attributes(ctx: Ctx, row: Row) -> dict[str, Any]:
    custom = row["custom_fields"] or {}
    poll = load(ctx, "Poll", row["poll_id"])
    return {
        "id": row["id"],
        "statement": row["statement"],
        "statement_format": row["statement_format"],
        "content_locale": row["content_locale"],
        "latest": row["latest"],
        "created_at": ts(row["created_at"]),
        "event_summary": custom.get("event_summary"),
        "event_location": custom.get("event_location"),
        "attachments": row["attachments"],
        "link_previews": row["link_previews"],
        "review_on": ts(row["review_on"]),
        "poll_id": row["poll_id"],
        "poll_option_id": row["poll_option_id"],
        "group_id": poll["group_id"] if poll else None,
        "author_id": row["author_id"],
        "versions_count": row["versions_count"],
    }


register_serializer(
    "outcome",
    "Outcome",
    outcome_attributes,
    [
        has_one("author", "author", "users", model="User"),
        has_one("poll", "poll", "polls", model="Poll", include=default_include("poll")),
    ],
)
