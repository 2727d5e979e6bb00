"""A minimal real ASGI backend for the harness' own tests (not Loomio; just its login shape).

    python tests/harness/miniapp.py migrate --database-url URL
    python tests/harness/miniapp.py serve --port N --database-url URL   (or PORT, DATABASE_URL)

Knobs (environment): MINIAPP_READY_STATUS (status of GET /up, default 200),
MINIAPP_SPAWN_CHILD=1 (start a grandchild process, to test process-group teardown).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import os
import secrets
import subprocess
import sys

import bcrypt
import psycopg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  id serial PRIMARY KEY, email varchar, encrypted_password varchar(128) DEFAULT '',
  email_verified boolean DEFAULT false NOT NULL, name varchar(255), is_admin boolean DEFAULT false,
  secret_token varchar, created_at timestamp, updated_at timestamp);
CREATE TABLE IF NOT EXISTS groups (
  id serial PRIMARY KEY, name varchar(255), parent_id integer, key varchar(255),
  is_visible_to_public boolean DEFAULT true NOT NULL, created_at timestamp, updated_at timestamp);
CREATE TABLE IF NOT EXISTS memberships (
  id serial PRIMARY KEY, group_id integer, user_id integer, admin boolean DEFAULT false NOT NULL,
  accepted_at timestamp, created_at timestamp, updated_at timestamp);
CREATE TABLE IF NOT EXISTS discussions (
  id serial PRIMARY KEY, group_id integer, author_id integer, title varchar(255),
  private boolean DEFAULT true NOT NULL, created_at timestamp, updated_at timestamp);
CREATE TABLE IF NOT EXISTS discussion_readers (
  id serial PRIMARY KEY, user_id integer NOT NULL, discussion_id integer NOT NULL,
  guest boolean DEFAULT false NOT NULL, admin boolean DEFAULT false NOT NULL,
  created_at timestamp, updated_at timestamp);
"""
SECRET = secrets.token_bytes(16)


def _sign(user_id: int) -> str:
    mac = hashlib.sha256(SECRET + str(user_id).encode()).hexdigest()[:16]
    return f"{user_id}--{mac}"


def _user_from(request: Request) -> dict[str, object] | None:
    dsn = request.app.state.dsn
    header = request.headers.get("authorization", "")
    with psycopg.connect(dsn) as conn:
        if header.startswith("Basic "):
            email, _, password = base64.b64decode(header[6:]).decode().partition(":")
            row = conn.execute(
                "SELECT id, email, name, encrypted_password FROM users WHERE email = %s", (email,)
            ).fetchone()
            if row and bcrypt.checkpw(password.encode(), row[3].encode()):
                return {"id": row[0], "email": row[1], "name": row[2]}
            return None
        cookie = request.cookies.get("_loomio", "")
        user_id, _, _ = cookie.partition("--")
        if cookie and user_id.isdigit() and _sign(int(user_id)) == cookie:
            row = conn.execute(
                "SELECT id, email, name FROM users WHERE id = %s", (int(user_id),)
            ).fetchone()
            return {"id": row[0], "email": row[1], "name": row[2]} if row else None
    return None


def _csrf(response: Response) -> Response:
    response.set_cookie("csrftoken", secrets.token_hex(8))
    return response


async def up(request: Request) -> Response:
    return Response("ok", status_code=int(os.environ.get("MINIAPP_READY_STATUS", "200")))


async def login(request: Request) -> Response:
    body = await request.json()
    email, password = body["user"]["email"], body["user"]["password"]
    with psycopg.connect(request.app.state.dsn) as conn:
        row = conn.execute(
            "SELECT id, encrypted_password, email_verified FROM users WHERE email = %s", (email,)
        ).fetchone()
    if not row or not row[2] or not bcrypt.checkpw(password.encode(), row[1].encode()):
        return _csrf(JSONResponse({"error": "invalid"}, status_code=401))
    response = JSONResponse({"current_user_id": row[0]})
    # Secure, as production servers mark it: the harness must still send it to 127.0.0.1
    response.set_cookie("_loomio", _sign(row[0]), httponly=True, secure=True)
    response.set_cookie("signed_in", "1")
    return _csrf(response)


async def me(request: Request) -> Response:
    user = _user_from(request)
    if user is None:
        return _csrf(JSONResponse({"error": "forbidden"}, status_code=403))
    return _csrf(JSONResponse({"users": [user]}))


async def write(request: Request) -> Response:
    """A write guarded like Loomio's CSRF check: cookie present => header must match."""
    cookie = request.cookies.get("csrftoken")
    if cookie and request.headers.get("x-csrf-token") != cookie:
        return _csrf(JSONResponse({"error": "csrf"}, status_code=422))
    user = _user_from(request)
    return _csrf(JSONResponse({"ok": True, "user_id": user and user["id"]}))


async def slow(request: Request) -> Response:
    await asyncio.sleep(float(request.query_params.get("seconds", "5")))
    return JSONResponse({"slept": True})


async def register(request: Request) -> Response:
    """Sign up (a backend with its own schema is seeded through calls like this one)."""
    body = await request.json()
    hashed = bcrypt.hashpw(body["password"].encode(), bcrypt.gensalt(4)).decode()
    with psycopg.connect(request.app.state.dsn) as conn:
        taken = conn.execute("SELECT 1 FROM users WHERE email = %s", (body["email"],)).fetchone()
        if taken:
            return JSONResponse({"error": "email taken"}, status_code=409)
        row = conn.execute(
            "INSERT INTO users (email, name, encrypted_password, email_verified) "
            "VALUES (%s, %s, %s, true) RETURNING id",
            (body["email"], body["name"], hashed),
        ).fetchone()
    return JSONResponse({"user": {"id": row[0], "email": body["email"]}}, status_code=201)


async def create_group(request: Request) -> Response:
    user = _user_from(request)
    if user is None:
        return _csrf(JSONResponse({"error": "sign in first"}, status_code=401))
    body = await request.json()
    with psycopg.connect(request.app.state.dsn) as conn:
        row = conn.execute(
            "INSERT INTO groups (name, parent_id) VALUES (%s, %s) RETURNING id",
            (body["name"], body.get("parent_id")),
        ).fetchone()
        conn.execute(
            "INSERT INTO memberships (group_id, user_id, admin) VALUES (%s, %s, true)",
            (row[0], user["id"]),
        )
    return _csrf(JSONResponse({"group": {"id": row[0]}}, status_code=201))


def build_app(dsn: str) -> Starlette:
    app = Starlette(
        routes=[
            Route("/up", up),
            Route("/api/v1/sessions", login, methods=["POST"]),
            Route("/api/v1/profile/me", me),
            Route("/api/v1/write", write, methods=["POST"]),
            Route("/slow", slow),
            Route("/api/v1/registrations", register, methods=["POST"]),
            Route("/api/v1/groups", create_group, methods=["POST"]),
        ]
    )
    app.state.dsn = dsn
    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=("migrate", "serve"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "0")))
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if args.command == "migrate":
        with psycopg.connect(args.database_url) as conn:
            conn.execute(SCHEMA)
        return 0
    if os.environ.get("MINIAPP_SPAWN_CHILD"):
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    print(f"miniapp serving on {args.port}", flush=True)
    uvicorn.run(build_app(args.database_url), host="127.0.0.1", port=args.port, log_level="info")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
