"""Fixtures shared by the tool's own tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from harness.postgres import LocalPostgres, local_postgres


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="also run the tests marked slow (the whole fault catalogue per suite)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked slow are skipped, with the reason shown, unless --slow or -m selects them."""
    if config.getoption("--slow") or "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with `./parity test --slow` (or tox -e slow)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


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
