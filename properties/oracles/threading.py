"""Threading oracle: the events Loomio's Rails app produces for a sequence of thread actions.

`simulate(actions, max_depth=2)` replays the rules of threading.md (section 4 placement and
counters, section 6 discard/destroy/poll rules, section 7 repair) on an in-memory events
table and returns a `Thread`: every expected event (thread items, the root, and the events
that stay outside the thread), each action's expected status, and the discussion's
items_count and ranges. Pure: no I/O, no ids.

The read side is `query_events` (GET /api/v1/events, every filter and the 500/404 quirks),
`comment_event`, `position_keys` and `timeline`; the section 8 invariant checker, which
works on API JSON, is `invariants`.

    thread = simulate([Comment("A"), Comment("B", reply_to="A")])
    thread.event("new_comment:B").position_key == "00001-00001"
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from properties.oracles import thread_steps
from properties.oracles.thread_actions import (
    ChangeVote,
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    DestroyComment,
    DiscardComment,
    DiscardPoll,
    EditComment,
    PinEvent,
    ReopenPoll,
    Repair,
    SetMaxDepth,
    ThreadAction,
    UndiscardComment,
    UnpinEvent,
    Vote,
)
from properties.oracles.thread_invariants import Violation, invariants
from properties.oracles.thread_model import (
    ROOT,
    ROOT_KEY_SERIALIZED,
    ActionOutcome,
    ExpectedDiscussion,
    ExpectedEvent,
    Thread,
    compress_ranges,
    numbered,
    synthetic_ids,
    to_api,
    to_api_event,
    zero_fill,
)
from properties.oracles.thread_queries import (
    QueryResult,
    TimelineRow,
    comment_event,
    position_keys,
    query_events,
    timeline,
)
from properties.oracles.thread_sim import Row, ThreadState

__all__ = [
    "ROOT",
    "ActionOutcome",
    "ChangeVote",
    "ClosePoll",
    "Comment",
    "CreateOutcome",
    "CreatePoll",
    "DestroyComment",
    "DiscardComment",
    "DiscardPoll",
    "EditComment",
    "ExpectedDiscussion",
    "ExpectedEvent",
    "PinEvent",
    "QueryResult",
    "ReopenPoll",
    "Repair",
    "SetMaxDepth",
    "Thread",
    "ThreadAction",
    "TimelineRow",
    "UndiscardComment",
    "UnpinEvent",
    "Violation",
    "Vote",
    "comment_event",
    "invariants",
    "position_keys",
    "query_events",
    "simulate",
    "synthetic_ids",
    "timeline",
    "to_api",
    "to_api_event",
    "zero_fill",
]


def listed_keys(rows: Iterable[Row]) -> dict[str, str]:
    """Each row's key as the events list numbers it (thread_driver.keyed): repeats of one
    kind and eventable numbered `#2`, `#3` among the rows *in the thread*, in publication
    order. A stance updated in place twice, first without a reason (that event stays out of
    the thread), then with one: the API lists one `stance_updated:S1`, which the oracle had
    published second (`stance_updated:S1#2`). A row outside the thread keeps its key unless
    a listed row now has it; then it gets one no listed event can have."""
    rows = list(rows)
    seen: dict[str, int] = {}
    names: dict[str, str] = {}
    for row in rows:
        if row.in_thread and row.key != ROOT:
            base = f"{row.kind}:{row.eventable}"
            seen[base] = seen.get(base, 0) + 1
            names[row.key] = numbered(base, seen[base])
    listed = set(names.values())
    for row in rows:
        if row.key not in names:
            names[row.key] = f"{row.key} (outside the thread)" if row.key in listed else row.key
    return names


def _freeze(row: Row, names: Mapping[str, str]) -> ExpectedEvent:
    key = ROOT_KEY_SERIALIZED if row.kind == "new_discussion" else row.position_key
    return ExpectedEvent(
        key=names[row.key],
        action=row.action,
        kind=row.kind,
        eventable_type=row.eventable_type,
        eventable=row.eventable,
        actor=row.actor,
        in_thread=row.in_thread,
        sequence_id=row.sequence_id,
        parent=names.get(row.parent, row.parent) if row.parent is not None else None,
        depth=row.depth,
        position=row.position,
        position_key=key,
        child_count=row.child_count,
        descendant_count=row.descendant_count,
        pinned=row.pinned,
    )


def simulate(
    actions: Iterable[ThreadAction], *, max_depth: int = 2, author: str = "author"
) -> Thread:
    """Replay `actions` on a new discussion by `author` (DB default max_depth 2)."""
    if max_depth < 1:
        raise ValueError(f"max_depth must be at least 1, got {max_depth}")
    state = ThreadState(max_depth, author)
    outcomes = [thread_steps.apply(state, i, action) for i, action in enumerate(actions)]
    rows = list(state.rows.values())
    names = listed_keys(rows)
    sequence_ids = [r.sequence_id for r in rows if r.in_thread and r.sequence_id is not None]
    return Thread(
        events=tuple(_freeze(r, names) for r in rows),
        outcomes=tuple(outcomes),
        discussion=ExpectedDiscussion(
            max_depth=state.max_depth,
            items_count=len(sequence_ids),
            ranges=compress_ranges(sequence_ids),
        ),
        repair_pending=state.repair_pending,
        max_depth_pending=state.max_depth_pending,
        quirks=tuple(state.quirks),
    )
