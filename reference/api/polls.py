"""Polls: show, create, update, close, reopen, discard (PollsController + PollService)."""

from __future__ import annotations

import json
from typing import Any

from starlette.routing import Route

from reference import db
from reference.api.common import respond
from reference.db import Row
from reference.domain import poll_access, polls
from reference.domain import poll_types as pt
from reference.domain import threading as th
from reference.domain.poll_options import OptionPlan, plan_option_names
from reference.domain.poll_params import (
    OPTION_PERMITTED,
    POLL_PERMITTED,
    custom_fields,
    poll_columns,
    to_bool,
    to_int,
    to_time,
)
from reference.serialize import polls as _polls_ser  # noqa: F401  # registers serializers
from reference.serialize.core import event_serializer
from reference.web import ApiError, Ctx, endpoint, forbidden, invalid, now, permit

MUST_BE_FUTURE = "Must be in the future"


def _events(ctx: Ctx, event: Row) -> dict[str, Any]:
    return respond(ctx, [event], serializer=event_serializer(), root="events")


def _poll_params(ctx: Ctx) -> dict[str, Any]:
    params = permit(ctx.require("poll"), POLL_PERMITTED)
    for item in _option_items(params):
        permit(item, OPTION_PERMITTED)
    return params


def _option_items(params: dict[str, Any]) -> list[dict[str, Any]]:
    raw = params.get("poll_options_attributes") or []
    items = list(raw.values()) if isinstance(raw, dict) else list(raw)
    return [i for i in items if isinstance(i, dict)]


def show(ctx: Ctx) -> Any:
    poll = polls.find_poll(ctx, ctx.path_params["id"])
    if not poll_access.can_show(ctx, poll):
        raise forbidden()
    return respond(ctx, [poll], serializer="poll", root="polls")


def _option_plans(ctx: Ctx, poll: Row, params: dict[str, Any]) -> list[OptionPlan]:
    """`options` (poll_option_names=) then `poll_options_attributes` (nested attributes)."""
    existing = polls.options_of(ctx, poll["id"]) if poll.get("id") else []
    plans = [
        OptionPlan(
            id=o["id"],
            name=o["name"],
            priority=o["priority"],
            icon=o["icon"],
            meaning=o["meaning"],
            prompt=o["prompt"],
        )
        for o in existing
    ]
    if "options" in params and poll["poll_type"] in pt.POLL_TYPES:
        plans = plan_option_names(poll["poll_type"], existing, list(params["options"] or []))
    for item in _option_items(params):
        if item.get("id") not in (None, ""):
            plan = next((p for p in plans if p.id == to_int(item["id"])), None)
            if plan is None:
                raise ApiError(
                    404,
                    {
                        "exception": "ActiveRecord::RecordNotFound",
                        "error": f"Couldn't find PollOption with ID={item['id']} for Poll with "
                        f"ID={poll.get('id')}",
                    },
                )
        else:
            plan = OptionPlan(id=None, name="", priority=0)
            plans.append(plan)
        for field in ("name", "icon", "meaning", "prompt"):
            if field in item:
                setattr(plan, field, item[field])
        if "priority" in item:
            plan.priority = to_int(item["priority"]) or 0
        if to_bool(item.get("_destroy")):
            plan.destroy = True
    return plans


def _errors(
    before: Row, after: dict[str, Any], plans: list[OptionPlan], discussion: Row | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if after["poll_type"] not in pt.POLL_TYPES:
        errors["poll_type"] = ["is not included in the list"]
    if any(not p.destroy and not p.name for p in plans):
        errors["poll_options.name"] = ["can't be blank"]
    closing = after.get("closing_at")
    if after.get("closed_at") is None and closing is not None and closing <= now():
        errors["closing_at"] = [MUST_BE_FUTURE]
    group_id = after.get("group_id")
    if discussion is not None and group_id != discussion["group_id"] and group_id is not None:
        errors["group"] = ["Poll group is not discussion group"]
    if before.get("anonymous") and not after["anonymous"]:
        errors["anonymous"] = [
            "Translation missing: en.activerecord.errors.models.poll.attributes.anonymous."
            "cannot_deanonymize"
        ]
    if before.get("hide_results") == 2 and after["hide_results"] != 2:
        errors["hide_results"] = [
            "Translation missing: en.activerecord.errors.models.poll.attributes.hide_results."
            "cannot_show_results_early"
        ]
    if after.get("discarded_at") is None and not after.get("title"):
        errors["title"] = ["can't be blank"]
    return errors


def _clamp_minimum(after: dict[str, Any], plans: list[OptionPlan]) -> None:
    """before_save clamp_minimum_stance_choices."""
    count = sum(1 for p in plans if not p.destroy)
    minimum = pt.minimum_stance_choices(after, count)
    if minimum > count:
        after["minimum_stance_choices"] = count


def _discussion(ctx: Ctx, discussion_id: Any) -> Row | None:
    ident = to_int(discussion_id)
    if ident is None:
        return None
    return db.one(ctx.conn, "SELECT * FROM discussions WHERE id = %s", (ident,))


def _group_id(ctx: Ctx, params: dict[str, Any], current: int | None) -> int | None:
    """discussion_id= copies the discussion's group; a later group_id overrides it."""
    group_id = current
    for name, value in params.items():
        if name == "discussion_id":
            found = _discussion(ctx, value)
            group_id = found["group_id"] if found else None
        elif name == "group_id":
            group_id = to_int(value)
    return group_id


def create(ctx: Ctx) -> Any:
    params = _poll_params(ctx)
    poll_type = str(params.get("poll_type") or "")
    discussion = _discussion(ctx, params.get("discussion_id"))
    group_id = _group_id(ctx, params, None)
    if group_id is not None and not db.scalar(
        ctx.conn, "SELECT EXISTS (SELECT 1 FROM groups WHERE id = %s)", (group_id,)
    ):
        raise forbidden()  # a NullGroup has no admins or members
    if not poll_access.can_create(ctx, group_id, discussion):
        raise forbidden()
    after: dict[str, Any] = {
        "poll_type": poll_type,
        "anonymous": False,
        "hide_results": 0,
        "stance_reason_required": 1,
        "limit_reason_length": True,
        "minimum_stance_choices": None,
        "maximum_stance_choices": None,
        "closed_at": None,
        **poll_columns(params, poll_type),
        "discussion_id": discussion["id"] if discussion else None,
        "group_id": group_id,
        "author_id": ctx.user_id,
    }
    after["custom_fields"] = json.dumps(custom_fields(params, {}))
    plans = _option_plans(ctx, {"poll_type": poll_type}, params)
    errors = _errors({}, after, plans, discussion)
    if errors:
        raise invalid(errors)
    if poll_type == "meeting":
        from reference.domain.poll_options import plan_meeting_priorities

        plan_meeting_priorities(plans)
    _clamp_minimum(after, plans)
    when = now()
    after.update(
        key=after.get("key") or polls.new_key(ctx.conn, "polls"), created_at=when, updated_at=when
    )
    poll = db.insert(ctx.conn, "polls", after)
    polls.save_options(ctx.conn, poll, plans)
    polls.record_version(ctx.conn, "Poll", poll["id"], "create", ctx.user_id, {})
    polls.recount(ctx.conn, poll)
    if not poll["specified_voters_only"]:
        polls.invite_members(ctx.conn, poll)
        polls.recount(ctx.conn, poll)
    event = th.publish(
        ctx.conn,
        kind="poll_created",
        eventable=("Poll", poll["id"]),
        user_id=ctx.user_id,
        discussion_id=poll["discussion_id"],
        parent=th.root_event(ctx.conn, poll["discussion_id"]) if poll["discussion_id"] else None,
        pinned=True,
    )
    polls.reload(ctx, poll["id"])
    return _events(ctx, event)


def update(ctx: Ctx) -> Any:
    poll = polls.find_poll(ctx, ctx.path_params["id"])
    params = _poll_params(ctx)
    if not poll_access.can_update(ctx, poll):
        raise forbidden()
    assignable = {
        k: v
        for k, v in params.items()
        if k not in ("poll_type", "discussion_id", "poll_template_id", "poll_template_key")
    }
    changes = poll_columns(assignable, poll["poll_type"])
    changes.pop("group_id", None)
    after = {**poll, **changes}
    after["custom_fields"] = custom_fields(assignable, poll["custom_fields"] or {})
    plans = _option_plans(ctx, poll, assignable)
    discussion = _discussion(ctx, poll["discussion_id"])
    errors = _errors(poll, after, plans, discussion)
    if errors:
        raise invalid(errors)
    _clamp_minimum(after, plans)
    if "minimum_stance_choices" in after:
        changes["minimum_stance_choices"] = after["minimum_stance_choices"]
    version = polls.version_changes(poll, changes)
    changes.update(custom_fields=json.dumps(after["custom_fields"]), updated_at=now())
    db.update(ctx.conn, "polls", poll["id"], changes)
    polls.save_options(ctx.conn, poll, plans)
    if version:
        polls.record_version(ctx.conn, "Poll", poll["id"], "update", ctx.user_id, version)
    polls.recount(ctx.conn, poll)
    message = params.get("recipient_message")
    in_thread = message is not None and poll["discussion_id"] is not None
    event = th.publish(
        ctx.conn,
        kind="poll_edited",
        eventable=("Poll", poll["id"]),
        user_id=ctx.user_id,
        discussion_id=poll["discussion_id"] if in_thread else None,
        parent=polls.created_event(ctx.conn, poll["id"]) if in_thread else None,
        custom_fields={
            "recipient_user_ids": list(params.get("recipient_user_ids") or []),
            "recipient_chatbot_ids": list(params.get("recipient_chatbot_ids") or []),
            "recipient_message": message or None,  # .presence: "" is stored as null
            "recipient_audience": params.get("recipient_audience") or None,
        },
    )
    polls.reload(ctx, poll["id"])
    return _events(ctx, event)


def close(ctx: Ctx) -> Any:
    poll = polls.find_poll(ctx, ctx.path_params["id"])
    if not poll_access.can_close(ctx, poll):
        raise forbidden()
    at = now()
    polls.close(ctx.conn, poll, at)
    event = th.publish(
        ctx.conn,
        kind="poll_closed_by_user",
        eventable=("Poll", poll["id"]),
        user_id=ctx.user_id,
        discussion_id=poll["discussion_id"],
        parent=polls.created_event(ctx.conn, poll["id"]) if poll["discussion_id"] else None,
        created_at=at,
    )
    polls.reload(ctx, poll["id"])
    return _events(ctx, event)


def reopen(ctx: Ctx) -> Any:
    poll = polls.find_poll(ctx, ctx.path_params["id"])
    params = _poll_params(ctx)
    if not poll_access.can_reopen(ctx, poll):
        raise forbidden()
    closing_at = to_time(params.get("closing_at"))
    if closing_at is not None and closing_at <= now():
        raise invalid({"closing_at": [MUST_BE_FUTURE]})
    db.update(
        ctx.conn,
        "polls",
        poll["id"],
        {"closing_at": closing_at, "closed_at": None, "updated_at": now()},
    )
    polls.record_version(
        ctx.conn,
        "Poll",
        poll["id"],
        "update",
        ctx.user_id,
        polls.version_changes(poll, {"closing_at": closing_at, "closed_at": None}),
    )
    event = th.publish(
        ctx.conn,
        kind="poll_reopened",
        eventable=("Poll", poll["id"]),
        user_id=ctx.user_id,
        discussion_id=poll["discussion_id"],
        parent=polls.created_event(ctx.conn, poll["id"]) if poll["discussion_id"] else None,
    )
    polls.reload(ctx, poll["id"])
    return _events(ctx, event)


def discard(ctx: Ctx) -> Any:
    poll = polls.find_poll(ctx, ctx.path_params["id"])
    if not poll_access.can_update(ctx, poll):
        raise forbidden()
    assert ctx.user_id is not None
    polls.discard(ctx.conn, poll, ctx.user_id)
    polls.reload(ctx, poll["id"])
    event = polls.created_event(ctx.conn, poll["id"])
    return respond(ctx, [event] if event else [], serializer=event_serializer(), root="events")


ROUTES = [
    Route("/api/v1/polls", endpoint(create), methods=["POST"]),
    Route("/api/v1/polls/{id}", endpoint(show), methods=["GET"]),
    Route("/api/v1/polls/{id}", endpoint(update), methods=["PATCH", "PUT"]),
    Route("/api/v1/polls/{id}/close", endpoint(close), methods=["POST"]),
    Route("/api/v1/polls/{id}/reopen", endpoint(reopen), methods=["POST"]),
    Route("/api/v1/polls/{id}/discard", endpoint(discard), methods=["DELETE"]),
]
