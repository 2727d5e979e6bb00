"""Fixtures for the reference backend's own tests: a migrated template database, real uvicorn
subprocesses on clones of it (one shared clean server, and servers with faults on), SQL
seeding (bcrypt cost 4) and a small HTTP client per actor.

Tests stay independent by working only inside objects they create (fresh users, groups).
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bcrypt
import psycopg
import pytest
import requests
from psycopg.rows import dict_row

from harness.ports import free_port
from harness.postgres import LocalPostgres

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse"
PASSWORD_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode().replace("$2b$", "$2a$")
_counter = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter)}{uuid.uuid4().hex[:6]}"


@dataclass
class Server:
    """A running `python -m reference` process on its own database clone."""

    base: str
    dsn: str
    process: subprocess.Popen[bytes]
    log: Path
    faults: tuple[str, ...] = ()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    dsn: str, faults: tuple[str, ...], log_dir: Path, env: dict[str, str] | None = None
) -> Server:
    port = free_port()
    log = log_dir / f"reference-{port}.log"
    env = {**os.environ, "PARITY_FAULTS": ",".join(faults), **(env or {})}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reference",
                "serve",
                "--port",
                str(port),
                "--database-url",
                dsn,
                "--no-migrate",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", dsn, process, log, faults)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if requests.get(server.base + "/up", timeout=1).status_code == 200:
                return server
        except requests.ConnectionError:
            time.sleep(0.05)
    server.stop()
    pytest.fail(
        f"reference backend did not start on {server.base}:\n{log.read_text()[-3000:]}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def reference_template(pg_cluster: LocalPostgres) -> str:
    """Name of a database migrated with reference/migrations (cloned per server)."""
    name = f"ref_template_{uuid.uuid4().hex[:8]}"
    dsn = pg_cluster.create_database(name)
    done = subprocess.run(
        [sys.executable, "-m", "reference", "migrate", "--database-url", dsn],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"migrate failed:\n{done.stderr}", pytrace=False)
    return name


@pytest.fixture(scope="session")
def server_factory(
    pg_cluster: LocalPostgres, reference_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """start(faults=()) -> Server on a fresh clone; all stopped at session end."""
    started: list[Server] = []
    log_dir = tmp_path_factory.mktemp("reference-logs")

    def start(faults: tuple[str, ...] = ()) -> Server:
        name = f"ref_{uuid.uuid4().hex[:10]}"
        dsn = pg_cluster.create_database(name, template=reference_template)
        server = start_server(dsn, tuple(faults), log_dir)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def server(server_factory: Any) -> Server:
    """The shared clean reference server."""
    return server_factory(())


# ---------------------------------------------------------------- seeding


class Seeder:
    """SQL seeding like a seeder for real Loomio would do it (Loomio column names)."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True, row_factory=dict_row)

    def sql(self, query: str, params: Any = ()) -> list[dict[str, Any]]:
        cur = self.conn.execute(query, params)
        return cur.fetchall() if cur.description else []

    def one(self, query: str, params: Any = ()) -> dict[str, Any]:
        return self.sql(query, params)[0]

    def user(
        self, name: str | None = None, *, verified: bool = True, admin: bool = False
    ) -> dict[str, Any]:
        name = name or unique("User ")
        handle = unique("u")
        return self.one(
            """INSERT INTO users (name, email, username, encrypted_password, email_verified, is_admin,
                 avatar_initials, created_at, updated_at)
               VALUES (%s, %s, %s, %s, %s, %s, %s, now(), now()) RETURNING *""",
            (
                name,
                f"{handle}@example.org",
                handle,
                PASSWORD_HASH,
                verified,
                admin,
                name[:2].upper(),
            ),
        )

    def group(
        self,
        creator: dict[str, Any] | None = None,
        *,
        privacy: str = "closed",
        parent: dict[str, Any] | None = None,
        **flags: Any,
    ) -> dict[str, Any]:
        visible = {"open": True, "closed": True, "secret": False}[privacy]
        options = {"open": "public_only", "closed": "private_only", "secret": "private_only"}[
            privacy
        ]
        values = {
            "name": unique("Group "),
            "key": unique("gk"),
            "is_visible_to_public": visible,
            "discussion_privacy_options": options,
            "creator_id": creator["id"] if creator else None,
            "parent_id": parent["id"] if parent else None,
            "membership_granted_upon": "invitation" if privacy == "secret" else "approval",
            "created_at": datetime.now(UTC).replace(tzinfo=None),
            "updated_at": datetime.now(UTC).replace(tzinfo=None),
            **flags,
        }
        values["full_name"] = values["name"]
        cols = ", ".join(f'"{c}"' for c in values)
        marks = ", ".join(["%s"] * len(values))
        group = self.one(
            f"INSERT INTO groups ({cols}) VALUES ({marks}) RETURNING *", tuple(values.values())
        )
        if creator:
            self.member(group, creator, admin=True)
        return group

    def member(
        self,
        group: dict[str, Any],
        user: dict[str, Any],
        *,
        admin: bool = False,
        accepted: bool = True,
        revoked: bool = False,
        inviter: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        row = self.one(
            """INSERT INTO memberships (group_id, user_id, admin, accepted_at, revoked_at, inviter_id, volume,
                 created_at, updated_at)
               VALUES (%s, %s, %s, CASE WHEN %s THEN now() END, CASE WHEN %s THEN now() END, %s, 2, now(), now())
               RETURNING *""",
            (group["id"], user["id"], admin, accepted, revoked, inviter["id"] if inviter else None),
        )
        self.sql(
            """UPDATE groups g SET memberships_count = (SELECT count(*) FROM memberships WHERE group_id = g.id
                 AND revoked_at IS NULL), admin_memberships_count = (SELECT count(*) FROM memberships
                 WHERE group_id = g.id AND admin AND revoked_at IS NULL) WHERE id = %s""",
            (group["id"],),
        )
        return row

    def guest(
        self,
        discussion_id: int,
        user: dict[str, Any],
        *,
        admin: bool = False,
        revoked: bool = False,
        inviter: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        return self.one(
            """INSERT INTO discussion_readers (discussion_id, user_id, guest, admin, inviter_id, token, revoked_at,
                 created_at, updated_at)
               VALUES (%s, %s, true, %s, %s, %s, CASE WHEN %s THEN now() END, now(), now()) RETURNING *""",
            (
                discussion_id,
                user["id"],
                admin,
                inviter["id"] if inviter else None,
                unique("tok"),
                revoked,
            ),
        )


@dataclass
class Client:
    """HTTP Basic as one user (or a visitor); returns (status, json)."""

    base: str
    email: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def call(self, method: str, path: str, **kwargs: Any) -> tuple[int, Any]:
        if self.email:
            kwargs.setdefault("auth", (self.email, PASSWORD))
        response = self.session.request(method, self.base + path, timeout=30, **kwargs)
        try:
            body = response.json()
        except ValueError:
            body = response.text
        return response.status_code, body

    def get(self, path: str, **params: Any) -> tuple[int, Any]:
        return self.call("GET", path, params=params)

    def post(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("POST", path, json=body)

    def patch(self, path: str, body: Any = None) -> tuple[int, Any]:
        return self.call("PATCH", path, json=body)

    def delete(self, path: str, **params: Any) -> tuple[int, Any]:
        return self.call("DELETE", path, params=params)


@dataclass
class World:
    """A server plus its seeder and clients: what a test works with."""

    server: Server
    seed: Seeder

    def client(self, user: dict[str, Any] | None = None) -> Client:
        return Client(self.server.base, user["email"] if user else None)

    @property
    def visitor(self) -> Client:
        return Client(self.server.base)

    def thread(
        self, group: dict[str, Any] | None, author: dict[str, Any], **fields: Any
    ) -> dict[str, Any]:
        """POST a discussion as author; returns the discussion record from the answer."""
        body = {
            "title": unique("Thread "),
            "description": "<p>hi</p>",
            "description_format": "html",
            **fields,
        }
        if group is not None:
            body["group_id"] = group["id"]
        status, answer = self.client(author).post("/api/v1/discussions", {"discussion": body})
        assert status == 200, answer
        return answer["discussions"][0]

    def comment(
        self,
        author: dict[str, Any],
        discussion_id: int,
        parent: int | None = None,
        body: str = "<p>c</p>",
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "discussion_id": discussion_id,
            "body": body,
            "body_format": "html",
        }
        if parent:
            payload.update(parent_id=parent, parent_type="Comment")
        status, answer = self.client(author).post("/api/v1/comments", {"comment": payload})
        assert status == 200, answer
        return answer


@pytest.fixture(scope="session")
def world(server: Server) -> Iterator[World]:
    seeder = Seeder(server.dsn)
    try:
        yield World(server, seeder)
    finally:
        seeder.conn.close()
