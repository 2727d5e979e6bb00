"""Fixtures shared by the tool's own tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from harness.postgres import LocalPostgres, local_postgres


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[LocalPostgres]:
    """One real, throwaway PostgreSQL cluster for the whole test session."""
    with local_postgres() as cluster:
        yield cluster


@pytest.fixture
def empty_database(pg_cluster: LocalPostgres) -> Iterator[str]:
    """A fresh empty database; yields its DSN and drops it afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    dsn = pg_cluster.create_database(name)
    try:
        yield dsn
    finally:
        pg_cluster.drop_database(name)
