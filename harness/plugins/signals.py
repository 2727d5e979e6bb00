"""SIGTERM is handled like Ctrl-C: the run stops, the partial report is written, everything
the harness started is torn down.

SIGTERM is what `timeout`, `kill` and a CI cancellation send; Python's default would end
the process on the spot, skipping fixture teardown and the report. Here it raises
KeyboardInterrupt in the main thread, so pytest ends the session as interrupted (the report
plugin writes the partial report, session fixtures stop backends and PostgreSQL). A second
SIGTERM during that teardown is ignored: SIGKILL is the way to cut it short, and then
harness.processes' watchdog still stops what was started.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

import pytest

_PREVIOUS = pytest.StashKey[Any]()


def pytest_configure(config: pytest.Config) -> None:
    if threading.current_thread() is threading.main_thread():
        config.stash[_PREVIOUS] = signal.signal(signal.SIGTERM, interrupt)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _PREVIOUS in config.stash:
        signal.signal(signal.SIGTERM, config.stash[_PREVIOUS])


def interrupt(signum: int, frame: FrameType | None) -> None:
    """The first SIGTERM interrupts the run like Ctrl-C; later ones wait for the teardown."""
    signal.signal(signal.SIGTERM, _during_teardown)
    raise KeyboardInterrupt("SIGTERM: run stopped, tearing down")


def _during_teardown(signum: int, frame: FrameType | None) -> None:
    """A handler, not SIG_IGN: an ignored signal would stay ignored in processes started later."""
