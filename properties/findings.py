"""From a property failure to a Finding: the shrunk example, and only that one.

A property test raises `PropertyFailure` (an AssertionError carrying the facts of the
finding) from inside its Hypothesis function. Hypothesis shrinks, then replays the minimal
example last and re-raises its error, so `run_property` — which wraps the whole Hypothesis
run — sees only the final, shrunk failure(s) and writes one Finding for each.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from harness.findings import Finding, FindingKind, FindingsWriter
from harness.report.recorder import Recorder


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One way a backend broke a property: which backend, what was expected, what came."""

    backend: str  # "rails", "go", or "rails,go" for a difference between them
    title: str  # stable: no ids, no values that change between runs
    detail: str = ""
    operation: str = ""
    expected: Any = None
    actual: Any = None
    extra: dict[str, Any] = field(default_factory=dict)


class PropertyFailure(AssertionError):
    """Raised inside a Hypothesis example: the problems found and the example that found them."""

    def __init__(
        self, check: str, kind: FindingKind, problems: Sequence[Problem], steps: Sequence[str]
    ):
        self.check, self.kind = check, kind
        self.problems, self.steps = tuple(problems), tuple(steps)
        lines = [
            f"{p.backend}: {p.title}" + (f" — {p.detail}" if p.detail else "") for p in problems
        ]
        super().__init__(
            f"{check}: {len(problems)} problem(s)\n  "
            + "\n  ".join(lines[:20])
            + "\nminimal example:\n  "
            + "\n  ".join(steps)
        )


def raise_if(
    check: str, kind: FindingKind, problems: Sequence[Problem], steps: Sequence[str]
) -> None:
    """Fail the current example when there are problems (Hypothesis then shrinks it)."""
    if problems:
        raise PropertyFailure(check, kind, problems, steps)


def _failures(exc: BaseException) -> list[PropertyFailure]:
    if isinstance(exc, PropertyFailure):
        return [exc]
    if isinstance(exc, BaseExceptionGroup):
        return [f for sub in exc.exceptions for f in _failures(sub)]
    return []


def _others(exc: BaseException) -> list[BaseException]:
    """Everything raised alongside the property failures (an exception group's others)."""
    if isinstance(exc, PropertyFailure):
        return []
    if isinstance(exc, BaseExceptionGroup):
        return [other for sub in exc.exceptions for other in _others(sub)]
    return [exc]


def to_findings(failure: PropertyFailure) -> list[Finding]:
    """One Finding per problem, each carrying the shrunk example as its steps."""
    found = []
    for p in failure.problems:
        side = p.backend.split(",")[0]
        found.append(
            Finding.create(
                kind=failure.kind,
                check=failure.check,
                title=p.title,
                operation=p.operation,
                backend=p.backend,
                detail=p.detail,
                rails=p.expected if p.backend != "rails,go" else p.extra.get("rails"),
                go=p.actual if side == "go" or p.backend == "rails,go" else None,
                steps=failure.steps,
                extra={"expected": p.expected, "actual": p.actual, **p.extra},
            )
        )
    return found


@dataclass(slots=True)
class PropertyRun:
    """Runs one Hypothesis property; records findings, figures and its time to first failure."""

    writer: FindingsWriter
    recorder: Recorder
    suite: str

    def __call__(self, prop: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            prop()
        except BaseException as exc:
            failures = _failures(exc)
            if not failures:
                raise
            for failure in failures:
                for finding in to_findings(failure):
                    self.writer.write(finding)
                    self.recorder.count(self.suite, "findings")
            elapsed = time.perf_counter() - started
            titles = sorted({p.title for f in failures for p in f.problems})
            # an error raised with them (a group of several) fails the test too, in full
            others = ["".join(traceback.format_exception(o)) for o in _others(exc)]
            pytest.fail(
                f"{len(failures)} shrunk failure(s) after {elapsed:.1f}s: "
                + json.dumps(titles)[:2000]
                + (f"; and {len(others)} error(s) raised with them" if others else "")
                + "\n\n"
                + "\n\n".join([*(str(f) for f in failures), *others]),
                pytrace=False,
            )
