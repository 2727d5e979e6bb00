"""Lockstep requests to two reference instances on clones of one seeded database.

`two_instances()` seeds `default_world()` once, clones it twice (CREATE DATABASE … TEMPLATE),
shifts the second clone's sequences so new rows get other ids, and starts a server on each.
`Walk` sends each request to both: canonical names in paths (`<discussions#3>`), bodies and
parameters are resolved per instance through its own `CanonicalIds`; the answers are compared
with harness.compare and every difference is kept with the request that produced it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from harness.actors import Actor
from harness.client import BackendClient
from harness.compare import Difference, compare
from harness.http import ApiRequest, ApiResponse
from harness.normalize import CanonicalIds, normalize
from harness.postgres import LocalPostgres
from harness.seed import SqlSeeder, build_rows, default_world
from tests.reference.conftest import Server, start_server

_CANONICAL = re.compile(r"^[a-z_]+(?:\.[a-z_]+)?#\d+$")
_INLINE = re.compile(r"<([a-z_]+(?:\.[a-z_]+)?#\d+)>")


@dataclass
class Side:
    client: BackendClient
    ids: CanonicalIds = field(default_factory=CanonicalIds)

    def resolve(self, value: Any) -> Any:
        """Canonical names -> this instance's raw ids (whole strings, or `<name>` inline)."""
        if isinstance(value, str) and _CANONICAL.match(value):
            return self.ids.raw(value)
        if isinstance(value, str):
            return _INLINE.sub(lambda m: str(self.ids.raw(m[1])), value)
        if isinstance(value, dict):
            return {k: self.resolve(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        return value


@dataclass
class Walk:
    """Sends each request to both instances; keeps every difference and every status."""

    left: Side
    right: Side
    differences: list[tuple[str, Difference]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def __call__(
        self,
        actor: str | None,
        method: str,
        path: str,
        body: Any = None,
        expect: int = 200,
        **params: Any,
    ) -> Any:
        """One request to both; returns the left answer normalized (canonical ids)."""
        answers: list[ApiResponse] = []
        for side in (self.left, self.right):
            request = ApiRequest(
                method=method,
                path=side.resolve(path),
                params=tuple((k, str(side.resolve(v))) for k, v in params.items()),
                json=side.resolve(body),
                actor=actor,
            )
            answers.append(side.client.send(request))
        label = f"{actor or 'visitor'}: {method} {path} {params or ''}".strip()
        self.requests.append(label)
        assert answers[0].status == expect, f"{label} -> {answers[0].status}: {answers[0].text}"
        found = compare(*answers, rails_ids=self.left.ids, go_ids=self.right.ids)
        self.differences.extend((label, d) for d in found)
        return _canon(answers[0], self.left.ids)


def _canon(answer: ApiResponse, ids: CanonicalIds) -> Any:
    # normalize() already assigned every id of this body in `ids`: naming again is stable.
    return normalize(answer.body, ids).body if answer.body is not None else None


@dataclass
class Pair:
    walk: Walk
    seeded: dict[str, int]
    actors: dict[str, Actor]


@contextmanager
def two_instances(
    cluster: LocalPostgres, template: str, log_dir: Path, right_faults: tuple[str, ...] = ()
) -> Iterator[Pair]:
    """One seeded database (default_world), cloned twice, a server on each clone."""
    seeded_name = f"ref_seeded_{uuid.uuid4().hex[:8]}"
    plan = build_rows(default_world())
    seeded = SqlSeeder(cluster.create_database(seeded_name, template=template)).seed(plan)
    servers: list[Server] = []
    sides: list[Side] = []
    try:
        for faults in ((), right_faults):
            clone = f"ref_clone_{uuid.uuid4().hex[:8]}"
            dsn = cluster.create_database(clone, seeded_name)
            if servers:
                _shift_sequences(dsn)
            servers.append(start_server(dsn, faults, log_dir))
            client = BackendClient(name=clone, base_url=servers[-1].base, timeout=30)
            client.add_actors(dict(plan.actors), auth="basic")
            client.add_actors({"cookie_member": plan.actors["member"]}, auth="cookie")
            sides.append(Side(client))
        yield Pair(Walk(*sides), seeded, dict(plan.actors))
    finally:
        for side in sides:
            side.client.close()
        for server in servers:
            server.stop()


def _shift_sequences(dsn: str) -> None:
    """New rows of the second clone get other ids (+1000): raw ids must not leak into values."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        for (name,) in conn.execute("SELECT sequencename FROM pg_sequences").fetchall():
            conn.execute(
                "SELECT setval(%s, COALESCE((SELECT last_value FROM pg_sequences "
                "WHERE sequencename = %s), 0) + 1000)",
                (name, name),
            )
