"""An example's check on two real databases: differences, invariants, findings, skips."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from harness.config import HarnessConfig
from harness.data_check import DataFailure, DataParity, findings, load_declared_data
from harness.errors import HarnessError
from harness.normalize import CanonicalIds
from harness.postgres import LocalPostgres
from harness.rows import RowReader
from tests.harness.test_rows import _backends

SCHEMA = """
CREATE TABLE users (id serial PRIMARY KEY, email text, encrypted_password text,
                    memberships_count integer DEFAULT 0);
CREATE TABLE groups (id serial PRIMARY KEY, name text, memberships_count integer DEFAULT 0);
CREATE TABLE memberships (id serial PRIMARY KEY, group_id integer, user_id integer,
                          revoked_at timestamp, inbox_position integer DEFAULT 0);
"""


@pytest.fixture
def two_databases(pg_cluster: LocalPostgres) -> Iterator[dict[str, str]]:
    names = {"rails": "dc_rails", "go": "dc_go"}
    dsns = {side: pg_cluster.create_database(name) for side, name in names.items()}
    for dsn in dsns.values():
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(SCHEMA)
    try:
        yield dsns
    finally:
        for name in names.values():
            pg_cluster.drop_database(name)


def write(dsn: str, password: str | None, position: int | None, count: int) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, encrypted_password, memberships_count) "
                     "VALUES ('a@x', %s, 1)", (password,))  # fmt: skip
        conn.execute("INSERT INTO groups (name, memberships_count) VALUES ('G', %s)", (count,))
        conn.execute("INSERT INTO memberships (group_id, user_id, inbox_position) VALUES (1, 1, %s)",
                     (position,))  # fmt: skip


def api_ids() -> CanonicalIds:
    ids = CanonicalIds()
    ids.name("users", 1)
    ids.name("groups", 1)
    return ids


def test_a_null_default_and_a_stale_counter_are_findings(two_databases: dict[str, str]) -> None:
    parity = DataParity(readers={s: RowReader(dsn=d, side=s) for s, d in two_databases.items()})
    marks = parity.begin()
    write(two_databases["rails"], "pw-planted-1", 0, 1)
    write(two_databases["go"], "pw-planted-2", None, 0)
    try:
        with pytest.raises(DataFailure) as failed:
            parity.check(marks, {"rails": api_ids(), "go": api_ids()}, ("admin: POST /groups",))
    finally:
        parity.close()
    assert parity.failure is not None
    found = findings(*parity.failure, noise=())
    where = {(f.check, f.extra["table"], f.extra["column"], f.backend) for f in found}
    assert ("data_parity", "memberships", "inbox_position", "rails,go") in where
    assert ("data_parity", "groups", "memberships_count", "rails,go") in where
    assert ("data_invariant", "groups", "memberships_count", "go") in where
    assert all(f.steps == ("admin: POST /groups",) for f in found)
    assert "pw-planted" not in repr(found) + str(failed.value)  # presence only, never shown


def test_a_side_without_a_known_database_is_skipped_and_says_why(
    make_config: Callable[..., HarnessConfig],
) -> None:
    backends = _backends(make_config(), mode="url", seed_dsn=None)
    parity = DataParity.from_backends(backends)
    assert not parity.active and "--go-database-url" in parity.skipped
    same = _backends(make_config(), seed_dsn="postgresql:///rails", database="parity_go")
    assert "same database" in DataParity.from_backends(same).skipped


def test_declared_data_ignores_are_table_or_table_column(tmp_path: Path) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text("data: [users.last_seen_at, versions]\n")
    assert [f.pattern for f in load_declared_data(path)] == ["/users/*/last_seen_at", "/versions"]
    path.write_text("data: [/users/*/last_seen_at]\n")
    with pytest.raises(HarnessError, match=r"ignore.yaml: `data` must be a list of `table`"):
        load_declared_data(path)
