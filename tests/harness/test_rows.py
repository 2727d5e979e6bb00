"""Reading what an example wrote (a real PostgreSQL database), and where each side's is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import psycopg
import pytest

from harness.backends import Backend, Backends
from harness.client import BackendClient
from harness.config import HarnessConfig
from harness.rows import RowReader, database_of
from harness.seed import World, build_rows

SCHEMA = """
CREATE TABLE users (id serial PRIMARY KEY, email text, encrypted_password text,
                    created_at timestamp);
CREATE TABLE discussions (id serial PRIMARY KEY, author_id integer, title text);
CREATE TABLE events (id serial PRIMARY KEY, discussion_id integer, kind text);
CREATE TABLE partition_sequences (key text, id integer, counter integer, PRIMARY KEY (key, id));
"""


def test_read_gives_the_rows_above_the_mark(empty_database: str) -> None:
    with psycopg.connect(empty_database, autocommit=True) as conn:
        conn.execute(SCHEMA)
        conn.execute("INSERT INTO users (email) VALUES ('before@x')")
        conn.execute("INSERT INTO partition_sequences VALUES ('discussions_sequence_id', 7, 4)")
        reader = RowReader(dsn=empty_database, side="rails")
        mark = reader.mark()
        at = datetime(2025, 6, 1, 9, 0, 0, 120)
        conn.execute("INSERT INTO users (email, created_at) VALUES ('after@x', %s)", (at,))
        conn.execute("INSERT INTO discussions (author_id, title) VALUES (2, 'T')")
        conn.execute("INSERT INTO events (discussion_id, kind) VALUES (2, 'new_comment')")
        conn.execute("INSERT INTO partition_sequences VALUES ('discussions_sequence_id', 1, 1)")
        conn.execute("INSERT INTO partition_sequences VALUES ('events_position', 1, 1)")
    try:
        rows = reader.read(mark)
        assert [u["email"] for u in rows["users"]] == ["after@x"]
        assert rows["users"][0]["created_at"] == at  # microseconds kept
        assert [(r["key"], r["id"]) for r in rows["partition_sequences"]] == [
            ("discussions_sequence_id", 1),  # the counter of the new discussion only
            ("events_position", 1),
        ]
        assert "polls" not in rows  # a table the database lacks is left out
        assert reader.missing("users", [1, 2, 99]) == {99}
    finally:
        reader.close()


def _backends(config: HarnessConfig, **go: object) -> Backends:
    def side(name: str, **fields: object) -> Backend:
        client = BackendClient(name=name, base_url="http://127.0.0.1:1", timeout=1)
        values: dict[str, object] = {"mode": "embedded", "seed_dsn": f"postgresql:///{name}"}
        return Backend(name=name, base_url=client.base_url, client=client, **(values | fields))  # type: ignore[arg-type]

    plan = build_rows(World(users=()))
    return Backends(
        rails=side("rails", database="parity_rails"), go=side("go", **go), config=config,
        plan=plan, server=None, run_dir=Path("."),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("go", "cli", "expected"),
    [
        ({"database": "parity_go"}, {}, "postgresql:///go"),
        ({"mode": "url", "seed_dsn": None}, {}, "url mode without --go-database-url"),
        ({"database": "parity_shared"}, {"db_mode": "shared"}, "share one database"),
    ],
    ids=["clone", "url-without-database", "shared"],
)
def test_where_each_side_database_is(
    make_config: Callable[..., HarnessConfig],
    go: dict[str, object],
    cli: dict[str, str],
    expected: str,
) -> None:
    backends = _backends(make_config(**cli), **go)
    dsn, why = database_of(backends.go, backends)
    assert expected in (dsn or why)
    assert (dsn is None) == bool(why)
