"""Shared helpers of the poll endpoint tests: a migrated database, reference servers as real
uvicorn subprocesses (one per fault set), SQL seeding of users/groups/discussions, HTTP."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import psycopg
import requests

from harness.ports import free_port
from harness.postgres import LocalPostgres

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
_counter = itertools.count(1)


@dataclass(frozen=True)
class Server:
    url: str
    process: subprocess.Popen[bytes]

    def call(
        self, method: str, path: str, user: str | None = None, body: Any = None, **params: Any
    ) -> requests.Response:
        auth = (user, PASSWORD) if user else None
        return requests.request(
            method, self.url + path, json=body, params=params or None, auth=auth, timeout=10
        )


@contextmanager
def reference_server(dsn: str, faults: tuple[str, ...] = ()) -> Iterator[Server]:
    """`python -m reference serve` on a free port, waited for on /up, stopped afterwards."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [
        sys.executable,
        "-m",
        "reference",
        "serve",
        "--port",
        str(port),
        "--database-url",
        dsn,
        "--faults",
        ",".join(faults),
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115  # closed in finally; a pipe could block
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    try:
        while True:
            if process.poll() is not None:
                log.seek(0)
                err = log.read().decode(errors="replace")
                raise RuntimeError(f"reference server exited: {err}")
            try:
                if requests.get(url + "/up", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("reference server not ready after 20s")
            time.sleep(0.05)
        yield Server(url, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log.close()


def migrated_database(cluster: LocalPostgres) -> str:
    name = f"polls_{uuid.uuid4().hex[:10]}"
    dsn = cluster.create_database(name)
    done = subprocess.run(
        [sys.executable, "-m", "reference", "migrate", "--database-url", dsn],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    return dsn


class Seed:
    """Direct SQL seeding, the way the harness seeds a Loomio database."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)

    def one(self, query: str, *args: Any) -> Any:
        row = self.conn.execute(query, args).fetchone()
        return None if row is None else row[0]

    def all(self, query: str, *args: Any) -> list[dict[str, Any]]:
        cursor = self.conn.execute(query, args)
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def user(self, name: str | None = None) -> tuple[int, str]:
        n = next(_counter)
        email = f"u{n}-{uuid.uuid4().hex[:6]}@example.org"
        uid = self.one(
            "INSERT INTO users (email, encrypted_password, name, username, email_verified, "
            "created_at, updated_at, avatar_initials) VALUES (%s, %s, %s, %s, true, now(), now(), "
            "'U') RETURNING id",
            email,
            _HASH,
            name or f"User {n}",
            f"user{n}{uuid.uuid4().hex[:4]}",
        )
        return uid, email

    def group(self, **flags: Any) -> int:
        n = next(_counter)
        cols = {
            "name": f"Group {n}",
            "full_name": f"Group {n}",
            "key": f"g{uuid.uuid4().hex[:7]}",
            "handle": f"group-{n}-{uuid.uuid4().hex[:4]}",
            **flags,
        }
        names = ", ".join(cols)
        marks = ", ".join(["%s"] * len(cols))
        return int(
            self.one(
                f"INSERT INTO groups ({names}, created_at, updated_at) VALUES ({marks}, now(), "
                "now()) RETURNING id",
                *cols.values(),
            )
        )

    def member(self, group_id: int, user_id: int, admin: bool = False) -> None:
        self.conn.execute(
            "INSERT INTO memberships (group_id, user_id, admin, accepted_at, created_at, "
            "updated_at) VALUES (%s, %s, %s, now(), now(), now())",
            (group_id, user_id, admin),
        )

    def discussion(self, group_id: int, author_id: int) -> int:
        did = self.one(
            "INSERT INTO discussions (group_id, author_id, title, key, private, created_at, "
            "updated_at, last_activity_at) VALUES (%s, %s, 'Thread', %s, true, now(), now(), "
            "now()) RETURNING id",
            group_id,
            author_id,
            f"d{uuid.uuid4().hex[:7]}",
        )
        self.conn.execute(
            "INSERT INTO events (kind, eventable_type, eventable_id, user_id, created_at, "
            "updated_at) VALUES ('new_discussion', 'Discussion', %s, %s, now(), now())",
            (did, author_id),
        )
        return int(did)

    def close(self) -> None:
        self.conn.close()


@dataclass
class Team:
    """A group with an admin, the poll author (member) and plain members."""

    group_id: int
    admin: str
    author: str
    members: list[str]
    ids: dict[str, int]
    discussion_id: int


def team(seed: Seed, members: int = 3) -> Team:
    group_id = seed.group()
    ids: dict[str, int] = {}
    emails: list[str] = []
    for i in range(members + 2):
        uid, email = seed.user()
        seed.member(group_id, uid, admin=i == 0)
        ids[email] = uid
        emails.append(email)
    discussion_id = seed.discussion(group_id, ids[emails[0]])
    return Team(group_id, emails[0], emails[1], emails[2:], ids, discussion_id)


def future(days: int = 3) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + days * 86400))


def create_poll(
    server: Server,
    t: Team,
    poll_type: str,
    options: list[str] | None = None,
    in_thread: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """POST /api/v1/polls as the team's author; returns the poll record of the answer."""
    poll: dict[str, Any] = {
        "poll_type": poll_type,
        "title": f"A {poll_type}",
        "closing_at": future(),
        **extra,
    }
    if options is not None:
        poll["options"] = options
    if in_thread:
        poll["discussion_id"] = t.discussion_id
    else:
        poll["group_id"] = t.group_id
    answer = server.call("POST", "/api/v1/polls", t.author, {"poll": poll})
    assert answer.status_code == 200, answer.text
    return answer.json()["polls"][0]


def option_ids(server: Server, user: str, poll_id: int) -> dict[str, int]:
    body = server.call("GET", f"/api/v1/polls/{poll_id}", user).json()
    return {o["name"]: o["id"] for o in body["poll_options"]}


def vote(
    server: Server, user: str, poll_id: int, choices: list[tuple[int, int]], **extra: Any
) -> requests.Response:
    attributes = [{"poll_option_id": o, "score": s} for o, s in choices]
    stance = {"poll_id": poll_id, **extra, "stance_choices_attributes": attributes}
    return server.call("POST", "/api/v1/stances", user, {"stance": stance})


def get_poll(server: Server, user: str | None, poll_id: int) -> dict[str, Any]:
    answer = server.call("GET", f"/api/v1/polls/{poll_id}", user)
    assert answer.status_code == 200, answer.text
    return answer.json()["polls"][0]
