"""Fixtures for independent examples (see harness.isolation for the two strategies)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager

import pytest

from harness.backends import Backends
from harness.isolation import Scope, example_scope


@pytest.fixture(scope="session")
def isolated_example(backends: Backends) -> Callable[..., ContextManager[Scope]]:
    """`with isolated_example() as scope:` inside a Hypothesis example: an independent
    example by --isolation (or `isolated_example("clone")` / `("scoped")`)."""

    def open_example(strategy: str | None = None) -> ContextManager[Scope]:
        return example_scope(backends, strategy)

    return open_example


@pytest.fixture
def scope(backends: Backends) -> Iterator[Scope]:
    """One independent scope for a plain (non-Hypothesis) test, by --isolation."""
    with example_scope(backends) as opened:
        yield opened
