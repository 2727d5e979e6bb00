"""build_app(database_url, faults, redis_url) -> Starlette: routes from every API module's ROUTES list."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from reference import db, faults, live
from reference.web import json_response

# API areas; each module has ROUTES: list[Route]. Serializer and domain modules they need
# are imported by them. Polls engineer: polls, stances, outcomes go at the end of this list.
API_MODULES = [
    "reference.api.sessions",
    "reference.api.profile",
    "reference.api.boot",
    "reference.api.groups",
    "reference.api.memberships",
    "reference.api.discussions",
    "reference.api.discussion_readers",
    "reference.api.comments",
    "reference.api.events",
    "reference.api.polls",
    "reference.api.stances",
    "reference.api.outcomes",
]

# Modules that declare faults but are not reached through API_MODULES imports.
EXTRA_MODULES = [
    "reference.serialize.core",
    "reference.domain.threading",
    "reference.domain.permissions",
]


def import_all_modules() -> list[BaseRoute]:
    """Import every API module (declaring all faults); returns their routes in order."""
    routes: list[BaseRoute] = []
    for name in API_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # an area not written yet
        routes.extend(module.ROUTES)
    for name in EXTRA_MODULES:
        importlib.import_module(name)
    _optional("reference.serialize.polls")
    return routes


def _optional(name: str) -> None:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name != name:
            raise


async def up(request: Request) -> Response:
    return PlainTextResponse("ok")


async def api_not_found(request: Request) -> Response:
    # Rails public-exceptions JSON for a route that matches nothing (or has no action).
    return json_response({"status": 404, "error": "Not Found"}, 404)


def build_app(
    database_url: str,
    fault_names: list[str] | tuple[str, ...] = (),
    redis_url: str | None = None,
) -> Starlette:
    """The ASGI app on a pool for database_url, with exactly these faults switched on;
    live updates are published to redis_url (none without it)."""
    api_routes = import_all_modules()
    faults.activate(list(fault_names))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.pool = db.open_pool(database_url)
        live.start(redis_url, app.state.pool)
        try:
            yield
        finally:
            live.stop()
            app.state.pool.close()

    routes: list[BaseRoute] = [
        Route("/up", up, methods=["GET", "HEAD"]),
        *api_routes,
        Route("/api/{rest:path}", api_not_found, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.faults = faults.active()
    return app
