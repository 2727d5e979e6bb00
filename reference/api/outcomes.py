"""Outcomes: create and update (OutcomesController; exclude_types fixed to discussion, event)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from reference import db
from reference.api.common import respond
from reference.domain import outcomes
from reference.domain.poll_params import to_int
from reference.serialize import polls as _polls_ser  # noqa: F401  # registers serializers
from reference.serialize.core import event_serializer
from reference.web import ApiError, Ctx, endpoint, permit


def _params(ctx: Ctx) -> dict[str, Any]:
    return permit(ctx.require("outcome"), outcomes.OUTCOME_PERMITTED)


def _respond(ctx: Ctx, event: Any) -> Any:
    ctx.scope["exclude_types"] = {"discussion", "event"}
    return respond(ctx, [event], serializer=event_serializer(), root="events")


def create(ctx: Ctx) -> Any:
    params = _params(ctx)
    return _respond(ctx, outcomes.create(ctx, params))


def update(ctx: Ctx) -> Any:
    ident = ctx.path_params["id"]
    outcome = db.one(ctx.conn, "SELECT * FROM outcomes WHERE id = %s", (to_int(ident) or 0,))
    if outcome is None:
        raise ApiError(
            404,
            {
                "exception": "ActiveRecord::RecordNotFound",
                "error": f"Couldn't find Outcome with 'id'={ident}",
            },
        )
    params = _params(ctx)
    return _respond(ctx, outcomes.update(ctx, outcome, params))


ROUTES = [
    Route("/api/v1/outcomes", endpoint(create), methods=["POST"]),
    Route("/api/v1/outcomes/{id}", endpoint(update), methods=["PATCH", "PUT"]),
]
