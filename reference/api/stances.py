"""Stances: index, create (vote), update (change vote), uncast (StancesController)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from reference import db, faults
from reference.api.common import page, respond
from reference.db import Row
from reference.domain import poll_access, polls, stances
from reference.domain.poll_params import to_int
from reference.serialize import polls as poll_ser
from reference.serialize.core import event_serializer
from reference.web import ApiError, Ctx, endpoint, forbidden, json_response, permit

F_422_SHAPE = faults.declare(
    "status_stance_invalid_as_error_string",
    "status",
    "an invalid vote answers 422 {'error': 'Validation failed: …'} instead of errors by field",
)


def _scope(ctx: Ctx, poll: Row | None) -> None:
    # StancesController hard-codes exclude_types and shows emails to poll admins.
    ctx.scope["exclude_types"] = {"group", "discussion"}
    ctx.scope["include_email"] = bool(poll and poll_access.is_admin(ctx, poll))


def _vote(ctx: Ctx) -> stances.Vote:
    params = permit(ctx.require("stance"), stances.STANCE_PERMITTED)
    raw = params.get("stance_choices_attributes") or []
    items = list(raw.values()) if isinstance(raw, dict) else raw if isinstance(raw, list) else []
    # Strong parameters keep only the hashes of a permitted array of hashes: [null, 3] -> [].
    choices = [item for item in items if isinstance(item, dict)]
    for item in choices:
        permit(item, stances.CHOICE_PERMITTED)
    return stances.Vote.from_params({**params, "stance_choices_attributes": choices})


def _shaped(body: Any) -> Any:
    if not (F_422_SHAPE.on and isinstance(body, dict) and isinstance(body.get("errors"), dict)):
        return body
    text = ", ".join(
        f"{k.replace('_', ' ').replace('.', ' ').capitalize()} {m}"
        for k, ms in body["errors"].items()
        for m in ms
    )
    return {"error": f"Validation failed: {text}"}


def _respond(ctx: Ctx, work: Any) -> Any:
    """Run a vote and answer with its event. A StanceInvalid 422 is returned, not raised, so
    the work done so far is committed (Loomio deletes the old choices before validating,
    outside any transaction); other errors roll back."""
    try:
        event = work()
    except stances.StanceInvalid as exc:
        return json_response(_shaped(exc.body), exc.status)
    except ApiError as exc:
        if exc.status == 422:
            raise ApiError(422, _shaped(exc.body)) from None
        raise
    poll = polls.reload(ctx, ctx.memo["vote_poll_id"])
    _scope(ctx, poll)
    return respond(ctx, [event], serializer=event_serializer(), root="events")


def create(ctx: Ctx) -> Any:
    vote = _vote(ctx)
    params = ctx.params["stance"]
    poll_id = to_int(params.get("poll_id"))
    poll = db.one(ctx.conn, "SELECT * FROM polls WHERE id = %s", (poll_id,)) if poll_id else None
    if poll is not None:
        ctx.memo["vote_poll_id"] = poll["id"]
    return _respond(ctx, lambda: stances.create(ctx, poll, vote))


def _stance(ctx: Ctx) -> Row:
    ident = ctx.path_params["id"]
    row = db.one(ctx.conn, "SELECT * FROM stances WHERE id = %s", (to_int(ident) or 0,))
    if row is None:
        raise ApiError(
            404,
            {
                "exception": "ActiveRecord::RecordNotFound",
                "error": f"Couldn't find Stance with 'id'={ident}",
            },
        )
    return row


def update(ctx: Ctx) -> Any:
    stance = _stance(ctx)
    vote = _vote(ctx)
    ctx.memo["vote_poll_id"] = stance["poll_id"]
    return _respond(ctx, lambda: stances.update(ctx, stance, vote))


def uncast(ctx: Ctx) -> Any:
    old = stances.uncast(ctx, to_int(ctx.path_params["id"]) or 0)
    poll = polls.reload(ctx, old["poll_id"])
    _scope(ctx, poll)
    recent = db.all_rows(
        ctx.conn,
        "SELECT * FROM stances WHERE poll_id = %s AND revoked_at IS NULL AND participant_id = %s "
        "ORDER BY id DESC LIMIT 10",
        (poll["id"], ctx.user_id),
    )
    return respond(ctx, recent, serializer="stance", root="stances")


def index(ctx: Ctx) -> Any:
    # load_and_authorize(:poll): ModelLocator reads poll_id, else poll_key
    ident = str(ctx.param("poll_id") or ctx.param("poll_key") or "")
    poll = polls.find_poll(ctx, ident)
    if not poll_access.can_show(ctx, poll):
        raise forbidden()
    _scope(ctx, poll)
    where, args = ["s.poll_id = %s", "s.latest", "s.revoked_at IS NULL"], [poll["id"]]
    name = str(ctx.param("name") or "").strip()
    if name and not poll["anonymous"]:
        where.append(
            "(u.name ILIKE %s OR u.name ILIKE %s OR u.email ILIKE %s OR u.username ILIKE %s)"
        )
        args += [f"{name}%", f"% {name}%", f"{name}%", f"{name}%"]
    option_id = ctx.param("poll_option_id")
    if option_id not in (None, "") and poll_ser.results_visible(poll):
        where.append(
            "EXISTS (SELECT 1 FROM stance_choices sc WHERE sc.stance_id = s.id "
            "AND sc.poll_option_id = %s)"
        )
        args.append(to_int(option_id))
    base = (
        f"FROM stances s LEFT JOIN users u ON u.id = s.participant_id WHERE {' AND '.join(where)}"
    )
    total = db.scalar(ctx.conn, f"SELECT count(*) {base}", args)
    rows = db.all_rows(
        ctx.conn,
        f"SELECT s.* {base} ORDER BY s.cast_at DESC NULLS LAST, s.created_at DESC, s.id DESC "
        "LIMIT %s OFFSET %s",
        [*args, *reversed(page(ctx))],
    )
    return respond(ctx, rows, serializer="stance", root="stances", total=total)


ROUTES = [
    Route("/api/v1/stances", endpoint(index), methods=["GET"]),
    Route("/api/v1/stances", endpoint(create), methods=["POST"]),
    Route("/api/v1/stances/{id}", endpoint(update), methods=["PATCH", "PUT"]),
    Route("/api/v1/stances/{id}/uncast", endpoint(uncast), methods=["PATCH"]),
]
