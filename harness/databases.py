"""The PostgreSQL server the harness owns for a run: template, clones, drops.

A `DatabaseServer` is a local cluster (harness.postgres) or a PostgreSQL container
(harness.providers.containers). Apps in containers reach it under another host name than
the harness does, so it knows both DSNs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg import sql

from harness import postgres
from harness.redact import register_secret


@dataclass(slots=True, kw_only=True)
class DatabaseServer:
    """Create, clone and drop databases; `dsn(name)` from the host, `dsn(name, True)` in-network."""

    host_dsn: str  # admin DSN ("postgres" database) as seen by the harness
    network_dsn: str | None = None  # the same as seen from app containers
    root: Path | None = None  # a local cluster's directory (removed when it stops)
    created: list[str] = field(default_factory=list)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for dsn in (self.host_dsn, self.network_dsn):
            password = dsn and dsn.partition("://")[2].partition("@")[0].partition(":")[2]
            if password:
                register_secret(password)

    def dsn(self, name: str, in_network: bool = False) -> str:
        base = self.network_dsn if in_network and self.network_dsn else self.host_dsn
        return postgres.dsn_with_database(base, name)

    def create(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE (from `template`); remembered for `drop_all`; returns the host DSN."""
        postgres.create_database(self.host_dsn, name, template)
        if name not in self.created:
            self.created.append(name)
        return self.dsn(name)

    def recreate(self, name: str, template: str) -> None:
        """Drop `name` (closing its connections) and clone it again from `template`."""
        postgres.drop_database(self.host_dsn, name)
        postgres.create_database(self.host_dsn, name, template)

    def restore(self, name: str, template: str) -> None:
        """Give `name` the rows of `template` again in place (no connection is closed)."""
        if template not in self.snapshots:
            self.snapshots[template] = take_snapshot(self.dsn(template))
        restore_snapshot(self.dsn(name), self.snapshots[template])

    def drop_all(self) -> None:
        """Drop every database this run created, clones before templates."""
        for name in reversed(self.created):
            postgres.drop_database(self.host_dsn, name)
        self.created.clear()


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every table's rows (COPY binary) and every sequence's position of one database."""

    tables: tuple[tuple[str, bytes], ...]
    sequences: tuple[tuple[str, int | None], ...]


def take_snapshot(dsn: str) -> Snapshot:
    """Read a (seeded template) database completely, for `restore_snapshot`."""
    tables: list[tuple[str, bytes]] = []
    with psycopg.connect(dsn) as conn:
        names = [r[0] for r in conn.execute(_TABLES)]
        for name in names:
            query = sql.SQL("COPY {} TO STDOUT (FORMAT BINARY)").format(sql.Identifier(name))
            with conn.cursor().copy(query) as copy:
                tables.append((name, b"".join(bytes(chunk) for chunk in copy)))
        sequences = [(str(r[0]), r[1]) for r in conn.execute(_SEQUENCES)]
    return Snapshot(tables=tuple(tables), sequences=tuple(sequences))


def restore_snapshot(dsn: str, snapshot: Snapshot, lock_timeout: float = 10.0) -> None:
    """Put a live database back to `snapshot` in one transaction; open connections survive."""
    with psycopg.connect(dsn) as conn:
        conn.execute(sql.SQL("SET LOCAL lock_timeout = {}").format(int(lock_timeout * 1000)))
        names = [r[0] for r in conn.execute(_TABLES)]
        if names:
            truncate = sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE")
            conn.execute(truncate.format(sql.SQL(", ").join(map(sql.Identifier, names))))
        for name, data in snapshot.tables:
            if data:
                query = sql.SQL("COPY {} FROM STDIN (FORMAT BINARY)").format(sql.Identifier(name))
                with conn.cursor().copy(query) as copy:
                    copy.write(data)
        for sequence, last_value in snapshot.sequences:
            if last_value is None:
                conn.execute("SELECT setval(%s, 1, false)", (sequence,))
            else:
                conn.execute("SELECT setval(%s, %s, true)", (sequence, last_value))


_TABLES = "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
_SEQUENCES = (
    "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences "
    "WHERE schemaname = 'public'"
)
