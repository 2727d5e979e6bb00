"""The PostgreSQL server the harness owns for a run: template, clones, drops.

A `DatabaseServer` is a local cluster (harness.postgres) or a PostgreSQL container
(harness.providers.containers). Apps in containers reach it under another host name than
the harness does, so it knows both DSNs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from harness import postgres
from harness.redact import register_secret


@dataclass(slots=True, kw_only=True)
class DatabaseServer:
    """Create, clone and drop databases; `dsn(name)` from the host, `dsn(name, True)` in-network."""

    host_dsn: str  # admin DSN ("postgres" database) as seen by the harness
    network_dsn: str | None = None  # the same as seen from app containers
    root: Path | None = None  # a local cluster's directory (removed when it stops)
    created: list[str] = field(default_factory=list)

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

    def drop_all(self) -> None:
        """Drop every database this run created, clones before templates."""
        for name in reversed(self.created):
            postgres.drop_database(self.host_dsn, name)
        self.created.clear()
