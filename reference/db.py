"""PostgreSQL access: one psycopg_pool.ConnectionPool (dict rows) and small query helpers.

Every API request runs in one transaction on one pooled connection (see web.endpoint):
committed when the handler returns, rolled back when it raises.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from psycopg import Connection
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

Row = dict[str, Any]


def open_pool(database_url: str, max_size: int = 8) -> ConnectionPool:
    """A pool of autocommit-off connections returning dict rows; opened and warmed."""
    pool = ConnectionPool(
        database_url,
        min_size=2,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "autocommit": True, "prepare_threshold": 2},
        # A harness may drop and re-clone the database under us: check a connection before
        # lending it, as Rails reconnects after a dropped connection.
        check=ConnectionPool.check_connection,
        open=True,
    )
    pool.wait(timeout=30)
    return pool


def one(conn: Connection, query: str, params: Sequence[Any] | dict[str, Any] = ()) -> Row | None:
    """First row or None."""
    return conn.execute(query, params).fetchone()  # type: ignore[return-value]


def all_rows(
    conn: Connection, query: str, params: Sequence[Any] | dict[str, Any] = ()
) -> list[Row]:
    return conn.execute(query, params).fetchall()  # type: ignore[return-value]


def scalar(conn: Connection, query: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    return None if row is None else next(iter(row.values()))  # type: ignore[union-attr]


def insert(conn: Connection, table: str, values: dict[str, Any]) -> Row:
    """INSERT … RETURNING *; column names are trusted (code, never request input)."""
    cols = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join(["%s"] * len(values))
    return one(
        conn, f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING *", list(values.values())
    )  # type: ignore[return-value]


def update(conn: Connection, table: str, row_id: int, values: dict[str, Any]) -> Row:
    """UPDATE … SET … WHERE id = row_id RETURNING *."""
    sets = ", ".join(f'"{c}" = %s' for c in values)
    return one(
        conn, f"UPDATE {table} SET {sets} WHERE id = %s RETURNING *", [*values.values(), row_id]
    )  # type: ignore[return-value]


def by_ids(conn: Connection, table: str, ids: Iterable[int]) -> dict[int, Row]:
    """Rows of table keyed by id."""
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = all_rows(conn, f"SELECT * FROM {table} WHERE id = ANY(%s)", (wanted,))
    return {r["id"]: r for r in rows}
