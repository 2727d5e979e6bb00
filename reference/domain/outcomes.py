"""OutcomeService: create (marks earlier outcomes not latest) and update."""

from __future__ import annotations

import json
from typing import Any

from reference import db
from reference.db import Row
from reference.domain import poll_access, polls
from reference.domain import threading as th
from reference.domain.poll_params import to_int
from reference.web import ApiError, Ctx, forbidden, invalid, now

OUTCOME_PERMITTED = frozenset(
    {
        "statement",
        "statement_format",
        "poll_id",
        "poll_option_id",
        "review_on",
        "recipient_audience",
        "include_actor",
        "event_location",
        "event_summary",
        "event_description",
        "notify_recipients",
        "recipient_user_ids",
        "recipient_chatbot_ids",
        "recipient_emails",
        "document_ids",
        "link_previews",
        "files",
        "image_files",
    }
)
UPDATABLE = (
    "review_on",
    "statement",
    "statement_format",
    "event_summary",
    "event_location",
    "poll_option_id",
    "link_previews",
)
CUSTOM = ("event_summary", "event_description", "event_location")
INVALID_OPTION = "Translation missing: en.outcome.error.invalid_poll_option"


def _values(params: dict[str, Any], names: tuple[str, ...] | frozenset[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        if name not in params or name in CUSTOM:
            continue
        value = params[name]
        if name == "poll_option_id":
            out[name] = to_int(value)
        elif name == "review_on":
            out[name] = value or None
        elif name == "link_previews":
            out[name] = json.dumps(value or [])
        elif name in ("statement", "statement_format"):
            out[name] = None if value is None else str(value)
    return out


def _errors(ctx: Ctx, poll: Row, values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not (values.get("statement") or "").strip():
        errors["statement"] = ["can't be blank"]
    fmt = values.get("statement_format")
    if fmt is not None and fmt not in ("html", "md"):
        errors["statement_format"] = ["is not included in the list"]
    option_id = values.get("poll_option_id")
    if option_id and option_id not in {o["id"] for o in polls.options_of(ctx, poll["id"])}:
        errors["poll_option_id"] = [INVALID_OPTION]
    return errors


def _poll(ctx: Ctx, poll_id: Any) -> Row:
    poll = db.one(ctx.conn, "SELECT * FROM polls WHERE id = %s", (to_int(poll_id) or 0,))
    if poll is None:  # outcome.poll.active? on nil: NoMethodError
        raise ApiError(500, {"status": 500, "error": "Internal Server Error"})
    return poll


def create(ctx: Ctx, params: dict[str, Any]) -> Row:
    poll = _poll(ctx, params.get("poll_id"))
    if ctx.user is None or not poll_access.can_conclude(ctx, poll):
        raise forbidden()
    values = _values(params, OUTCOME_PERMITTED)
    errors = _errors(ctx, poll, values)
    if errors:
        raise invalid(errors)
    ctx.conn.execute("UPDATE outcomes SET latest = false WHERE poll_id = %s", (poll["id"],))
    when = now()
    custom = {k: params[k] for k in CUSTOM if k in params}
    outcome = db.insert(
        ctx.conn,
        "outcomes",
        {
            **values,
            "poll_id": poll["id"],
            "author_id": ctx.user_id,
            "latest": True,
            "custom_fields": json.dumps(custom),
            "created_at": when,
            "updated_at": when,
        },
    )
    polls.record_version(ctx.conn, "Outcome", outcome["id"], "create", ctx.user_id, {})
    in_thread = poll["discussion_id"] is not None
    return th.publish(
        ctx.conn,
        kind="outcome_created",
        eventable=("Outcome", outcome["id"]),
        user_id=ctx.user_id,
        discussion_id=poll["discussion_id"],
        parent=polls.created_event(ctx.conn, poll["id"]) if in_thread else None,
    )


def update(ctx: Ctx, outcome: Row, params: dict[str, Any]) -> Row:
    poll = _poll(ctx, outcome["poll_id"])
    if ctx.user is None or not poll_access.can_conclude(ctx, poll):
        raise forbidden()
    values = _values(params, UPDATABLE)
    after = {**outcome, **values}
    errors = _errors(ctx, poll, after)
    if errors:
        raise invalid(errors)
    custom = dict(outcome["custom_fields"] or {})
    custom.update({k: params[k] for k in ("event_summary", "event_location") if k in params})
    changed = {k: [outcome[k], v] for k, v in values.items() if outcome.get(k) != v}
    if changed:
        polls.record_version(ctx.conn, "Outcome", outcome["id"], "update", ctx.user_id, changed)
    db.update(
        ctx.conn,
        "outcomes",
        outcome["id"],
        {
            **values,
            "custom_fields": json.dumps(custom),
            "updated_at": now(),
            "versions_count": polls.versions_count(ctx.conn, "Outcome", outcome["id"]),
        },
    )
    return th.publish(
        ctx.conn,
        kind="outcome_updated",
        eventable=("Outcome", outcome["id"]),
        user_id=ctx.user_id,
    )
