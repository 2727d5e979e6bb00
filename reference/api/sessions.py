"""POST/DELETE /api/v1/sessions: password login (Devise) and logout; the boot payload."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response
from starlette.routing import Route

from reference import auth, db
from reference.serialize import core as _core  # noqa: F401  # registers the user serializers
from reference.serialize import render
from reference.web import ApiError, Ctx, endpoint, json_response, now

MAX_FAILED_ATTEMPTS = 20


def boot_payload(ctx: Ctx, user: dict[str, Any]) -> dict[str, Any]:
    """{"users": [CurrentUser], "current_user_id", "pending_identity", "flash", "channel_token"}."""
    body = render(ctx, [user], serializer="current_user", root="users", meta=False)
    return {
        "users": body["users"],
        "current_user_id": user["id"],
        "pending_identity": {},
        "flash": {},
        "channel_token": None,
    }


def _login_failed(key: str) -> ApiError:
    return ApiError(401, {"errors": {"password": [key]}})


def create(ctx: Ctx) -> Any:
    params = ctx.params.get("user") if isinstance(ctx.params.get("user"), dict) else {}
    email = str(params.get("email") or "")
    password = params.get("password")
    user = auth.find_by_email(ctx, email) if email else None
    if user is None or password is None:  # find_by_email: verified users only
        raise _login_failed("auth_form.invalid_password")
    if user["failed_attempts"] >= MAX_FAILED_ATTEMPTS or user["locked_at"] is not None:
        raise _login_failed("auth_form.account_locked")
    if not auth.password_matches(user, str(password)):
        return _count_failure(ctx, user)
    auth.refuse_inactive(user)  # Devise: the strategy succeeded, then activatable refuses
    changes: dict[str, Any] = {
        "failed_attempts": 0,
        "sign_in_count": (user["sign_in_count"] or 0) + 1,
        "last_sign_in_at": user["current_sign_in_at"],
        "current_sign_in_at": now(),
        "remember_created_at": now(),
    }
    if params.get("name"):
        changes["name"] = str(params["name"])
    user = db.update(ctx.conn, "users", user["id"], changes)
    ctx.user = user
    auth.sign_in(ctx, user)
    return boot_payload(ctx, user)


def _count_failure(ctx: Ctx, user: dict[str, Any]) -> Response:
    """Devise counts the failed attempt (committed: the 401 is returned, not raised)."""
    attempts = (user["failed_attempts"] or 0) + 1
    locked = now() if attempts >= MAX_FAILED_ATTEMPTS else None
    db.update(ctx.conn, "users", user["id"], {"failed_attempts": attempts, "locked_at": locked})
    key = "auth_form.account_locked" if locked else "auth_form.invalid_password"
    return json_response({"errors": {"password": [key]}}, 401)


def destroy(ctx: Ctx) -> Any:
    if ctx.user is not None:
        db.update(ctx.conn, "users", ctx.user["id"], {"secret_token": str(uuid.uuid4())})
    auth.sign_out(ctx)
    return {"success": "ok"}


ROUTES = [
    Route("/api/v1/sessions", endpoint(create), methods=["POST"]),
    Route("/api/v1/sessions", endpoint(destroy), methods=["DELETE"]),
]
