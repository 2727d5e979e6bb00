"""The fault catalogue: named, realistic Rails -> Go migration bugs, off by default.

A module that implements a fault declares it at import time, next to the code it bends:

    MISSING_ROOT = faults.declare("meta_root_missing", "envelope", "meta has no root key")
    ...
    if MISSING_ROOT.on: del meta["root"]

`activate(names)` switches a set on for this process (from --faults / PARITY_FAULTS).
`catalogue()` lists every declared fault; `python -m reference --list-faults` prints it after
importing every api/serialize/domain module.

With PARITY_FAULT_TRACE naming a file, the first time a switched-on fault's switch is read
while serving an operation (`serving`), a JSON line `{"fault", "operation"}` is appended to
it: which operations reach the fault's code in this process. The detection bench reads it
to tell, behind a routing proxy, a fault the go side reached from one it never served.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

CATEGORIES = (
    "shape",  # missing / extra / renamed key
    "type",  # id as string, float vs integer, timestamp format
    "null",  # null vs absent vs empty
    "envelope",  # root, sideloads, meta
    "status",  # status codes and error bodies
    "ordering",  # ordering and paging
    "threading",  # sequence ids, positions, keys, depth, counts
    "tally",  # poll results
    "permission",  # authorization gaps
    "channel",  # the channel server (reference.channels): rooms, tokens, deliveries
    "latency",  # slower than rails: judged by the latency gates, not by a contract check
    "data",  # what is stored, whatever the API answers (harness/data_check.py)
    "live",  # live updates published to Redis (reference/live.py)
)


TRACE_ENV = "PARITY_FAULT_TRACE"
_OPERATION: ContextVar[str] = ContextVar("parity_fault_operation", default="")
_TRACED: set[tuple[str, str]] = set()


@dataclass(slots=True)
class Fault:
    name: str
    category: str
    summary: str
    module: str = ""
    switched_on: bool = False

    @property
    def on(self) -> bool:
        """The switch the code tests; a read while on is a reach (PARITY_FAULT_TRACE)."""
        if self.switched_on:
            _reached(self.name)
        return self.switched_on

    def __bool__(self) -> bool:
        return self.on


@contextlib.contextmanager
def serving(operation: str) -> Iterator[None]:
    """Faults reached inside are reached by `operation` ("GET /api/v1/groups/{id}")."""
    token = _OPERATION.set(operation)
    try:
        yield
    finally:
        _OPERATION.reset(token)


def _reached(name: str) -> None:
    key = (name, _OPERATION.get())
    if key in _TRACED:  # the common case, on every read of a switched-on fault: one lookup
        return
    _TRACED.add(key)
    trace = os.environ.get(TRACE_ENV)
    if not trace:
        return
    line = json.dumps({"fault": key[0], "operation": key[1]}) + "\n"
    fd = os.open(trace, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())  # one write of one line: lines of processes never mix
    finally:
        os.close(fd)


_REGISTRY: dict[str, Fault] = {}


class UnknownFault(ValueError):
    """A fault name that no module declares."""


def declare(name: str, category: str, summary: str) -> Fault:
    """Declare a fault once at import time; returns the switch the code tests."""
    if category not in CATEGORIES:
        raise ValueError(f"fault {name}: unknown category {category!r} (one of {CATEGORIES})")
    if name in _REGISTRY:
        raise ValueError(f"fault {name} declared twice")
    fault = Fault(name, category, summary, sys._getframe(1).f_globals.get("__name__", ""))
    _REGISTRY[name] = fault
    return fault


def is_on(name: str) -> bool:
    """True when the named fault is switched on in this process."""
    fault = _REGISTRY.get(name)
    return bool(fault and fault.on)


def activate(names: list[str] | tuple[str, ...]) -> None:
    """Switch exactly these faults on (all others off); unknown names raise UnknownFault."""
    unknown = [n for n in names if n not in _REGISTRY]
    if unknown:
        raise UnknownFault(
            f"unknown fault(s): {', '.join(unknown)}. "
            "List them with: python -m reference --list-faults"
        )
    for fault in _REGISTRY.values():
        fault.switched_on = fault.name in names


def active() -> list[str]:
    return sorted(f.name for f in _REGISTRY.values() if f.switched_on)


def catalogue() -> list[Fault]:
    """Every declared fault, by category then name."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(_REGISTRY.values(), key=lambda f: (order[f.category], f.name))


def parse_list(value: str | None) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]
