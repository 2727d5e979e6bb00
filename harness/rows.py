"""Reading what one example wrote into a backend's database (psycopg 3), for data parity.

An example of the lockstep works inside a scope of its own (harness.isolation): a new group,
threads and actors seeded into each side's database, then API writes. So "the rows an
example holds" are the rows created after the example began: `RowReader.mark()` takes each
table's highest id before the scope is seeded, `RowReader.read(mark)` then reads every row
above it (rows updated since are read in their current state). `partition_sequences` has no
serial id; its rows are kept when they count for a discussion or event read this way.

Where a side's database is: the DSN the harness seeds it through (`Backend.seed_dsn`): the
clone of embedded, process and containers modes, or `--X-database-url` in url mode.
`database_of` says why a side has none (then data parity is skipped, and says so).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from harness.backends import Backend, Backends
from harness.errors import HarnessError
from harness.redact import redact

# The tables an API step can write (Loomio's names); those the database lacks are left out.
TABLES = (
    *("users", "groups", "memberships", "membership_requests", "discussions"),
    *("discussion_readers", "comments", "events", "reactions", "tags", "taggings"),
    *("polls", "poll_options", "stances", "stance_choices", "outcomes", "versions"),
    "login_tokens",
)
COUNTERS = "partition_sequences"  # (key, id, counter): id is a discussion or an event
COUNTER_TARGETS = {"discussions_sequence_id": "discussions", "events_position": "events"}

Row = dict[str, Any]
Rows = dict[str, list[Row]]  # table -> rows, by id


class RowsError(HarnessError):
    """A side's database could not be read; the message names the side and what to do."""


@dataclass(frozen=True, slots=True)
class Mark:
    """Each table's highest id when an example began."""

    ids: Mapping[str, int]


def database_of(backend: Backend, backends: Backends) -> tuple[str | None, str]:
    """(the DSN the harness reads `backend`'s rows through, or None; why none)."""
    if backends.config.db_mode == "shared" and backend.database is not None:
        return None, "both sides share one database (--db-mode=shared): nothing to compare"
    if backend.seed_dsn:
        return backend.seed_dsn, ""
    if backend.mode == "url":
        return None, (
            f"the {backend.name} side runs in url mode without --{backend.name}-database-url: "
            "its database is unknown"
        )
    return None, f"the harness does not know the {backend.name} side's database"


@dataclass
class RowReader:
    """One autocommit connection to a side's database, and that database's tables."""

    dsn: str
    side: str
    conn: psycopg.Connection[Row] | None = None
    tables: tuple[str, ...] = ()
    has_counters: bool = False
    sql_mark: sql.Composed | None = field(default=None, repr=False)

    def connect(self) -> psycopg.Connection[Row]:
        if self.conn is None or self.conn.closed:
            try:
                self.conn = psycopg.connect(self.dsn, autocommit=True, row_factory=dict_row)
            except psycopg.Error as exc:
                raise RowsError(
                    f"data parity: cannot connect to the {self.side} database "
                    f"({redact(str(exc)).splitlines()[0]}); check --{self.side}-database-url"
                ) from None
            present = {
                r["name"]
                for r in self.conn.execute(
                    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
                )
            }
            self.tables = tuple(t for t in TABLES if t in present)
            self.has_counters = COUNTERS in present
            self.sql_mark = sql.SQL(" UNION ALL ").join(
                sql.SQL("SELECT {} AS t, coalesce(max(id), 0) AS m FROM {}").format(
                    sql.Literal(t), sql.Identifier(t)
                )
                for t in self.tables
            )
        return self.conn

    def mark(self) -> Mark:
        """Every table's highest id now."""
        conn = self.connect()
        assert self.sql_mark is not None
        return Mark({r["t"]: int(r["m"]) for r in conn.execute(self.sql_mark)})

    def read(self, mark: Mark) -> Rows:
        """Every row above `mark`, as plain values (see `plain`), tables in TABLES order."""
        conn = self.connect()
        rows: Rows = {}
        for table in self.tables:
            query = sql.SQL("SELECT * FROM {} WHERE id > %s ORDER BY id").format(
                sql.Identifier(table)
            )
            rows[table] = [plain(r) for r in conn.execute(query, (mark.ids.get(table, 0),))]
        if self.has_counters:
            rows[COUNTERS] = self._counters(conn, rows)
        return rows

    def _counters(self, conn: psycopg.Connection[Row], rows: Rows) -> list[Row]:
        wanted = [
            (key, [r["id"] for r in rows.get(table, [])]) for key, table in COUNTER_TARGETS.items()
        ]
        found: list[Row] = []
        for key, ids in wanted:
            found += conn.execute(
                "SELECT key, id, counter FROM partition_sequences WHERE key = %s AND id = ANY(%s) "
                "ORDER BY id",
                (key, ids),
            ).fetchall()
        return found

    def missing(self, table: str, ids: list[int]) -> set[int]:
        """Which of `ids` have no row in `table` (for references out of the example)."""
        if not ids or table not in self.tables:
            return set(ids) if table not in self.tables else set()
        query = sql.SQL("SELECT id FROM {} WHERE id = ANY(%s)").format(sql.Identifier(table))
        there = {r["id"] for r in self.connect().execute(query, (ids,))}
        return set(ids) - there

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def plain(row: Mapping[str, Any]) -> Row:
    """A row with JSON-ready values: timestamps stay datetimes (their precision matters)."""
    return {k: _plain(v) for k, v in row.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | str | int | float | bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)  # inet, uuid, ...
