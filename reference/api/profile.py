"""GET /api/v1/profile/me: the caller with UserSerializer (403 for visitors)."""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from reference.serialize import core as _core  # noqa: F401  # registers the user serializers
from reference.serialize import render
from reference.web import Ctx, endpoint, forbidden


def me(ctx: Ctx) -> Any:
    if ctx.user is None:
        raise forbidden()
    return render(ctx, [ctx.user], serializer="user", root="users")


ROUTES = [Route("/api/v1/profile/me", endpoint(me), methods=["GET"])]
