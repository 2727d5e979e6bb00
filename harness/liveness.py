"""Watch the backend processes of a run: a death ends the run at once, whatever runs then.

A suite finds a dead backend when it next sends it a request (`BackendClient` raises
`BackendGone`), but the suite may be busy with the other backend for minutes (conformance
tests one side after the other). `LivenessWatch` polls the processes the harness started
(`Backend.runner`) from a thread; when one exits it records the failure (once, with the
request in flight if any) and interrupts the main thread, where `BackendGone` is raised
like Ctrl-C raises KeyboardInterrupt (`_thread.interrupt_main` with a signal whose handler
`install` sets). Backends reached by URL have no process to watch: their failure is found
by the next request.
"""

from __future__ import annotations

import _thread
import signal
import threading
from collections.abc import Iterable
from types import FrameType
from typing import Any

from harness import events
from harness.client import BackendClient
from harness.providers.process import ManagedProcess

SIGNAL = signal.SIGUSR2  # delivered by interrupt_main only; any other sender is ignored
POLL_S = 0.25


def install() -> Any:
    """Raise announced failures in the main thread; returns the previous handler."""
    return signal.signal(SIGNAL, _deliver)


def _deliver(signum: int, frame: FrameType | None) -> None:
    failure = events.take_announced()
    if failure is not None:
        raise events.BackendGone(failure)


class LivenessWatch:
    """A thread polling (process, client) pairs until `stop`; see the module docstring."""

    def __init__(self, watched: Iterable[tuple[ManagedProcess, BackendClient]]) -> None:
        self.watched = list(watched)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="parity-liveness", daemon=True)

    def start(self) -> LivenessWatch:
        if self.watched and signal.getsignal(SIGNAL) is _deliver:
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop watching (before the harness stops the processes itself)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(POLL_S):
            for process, client in self.watched:
                if process.alive() or self._stop.is_set():
                    continue
                what = client.in_flight or "the run (its process exited between requests)"
                failure, new = client.mark_gone(what, "died", "the server process is gone")
                if new:
                    events.announce(failure)
                    _thread.interrupt_main(SIGNAL)
                return
