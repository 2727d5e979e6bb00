"""The fault catalogue: named, realistic Rails -> Go migration bugs, off by default.

A module that implements a fault declares it at import time, next to the code it bends:

    MISSING_ROOT = faults.declare("meta_root_missing", "envelope", "meta has no root key")
    ...
    if MISSING_ROOT.on: del meta["root"]

`activate(names)` switches a set on for this process (from --faults / PARITY_FAULTS).
`catalogue()` lists every declared fault; `python -m reference --list-faults` prints it after
importing every api/serialize/domain module.
"""

from __future__ import annotations

import sys
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


@dataclass(slots=True)
class Fault:
    name: str
    category: str
    summary: str
    module: str = ""
    on: bool = False

    def __bool__(self) -> bool:
        return self.on


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
        fault.on = fault.name in names


def active() -> list[str]:
    return sorted(f.name for f in _REGISTRY.values() if f.on)


def catalogue() -> list[Fault]:
    """Every declared fault, by category then name."""
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(_REGISTRY.values(), key=lambda f: (order[f.category], f.name))


def parse_list(value: str | None) -> list[str]:
    """'a, b,,c' -> ['a', 'b', 'c']."""
    return [part.strip() for part in (value or "").split(",") if part.strip()]
