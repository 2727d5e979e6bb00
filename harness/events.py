"""Backend failures seen during a run: the hook between the harness and the findings module.

The harness calls `record_backend_failure` when a backend dies, stops answering or times
out; the findings/report side reads `backend_failures()` (or subscribes) and turns each
record into a finding. A fatal failure also ends the pytest run cleanly (harness.plugins):
the code that meets it raises `BackendGone`, and a death the liveness watch (harness.liveness)
sees first is handed to the main thread through `announce` / `take_announced`.
Everything stored here is already redacted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any, Literal

FailureKind = Literal["died", "unreachable", "timeout"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendFailure:
    """`rails` died during `GET /api/v1/groups/1`; its exit code and the last log lines."""

    backend: str
    kind: FailureKind
    request: str  # ApiRequest.describe(): method and path, never a body or header
    detail: str
    log_tail: str = ""
    log_path: str = ""
    exit_code: int | None = None

    @property
    def fatal(self) -> bool:
        """A dead or unreachable backend ends the run; a timeout fails only its test."""
        return self.kind != "timeout"

    def message(self) -> str:
        code = f" (exit code {self.exit_code})" if self.exit_code is not None else ""
        if self.log_tail:
            tail = f"\nLast lines of {self.log_path or 'its log'}:\n{self.log_tail}"
        else:
            tail = f"\nIts log is empty ({self.log_path})" if self.log_path else ""
        return (
            f"{self.backend} backend {self.kind}{code} during {self.request}: {self.detail}{tail}"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class BackendGone(BaseException):
    """A backend died or became unreachable: the run ends now.

    A BaseException, like KeyboardInterrupt, so that Hypothesis does not shrink (replaying
    examples against a dead server) and no `except Exception` of a suite swallows it;
    harness.plugins.backends turns it into the failure of the current test and stops the run.
    """

    def __init__(self, failure: BackendFailure):
        self.failure = failure
        super().__init__(failure.message())


_FAILURES: list[BackendFailure] = []
_LISTENERS: list[Callable[[BackendFailure], None]] = []
_ANNOUNCED: list[BackendFailure] = []  # fatal failures the main thread was not told about yet


def record_backend_failure(failure: BackendFailure) -> None:
    """Store a failure and tell every subscriber."""
    _FAILURES.append(failure)
    for listener in list(_LISTENERS):
        listener(failure)


def backend_failures() -> tuple[BackendFailure, ...]:
    """Every failure recorded in this process, oldest first."""
    return tuple(_FAILURES)


def subscribe(listener: Callable[[BackendFailure], None]) -> Callable[[], None]:
    """Call `listener` on each new failure; returns a function that unsubscribes it."""
    _LISTENERS.append(listener)
    return lambda: _LISTENERS.remove(listener)


def announce(failure: BackendFailure) -> None:
    """A fatal failure seen outside the main thread, for it to raise (`take_announced`)."""
    _ANNOUNCED.append(failure)


def take_announced() -> BackendFailure | None:
    """The announced fatal failure not raised yet (and forget it): raise it once only."""
    taken = _ANNOUNCED[:1]
    _ANNOUNCED.clear()
    return taken[0] if taken else None


def clear() -> None:
    """Forget recorded failures (start of a pytest session)."""
    _FAILURES.clear()
    _ANNOUNCED.clear()
