"""Session fixtures for the two backends, and what happens when one of them fails."""

from __future__ import annotations

import json
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from harness import events, liveness
from harness.actors import Actor
from harness.backends import Backend, Backends, provision
from harness.client import BackendFailed
from harness.errors import HarnessError
from harness.events import BackendGone
from harness.plugins.options import harness_config
from harness.report.options import recorder

BACKENDS_KEY = pytest.StashKey[Backends]()
_PREVIOUS_HANDLER = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread():
        config.stash[_PREVIOUS_HANDLER] = liveness.install()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PREVIOUS_HANDLER in config.stash:
        signal.signal(liveness.SIGNAL, config.stash[_PREVIOUS_HANDLER])


@pytest.fixture(scope="session")
def backends(request: pytest.FixtureRequest) -> Iterator[Backends]:
    """Both backends, provisioned, seeded and ready (see harness.backends.provision)."""
    config = harness_config(request.config)
    try:
        with provision(config) as pair:
            request.config.stash[BACKENDS_KEY] = pair
            coverage = recorder(request.config)
            for backend in pair:
                backend.client.observers.append(coverage.exchange)
            processes = [(b.runner, b.client) for b in pair if b.runner is not None]
            watch = liveness.LivenessWatch(processes).start()
            try:
                yield pair
            finally:
                watch.stop()  # before provision stops the processes itself
    except HarnessError as exc:
        request.session.shouldstop = f"backends unavailable: {str(exc).splitlines()[0]}"
        pytest.fail(str(exc), pytrace=False)


def backend_fixture(name: str) -> Callable[..., Backend]:
    """A session fixture of one side: `rails_backend = backend_fixture("rails")`."""

    @pytest.fixture(scope="session", name=f"{name}_backend")
    def fixture(backends: Backends) -> Backend:
        return backends[name]

    fixture.__doc__ = f"The {name} backend (session scope)."
    return fixture


rails_backend = backend_fixture("rails")
go_backend = backend_fixture("go")


@pytest.fixture(scope="session")
def actors(backends: Backends) -> dict[str, Actor]:
    """The session world's actors by name; send ApiRequest(actor=name) to act as one."""
    return backends.actors


@pytest.fixture(scope="session")
def seeded_ids(backends: Backends) -> dict[str, dict[str, int]]:
    """Seeded ids per backend: seeded_ids["go"]["discussion:main_private"]."""
    return {b.name: dict(b.ids) for b in backends}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A failed backend fails the test with its message (no traceback); a dead one ends the run."""
    try:
        return (yield)
    except (BackendFailed, BackendGone) as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    """Once a backend is gone the run stops after this test (setup, call or teardown), and a
    subtest (schemathesis runs one per operation) lets BackendGone through (`shouldfail`)."""
    report = yield
    pair = item.config.stash.get(BACKENDS_KEY, None)  # the session's backends, none other
    failure = next((b.client.gone for b in pair or () if b.client.gone is not None), None)
    if failure is not None:
        item.session.shouldstop = item.session.shouldfail = failure.message().splitlines()[0]
    return report


def pytest_sessionstart(session: pytest.Session) -> None:
    events.clear()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Keep the recorded backend failures next to the backend logs."""
    failures = events.backend_failures()
    if not failures:
        return
    run_dir = harness_config(session.config).run_dir
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(f.to_json()) for f in failures]
    (run_dir / "backend-failures.jsonl").write_text("\n".join(lines) + "\n")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for failure in events.backend_failures():
        terminalreporter.write_line(f"BACKEND FAILURE: {failure.message().splitlines()[0]}")
