"""Where shadow and replay records go: a JSON Lines file (default) or PostgreSQL.

Records are appended, never updated, so several proxy instances (each its own process,
behind one load balancer) write to one PostgreSQL table and the report adds them up.
A `StoreWriter` batches records on a thread of its own: a batch is written, then made
durable (fsync, or COMMIT), and only then counted as acknowledged — `acknowledged` is what
survives a `kill -9` of the process. Two kinds of record: an exchange (harness.shadow.judge)
and `{"dropped": {endpoint: n}}`, mirrored requests dropped because the candidate lagged.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import psycopg

from harness.errors import HarnessError
from harness.redact import redact_url
from harness.shadow.judge import Exchange

TABLE = "parity_shadow_records"
FLUSH_EVERY_S = 0.1
BATCH = 500
PENDING_LIMIT = 50_000  # records waiting for the disk; past it new ones are counted as lost


class StoreError(HarnessError):
    """A store that cannot be opened, written or read."""


class Store(Protocol):
    """Durable append of JSON records, and reading all of them back."""

    def append(self, records: list[dict[str, Any]]) -> None: ...
    def read(self) -> Iterator[dict[str, Any]]: ...
    def close(self) -> None: ...


@dataclass(slots=True)
class FileStore:
    """One JSON record per line; each batch is written with one write() and fsynced."""

    path: Path

    def __post_init__(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(exist_ok=True)

    def append(self, records: list[dict[str, Any]]) -> None:
        text = "".join(json.dumps(r, sort_keys=True, default=str) + "\n" for r in records)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, text.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self) -> Iterator[dict[str, Any]]:
        lines = self.path.read_text(encoding="utf-8").split("\n")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except ValueError:
                if number == len(lines):  # the process was killed mid-line
                    return
                raise StoreError(
                    f"{self.path}:{number}: not a JSON record; remove the line to read the rest"
                ) from None

    def close(self) -> None:
        return None


class PostgresStore:
    """Rows of one table (created when missing); a batch is one transaction."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.conn = psycopg.connect(url, autocommit=False)
            with self.conn.transaction():
                self.conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
                    "written_at timestamptz NOT NULL DEFAULT now(), record jsonb NOT NULL)"
                )
        except psycopg.Error as exc:
            raise StoreError(
                f"--store {redact_url(url)}: cannot open ({str(exc).strip().splitlines()[0]}). "
                "Check the URL, that the database exists and the user may create a table."
            ) from None

    def append(self, records: list[dict[str, Any]]) -> None:
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {TABLE} (record) VALUES (%s::jsonb)",
                [(json.dumps(r, sort_keys=True, default=str),) for r in records],
            )

    def read(self) -> Iterator[dict[str, Any]]:
        with self.conn.transaction(), self.conn.cursor() as cursor:
            cursor.execute(f"SELECT record FROM {TABLE} ORDER BY id")
            rows = cursor.fetchall()
        for (record,) in rows:
            yield record

    def close(self) -> None:
        self.conn.close()


def open_store(where: str) -> Store:
    """`postgresql://…` -> PostgresStore; anything else is a file path."""
    if where.startswith(("postgresql://", "postgres://")):
        return PostgresStore(where)
    return FileStore(Path(where))


def read_records(store: Store) -> tuple[list[Exchange], list[tuple[str, int]]]:
    """(exchanges, (endpoint, dropped) counts) of everything a store holds."""
    exchanges: list[Exchange] = []
    dropped: list[tuple[str, int]] = []
    for record in store.read():
        if "dropped" in record:
            dropped.extend((str(k), int(v)) for k, v in record["dropped"].items())
        else:
            exchanges.append(Exchange.from_json(record))
    return exchanges, dropped


class StoreWriter:
    """Appends records on its own thread; `acknowledged` counts what is durable."""

    def __init__(self, store: Store, on_ack: Any = None) -> None:
        self.store = store
        self.acknowledged = 0
        self.lost = 0  # records never written: the store failed or fell too far behind
        self.failure = ""
        self._on_ack = on_ack
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self._thread.start()

    def add(self, record: dict[str, Any]) -> None:
        with self._lock:
            if len(self._pending) >= PENDING_LIMIT:
                self.lost += 1
                return
            self._pending.append(record)

    def close(self) -> None:
        """Write what is pending, then stop."""
        self._stop.set()
        self._thread.join()
        self._flush()
        self.store.close()

    def _run(self) -> None:
        while not self._stop.wait(FLUSH_EVERY_S):
            self._flush()

    def _flush(self) -> None:
        while True:
            with self._lock:
                batch, self._pending = self._pending[:BATCH], self._pending[BATCH:]
            if not batch:
                return
            try:
                self.store.append(batch)
            except (OSError, psycopg.Error) as exc:  # never crash the proxy on its store
                self.lost += len(batch)
                self.failure = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
                time.sleep(1.0)
                return
            self.acknowledged += len(batch)
            if self._on_ack is not None:
                self._on_ack(self.acknowledged)
