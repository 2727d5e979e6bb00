"""Who is calling: the `_loomio` session cookie (signed with a per-process secret) or HTTP Basic.

Like Rails' `secret_key_base`, `SECRET_KEY_BASE` in the environment fixes the signing key, so
processes given the same one (Rails and Go behind one router) accept each other's cookies.

Loomio (Devise) accepts either on every API request. As Devise does (config/initializers/
devise.rb: `case_insensitive_keys`, `strip_whitespace_keys`; User.find_for_database_
authentication), an email is looked up stripped and downcased among verified users. The
session names the user and their `authenticatable_salt` (the bcrypt salt, the first 29
characters of `encrypted_password`), as Warden's cookie-store session does: signing out
sends the cookie's deletion, but a copy of the old cookie stays valid until the password
changes (Rails' cookie store keeps no server-side session to end). A deactivated user is
refused with Devise's 401 wherever they authenticate (Devise's activatable hook:
`active_for_authentication?` is false once `deactivated_at` is set).

Passwords are bcrypt (`$2a$` from Devise, `$2b$` from Python); successful checks are
remembered in-process under a digest so HTTP Basic does not pay bcrypt on every request.
Passwords and cookies are never logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from typing import Any

import bcrypt
from starlette.responses import Response

from reference import db, faults
from reference.db import Row
from reference.web import ApiError, Ctx

SESSION_COOKIE = "_loomio"
SIGNED_IN_COOKIE = "signed_in"
_SECRET = (
    hashlib.sha256(os.environ["SECRET_KEY_BASE"].encode()).digest()
    if os.environ.get("SECRET_KEY_BASE")
    else secrets.token_bytes(32)
)
_VERIFIED: dict[bytes, bool] = {}


def _sign(payload: bytes) -> str:
    return hmac.new(_SECRET, payload, hashlib.sha256).hexdigest()


INACTIVE = {"error": "Your account is not activated yet."}  # devise.failure.inactive
_RUBY_WHITESPACE = " \t\n\v\f\r\0"  # what Ruby's String#strip removes

F_EMAIL_CASE = faults.declare(
    "session_email_case_sensitive",
    "permission",
    "sign-in compares the email as typed (case kept): Alice@Example.org cannot sign in",
)
F_DEACTIVATED = faults.declare(
    "session_deactivated_signs_in",
    "permission",
    "a deactivated user can still sign in (password, HTTP Basic or an old session cookie)",
)


def salt_of(user: Row) -> str:
    """Devise's `authenticatable_salt`: the bcrypt salt of the stored password."""
    return str(user.get("encrypted_password") or "")[:29]


def session_cookie(user: Row) -> str:
    payload = base64.urlsafe_b64encode(
        json.dumps({"uid": user["id"], "st": salt_of(user)}).encode()
    )
    return f"{payload.decode()}--{_sign(payload)}"


def _session_user_id(value: str) -> tuple[int, str] | None:
    """(user id, password salt) of a session cookie signed by this key, else None."""
    payload, _, signature = value.rpartition("--")
    if not payload or not hmac.compare_digest(_sign(payload.encode()), signature):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload))
        return int(data["uid"]), str(data["st"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None


def password_matches(user: Row, password: str) -> bool:
    """bcrypt check of a Devise `encrypted_password`, remembered per (user, hash, password)."""
    stored = user.get("encrypted_password") or ""
    if not stored.startswith("$2"):
        return False
    digest = hashlib.sha256(f"{user['id']}\0{stored}\0{password}".encode()).digest()
    if digest in _VERIFIED:
        return True
    try:
        ok = bcrypt.checkpw(password.encode(), stored.encode())
    except ValueError:
        return False
    if ok:
        if len(_VERIFIED) > 10_000:
            _VERIFIED.clear()
        _VERIFIED[digest] = True
    return ok


def _basic_user(ctx: Ctx, header: str) -> Row | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        email, _, password = base64.b64decode(encoded).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user = find_by_email(ctx, email)
    if user and password_matches(user, password):
        return user
    return None


def typed_email(email: str) -> str:
    """The email as Devise looks it up: stripped (Ruby's whitespace) and downcased."""
    stripped = email.strip(_RUBY_WHITESPACE)
    return stripped if F_EMAIL_CASE.on else stripped.lower()


def find_by_email(ctx: Ctx, email: str) -> Row | None:
    """The verified user with this email (User.find_for_database_authentication)."""
    # users.email is citext, as in Loomio's schema: the fault compares it as text
    column = "email::text" if F_EMAIL_CASE.on else "email"
    return db.one(
        ctx.conn,
        f"SELECT * FROM users WHERE {column} = %s AND email_verified",
        (typed_email(email),),
    )


def refuse_inactive(user: Row) -> None:
    """Devise's activatable hook: a deactivated user gets the failure app's 401."""
    if user["deactivated_at"] is not None and not F_DEACTIVATED.on:
        raise ApiError(401, INACTIVE)


def authenticate(ctx: Ctx) -> Row | None:
    """The calling user (HTTP Basic first, then the session cookie), or None for a visitor."""
    header = ctx.request.headers.get("authorization")
    if header:
        user = _basic_user(ctx, header)
        if user:
            refuse_inactive(user)
            return _remember(ctx, user)
    cookie = ctx.request.cookies.get(SESSION_COOKIE)
    if cookie:
        found = _session_user_id(cookie)
        if found:
            user = db.one(ctx.conn, "SELECT * FROM users WHERE id = %s", (found[0],))
            if user and salt_of(user) == found[1]:
                refuse_inactive(user)
                return _remember(ctx, user)
    return None


def _remember(ctx: Ctx, user: Row) -> Row:
    ctx.cache[("User", user["id"])] = user
    return user


def sign_in(ctx: Ctx, user: Row) -> None:
    ctx.set_cookies.append((SESSION_COOKIE, session_cookie(user)))
    ctx.set_cookies.append((SIGNED_IN_COOKIE, "1"))


F_SIGN_OUT_KEEPS = faults.declare(
    "session_kept_after_sign_out",
    "permission",
    "sign-out answers success but leaves the session cookie in place: the browser stays signed in",
)


def sign_out(ctx: Ctx) -> None:
    if F_SIGN_OUT_KEEPS.on:
        return
    ctx.set_cookies.append((SESSION_COOKIE, None))
    ctx.set_cookies.append((SIGNED_IN_COOKIE, None))


def write_cookies(ctx: Ctx | Any, response: Response) -> None:
    for name, value in getattr(ctx, "set_cookies", ()):
        if value is None:
            response.delete_cookie(name, path="/")
        else:
            response.set_cookie(
                name, value, path="/", httponly=name == SESSION_COOKIE, samesite="lax"
            )
