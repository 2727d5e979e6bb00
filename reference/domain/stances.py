"""StanceService: cast (create), change (in place or as a new revision), uncast."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from reference import db, live
from reference.db import Row
from reference.domain import poll_access, polls
from reference.domain import threading as th
from reference.domain.stance_rules import choice_errors, stance_errors
from reference.web import ApiError, Ctx, forbidden, invalid, now

STANCE_PERMITTED = frozenset(
    {
        "poll_id",
        "reason",
        "reason_format",
        "none_of_the_above",
        "stance_choices_attributes",
        "link_previews",
        "files",
        "image_files",
    }
)
CHOICE_PERMITTED = frozenset({"score", "poll_option_id"})


class StanceInvalid(ApiError):
    """422 whose changes so far must be kept (Loomio deletes old choices outside a
    transaction before validating): the API answers it without rolling back."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        base = invalid(errors)
        super().__init__(base.status, base.body)


@dataclass(frozen=True, slots=True)
class Vote:
    """The permitted stance parameters of one request."""

    choices: tuple[tuple[Any, int], ...]
    reason: str | None
    reason_format: str | None
    none_of_the_above: bool
    given: frozenset[str]

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Vote:
        raw = params.get("stance_choices_attributes") or []
        if isinstance(raw, dict):  # Rails accepts {"0": {...}, "1": {...}} too
            raw = list(raw.values())
        choices = []
        for item in raw:
            score = item.get("score")
            option_id = item.get("poll_option_id")
            choices.append(
                (
                    int(option_id) if option_id not in (None, "") else None,
                    1 if score in (None, "") else int(score),
                )
            )
        return cls(
            choices=tuple(choices),
            reason=params.get("reason"),
            reason_format=params.get("reason_format"),
            none_of_the_above=params.get("none_of_the_above") in (True, "true", "1", 1),
            given=frozenset(params),
        )

    def option_scores(self) -> dict[str, int]:
        return {str(o): s for o, s in self.choices}


def _errors(ctx: Ctx, poll: Row, vote: Vote, reason: str | None, fmt: str) -> dict[str, list[str]]:
    options = polls.options_of(ctx, poll["id"])
    existing = {
        r["id"]
        for r in db.all_rows(
            ctx.conn,
            "SELECT id FROM poll_options WHERE id = ANY(%s)",
            ([o for o, _ in vote.choices if o is not None],),
        )
    }
    errors = choice_errors(poll, existing, list(vote.choices))
    own = stance_errors(
        poll,
        [o["id"] for o in options],
        [(o or 0, s) for o, s in vote.choices],
        none_of_the_above=vote.none_of_the_above,
        reason=reason,
        reason_format=fmt,
    )
    for key, messages in own.items():
        errors.setdefault(key, []).extend(messages)
    return errors


def _save_choices(ctx: Ctx, stance_id: int, vote: Vote) -> None:
    when = now()
    for option_id, score in vote.choices:
        db.insert(
            ctx.conn,
            "stance_choices",
            {
                "stance_id": stance_id,
                "poll_option_id": option_id,
                "score": score,
                "created_at": when,
                "updated_at": when,
            },
        )


def _publish(ctx: Ctx, poll: Row, stance: Row, kind: str) -> Row:
    """Events::StanceCreated/StanceUpdated.publish! with Stance#add_to_discussion?."""
    in_thread = (
        poll["discussion_id"] is not None
        and poll["hide_results"] != 2
        and (stance["reason"] or "") not in ("", "<p></p>")
        and not db.scalar(
            ctx.conn,
            "SELECT EXISTS (SELECT 1 FROM events WHERE eventable_type = 'Stance' "
            "AND eventable_id = %s AND discussion_id = %s "
            "AND kind IN ('stance_created', 'stance_updated'))",
            (stance["id"], poll["discussion_id"]),
        )
    )
    return th.publish(
        ctx.conn,
        kind=kind,
        eventable=("Stance", stance["id"]),
        user_id=None if poll["anonymous"] else stance["participant_id"],
        discussion_id=poll["discussion_id"] if in_thread else None,
        parent=polls.created_event(ctx.conn, poll["id"]) if in_thread else None,
    )


def _version(ctx: Ctx, stance: Row, event: str, changes: dict[str, Any]) -> None:
    if event == "create" or changes:
        polls.record_version(ctx.conn, "Stance", stance["id"], event, ctx.user_id, changes)
    ctx.conn.execute(
        "UPDATE stances SET versions_count = %s WHERE id = %s",
        (polls.versions_count(ctx.conn, "Stance", stance["id"]), stance["id"]),
    )


def _insert(ctx: Ctx, poll: Row, vote: Vote, base: dict[str, Any]) -> Row:
    when = now()
    stance = db.insert(
        ctx.conn,
        "stances",
        {
            **base,
            "poll_id": poll["id"],
            "reason": vote.reason,
            "reason_format": vote.reason_format or base.get("reason_format") or "md",
            "none_of_the_above": vote.none_of_the_above,
            "option_scores": json.dumps(vote.option_scores()),
            "cast_at": when,
            "latest": True,
            "created_at": when,
            "updated_at": when,
        },
    )
    _save_choices(ctx, stance["id"], vote)
    _version(ctx, stance, "create", {})
    return stance


def create(ctx: Ctx, poll: Row | None, vote: Vote) -> Row:
    """POST /api/v1/stances: a new latest stance, or (unique index hit) an update."""
    if poll is None or not poll_access.can_vote(ctx, poll):
        raise forbidden()
    fmt = vote.reason_format or "md"
    errors = _errors(ctx, poll, vote, vote.reason, fmt)
    if errors:
        raise invalid(errors)
    existing = db.one(
        ctx.conn,
        "SELECT * FROM stances WHERE poll_id = %s AND participant_id = %s AND latest",
        (poll["id"], ctx.user_id),
    )
    if existing is not None:
        # ActiveRecord::RecordNotUnique -> StancesController loads the participant's stance
        # and updates it (Loomio takes any of their stances; the latest one here).
        return update(ctx, existing, vote)
    stance = _insert(ctx, poll, vote, {"participant_id": ctx.user_id})
    polls.recount(ctx.conn, poll)
    return _publish(ctx, poll, stance, "stance_created")


def _may_update(ctx: Ctx, poll: Row, stance: Row) -> bool:
    return (
        poll_access.can_vote(ctx, poll)
        and stance["participant_id"] is not None
        and stance["participant_id"] == ctx.user_id
        and stance["latest"]
    )


def update(ctx: Ctx, stance: Row, vote: Vote) -> Row:
    """StanceService.update: a new revision when the scores changed and the stance's latest
    thread event has replies; otherwise in place."""
    poll = polls.reload(ctx, stance["poll_id"])
    if not _may_update(ctx, poll, stance):
        raise forbidden()
    was_cast = stance["cast_at"] is not None
    event = db.one(
        ctx.conn,
        "SELECT * FROM events WHERE eventable_type = 'Stance' AND eventable_id = %s "
        "AND discussion_id IS NOT DISTINCT FROM %s ORDER BY id DESC LIMIT 1",
        (stance["id"], poll["discussion_id"]),
    )
    changed = dict(stance["option_scores"] or {}) != vote.option_scores()
    if was_cast and changed and event is not None and event["child_count"] > 0:
        return _new_revision(ctx, poll, stance, vote)
    return _in_place(ctx, poll, stance, vote, was_cast)


def _new_revision(ctx: Ctx, poll: Row, stance: Row, vote: Vote) -> Row:
    fmt = vote.reason_format or stance["reason_format"]
    if _errors(ctx, poll, vote, vote.reason, fmt):
        # new_stance.save! fails inside a rolled-back transaction; the controller renders
        # the errors of the *loaded* stance, which has none.
        raise invalid({})
    ctx.conn.execute("UPDATE stances SET latest = false WHERE id = %s", (stance["id"],))
    live.models_changed(  # the superseded stance, now latest: false
        ctx.conn,
        "Stance",
        [stance["id"]],
        group_id=poll["group_id"],
        user_id=None,
        actor_id=ctx.user_id,
    )
    base = {
        "participant_id": stance["participant_id"],
        "inviter_id": stance["inviter_id"],
        "reason_format": stance["reason_format"],
    }
    new = _insert(ctx, poll, vote, base)
    polls.recount(ctx.conn, poll)
    return _publish(ctx, poll, new, "stance_created")


def _in_place(ctx: Ctx, poll: Row, stance: Row, vote: Vote, was_cast: bool) -> Row:
    ctx.conn.execute("DELETE FROM stance_choices WHERE stance_id = %s", (stance["id"],))
    reason = vote.reason if "reason" in vote.given else stance["reason"]
    fmt = vote.reason_format if "reason_format" in vote.given else stance["reason_format"]
    nota = (
        vote.none_of_the_above if "none_of_the_above" in vote.given else stance["none_of_the_above"]
    )
    effective_vote = Vote(vote.choices, reason, fmt, nota, vote.given)
    errors = _errors(ctx, poll, effective_vote, reason, fmt or "md")
    if errors:
        raise StanceInvalid(errors)
    _save_choices(ctx, stance["id"], vote)
    scores = vote.option_scores()
    when = now()
    cast_at = stance["cast_at"] or when
    updated = db.update(
        ctx.conn,
        "stances",
        stance["id"],
        {
            "reason": reason,
            "reason_format": fmt,
            "none_of_the_above": nota,
            "option_scores": json.dumps(scores),
            "cast_at": cast_at,
            "revoked_at": None,
            "revoker_id": None,
            "updated_at": when,
        },
    )
    changes = {}
    if reason != stance["reason"]:
        changes["reason"] = [stance["reason"], reason]
    if scores != dict(stance["option_scores"] or {}):
        changes["option_scores"] = [stance["option_scores"], scores]
    if stance["revoked_at"] is not None:
        changes["revoked_at"] = [stance["revoked_at"], None]
    _version(ctx, updated, "update", changes)
    polls.recount(ctx.conn, poll)
    return _publish(ctx, poll, updated, "stance_updated" if was_cast else "stance_created")


def uncast(ctx: Ctx, stance_id: int) -> Row:
    """PATCH /api/v1/stances/:id/uncast: an undecided replacement; returns the old stance."""
    stance = None
    if ctx.user is not None:
        stance = db.one(
            ctx.conn,
            "SELECT * FROM stances WHERE id = %s AND participant_id = %s AND latest "
            "AND revoked_at IS NULL",
            (stance_id, ctx.user_id),
        )
    if stance is None:
        raise ApiError(
            404,
            {
                "exception": "ActiveRecord::RecordNotFound",
                "error": f"Couldn't find Stance with 'id'={stance_id}",
            },
        )
    poll = polls.reload(ctx, stance["poll_id"])
    if not _may_update(ctx, poll, stance) or stance["cast_at"] is None:
        raise forbidden()
    ctx.conn.execute("UPDATE stances SET latest = false WHERE id = %s", (stance["id"],))
    when = now()
    new = db.insert(
        ctx.conn,
        "stances",
        {
            "poll_id": poll["id"],
            "participant_id": stance["participant_id"],
            "inviter_id": stance["inviter_id"],
            "reason_format": stance["reason_format"],
            "latest": True,
            "created_at": when,
            "updated_at": when,
        },
    )
    _version(ctx, new, "create", {})
    polls.recount(ctx.conn, poll)
    return stance
