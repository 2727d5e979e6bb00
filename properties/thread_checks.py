"""Compare what a backend shows of a thread with the threading oracle (pure, no I/O).

Titles of problems are stable (no ids, no refs): they name the field and the event kind,
so the same bug found by two different examples is one finding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from properties.findings import Problem
from properties.oracles.threading import (
    QueryResult,
    Repair,
    Thread,
    ThreadAction,
    invariants,
    position_keys,
    timeline,
)

FIELDS = ("sequence_id", "depth", "position", "position_key", "child_count", "descendant_count")
Event = Mapping[str, Any]


def check_statuses(
    backend: str,
    actions: Sequence[ThreadAction],
    thread: Thread,
    statuses: Sequence[int],
    thread_actions: Sequence[ThreadAction],
) -> list[Problem]:
    """Each sent action's status against the oracle's (`thread_actions`: what was simulated)."""
    outcomes = [
        o for a, o in zip(thread_actions, thread.outcomes, strict=True) if not isinstance(a, Repair)
    ]
    return [
        Problem(
            backend=backend,
            title=f"{type(a).__name__} answered {got}, expected {o.status}",
            detail=f"step {i + 1}: {a!r}",
            expected=o.status,
            actual=got,
        )
        for i, (a, o, got) in enumerate(zip(actions, outcomes, statuses, strict=True))
        if got != o.status
    ]


def check_events(
    backend: str, thread: Thread, events: Sequence[Event], keys: Mapping[Any, str]
) -> list[Problem]:
    """Every thread event's placement and counters against the oracle's."""
    expected = {e.key: e for e in thread.thread_events()}
    actual = {keys[e["id"]]: e for e in events}
    problems = []
    for key in sorted(expected.keys() - actual.keys()):
        kind = key.split(":")[0]
        problems.append(
            Problem(
                backend=backend,
                title=f"{kind} event missing from the thread",
                detail=key,
                expected=key,
            )
        )
    for key in sorted(actual.keys() - expected.keys()):
        kind = key.split(":")[0]
        problems.append(
            Problem(
                backend=backend,
                title=f"unexpected {kind} event in the thread",
                detail=key,
                actual=key,
            )
        )
    for key in sorted(expected.keys() & actual.keys()):
        want, got = expected[key], actual[key]
        values = {name: getattr(want, name) for name in FIELDS}
        values["parent"] = want.parent
        seen = {name: got.get(name) for name in FIELDS}
        seen["parent"] = keys.get(got.get("parent_id"), got.get("parent_id"))
        for name, value in values.items():
            if seen[name] != value:
                problems.append(
                    Problem(
                        backend=backend,
                        title=f"{name} of {want.kind} events differs from the oracle",
                        detail=f"{key}: expected {value!r}, got {seen[name]!r}",
                        expected=value,
                        actual=seen[name],
                    )
                )
    return problems


def check_root(
    backend: str, thread: Thread, root: Event | None, root_event_id: Any
) -> list[Problem]:
    """The root (new_discussion) event against the oracle's. Missing is a problem: the
    discussion names none (created_event_id), or it has depth-1 items whose parent the
    events index does not sideload (without depth-1 items it is sideloaded nowhere)."""
    want = thread.root
    if root_event_id is None:
        return [
            Problem(
                backend=backend,
                title="the discussion names no root event (created_event_id is null)",
                operation="POST /api/v1/discussions",
                expected="a new_discussion event id",
            )
        ]
    if root is None:
        if not want.child_count:
            return []
        return [
            Problem(
                backend=backend,
                title="the root event is missing from the thread's parent events",
                operation="GET /api/v1/events",
                detail=f"{want.child_count} depth-1 events, their parent {root_event_id} "
                "not sideloaded",
                expected=root_event_id,
            )
        ]
    problems = []
    for name in ("position_key", "child_count", "descendant_count", "depth"):
        if root.get(name) != getattr(want, name):
            problems.append(
                Problem(
                    backend=backend,
                    title=f"{name} of the root event differs from the oracle",
                    expected=getattr(want, name),
                    actual=root.get(name),
                )
            )
    return problems


def check_invariants(
    backend: str,
    thread: Thread,
    events: Sequence[Event],
    parents: Sequence[Event],
    discussion: Event,
    index_response: Mapping[str, Any] | None,
) -> list[Problem]:
    """threading.md section 8 on the API's JSON (only when the oracle says they must hold)."""
    if thread.quirks or not discussion:
        return []
    ids = {e["id"] for e in events}
    everything = [*events, *(p for p in parents if p["id"] not in ids)]
    found = invariants(
        everything,
        discussion,
        max_depth_pending=thread.max_depth_pending,
        index_response=index_response,
    )
    rooted = any(e.get("kind") == "new_discussion" for e in everything)
    return [
        Problem(backend=backend, title=f"threading invariant {v.invariant} broken", detail=str(v))
        for v in found
        # The root is only sideloaded as a parent event: without depth-1 items it is not seen.
        if rooted or not (v.invariant == 1 and v.event_id is None)
    ]


def check_position_keys(backend: str, thread: Thread, answer: Any) -> list[Problem]:
    want = list(position_keys(thread))
    got = answer.get("position_keys") if isinstance(answer, dict) else answer
    if got == want:
        return []
    return [
        Problem(
            backend=backend,
            title="events/position_keys differs from the oracle",
            operation="GET /api/v1/events/position_keys",
            expected=want,
            actual=got,
        )
    ]


def check_timeline(
    backend: str, thread: Thread, answer: Any, actor_ids: Mapping[str | None, Any]
) -> list[Problem]:
    want = [
        [r.position_key, r.sequence_id, actor_ids.get(r.actor), r.depth, r.descendant_count]
        for r in timeline(thread)
    ]
    rows = answer if isinstance(answer, list) else None
    got = None if rows is None else [[r[0], r[1], r[3], r[4], r[5]] for r in rows]
    if got == want:
        return []
    return [
        Problem(
            backend=backend,
            title="events/timeline differs from the oracle",
            operation="GET /api/v1/events/timeline",
            expected=want,
            actual=got,
        )
    ]


def check_query(
    backend: str,
    params: Mapping[str, str],
    expected: QueryResult,
    status: int,
    body: Any,
    keys: Mapping[Any, str],
) -> list[Problem]:
    """One events-index query form: status, order (ties as sets), meta.total."""
    form = "&".join(f"{k}={v}" for k, v in params.items()) or "(no params)"
    op = "GET /api/v1/events"
    if status != expected.status:
        return [
            Problem(
                backend=backend,
                title=f"events?{form} answered {status}, expected {expected.status}",
                operation=op,
                expected=expected.status,
                actual=status,
            )
        ]
    if status != 200:
        return []
    got = [keys.get(e["id"], str(e["id"])) for e in body.get("events", [])]
    problems = []
    why = expected.explain(got)
    if why:
        problems.append(
            Problem(
                backend=backend,
                title=f"events?{form} order differs from the oracle",
                operation=op,
                detail=why,
                expected=list(expected.keys),
                actual=got,
            )
        )
    total = (body.get("meta") or {}).get("total")
    if expected.total is not None and total != expected.total:
        problems.append(
            Problem(
                backend=backend,
                title=f"events?{form} meta.total differs from the oracle",
                operation=op,
                expected=expected.total,
                actual=total,
            )
        )
    return problems


def structure(
    thread_events: Sequence[Event], keys: Mapping[Any, str]
) -> dict[str, tuple[Any, ...]]:
    """A backend's thread without ids, for comparing the two backends with each other."""
    return {
        keys[e["id"]]: (*(e.get(f) for f in FIELDS), keys.get(e.get("parent_id"), "?"))
        for e in thread_events
    }


def compare_backends(shapes: Mapping[str, Mapping[str, tuple[Any, ...]]]) -> list[Problem]:
    """Same actions, same structure: differences between rails and go."""
    rails, go = shapes.get("rails"), shapes.get("go")
    if rails is None or go is None or rails == go:
        return []
    differing = sorted(k for k in rails.keys() | go.keys() if rails.get(k) != go.get(k))
    return [
        Problem(
            backend="rails,go",
            title="the backends thread the same actions differently",
            detail=f"events {differing[:10]} (fields {', '.join(FIELDS)}, parent)",
            extra={
                "rails": {k: rails.get(k) for k in differing[:10]},
                "go": {k: go.get(k) for k in differing[:10]},
            },
        )
    ]
