"""Outputs of the threading oracle: expected events, per-action outcomes and the discussion.

An event is identified by its `key`, independent of database ids:

* `"root"` for the discussion's `new_discussion` event;
* `"<kind>:<eventable ref>"` otherwise (`"new_comment:A"`, `"poll_created:P"`), with `#2`,
  `#3`, … appended for the second, third, … event of the same kind and eventable (a poll
  closed twice, a stance updated twice).

`action` is the index of the action that published the event (-1 for the root). A harness
records, for each action it sends, the event ids in the response, and so maps keys to ids.
`to_api_event` renders an expected event with such a map in the shape of the API's event JSON
(api-envelope.md section 11).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

ROOT = "root"
ROOT_KEY_SERIALIZED = "00000"


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedEvent:
    """One row of the `events` table as the API shows it (position_key as serialized)."""

    key: str
    action: int
    kind: str
    eventable_type: str
    eventable: str
    actor: str | None
    in_thread: bool
    sequence_id: int | None
    parent: str | None
    depth: int
    position: int
    position_key: str | None
    child_count: int
    descendant_count: int
    pinned: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionOutcome:
    """The expected response of one action: status, events published, and the destroy body.

    `remaining_children` is set for a successful comment destroy: the keys of the parent's
    children right after deletion in position order (the response body), or None for JSON null.
    """

    status: int
    published: tuple[str, ...] = ()
    remaining_children: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ExpectedDiscussion:
    """Discussion fields the thread determines."""

    max_depth: int
    items_count: int
    ranges: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Thread:
    """The oracle's answer for an action sequence.

    `repair_pending` is true after a destroy or max_depth change with no `Repair()` since;
    `max_depth_pending` after a max_depth change with no repair since. `quirks` names Loomio
    behaviours that leave the tree outside the threading.md section 8 invariants (orphans,
    parents that left the thread, keys not rewritten); empty means the invariants must hold.
    """

    events: tuple[ExpectedEvent, ...]
    outcomes: tuple[ActionOutcome, ...]
    discussion: ExpectedDiscussion
    repair_pending: bool
    max_depth_pending: bool
    quirks: tuple[str, ...]

    @property
    def root(self) -> ExpectedEvent:
        return self.events[0]

    def event(self, key: str) -> ExpectedEvent:
        for event in self.events:
            if event.key == key:
                return event
        raise KeyError(f"no event {key!r}; known: {[e.key for e in self.events]}")

    def thread_events(self) -> tuple[ExpectedEvent, ...]:
        """Events with discussion_id set (what GET /api/v1/events filters on), by sequence_id."""
        items = [e for e in self.events if e.in_thread]
        return tuple(sorted(items, key=lambda e: (e.sequence_id or 0, e.key)))

    def by_position_key(self) -> tuple[ExpectedEvent, ...]:
        """Thread events in position_key order (depth-first pre-order), nulls last."""
        items = self.thread_events()
        return tuple(sorted(items, key=lambda e: (e.position_key is None, e.position_key or "")))


def numbered(base: str, n: int) -> str:
    """The n-th event of one kind and eventable: `stance_created:S1`, then `stance_created:S1#2`
    (the oracle and the driver name events alike)."""
    return base if n == 1 else f"{base}#{n}"


def zero_fill(position: int) -> str:
    """Loomio's 5-character left zero padding of one position_key segment."""
    return str(position).rjust(5, "0")


def compress_ranges(sequence_ids: list[int]) -> tuple[tuple[int, int], ...]:
    """Sorted ids as maximal runs of consecutive integers: [1,2,3,5] -> ((1,3),(5,5))."""
    runs: list[list[int]] = []
    for sid in sorted(set(sequence_ids)):
        if runs and runs[-1][1] == sid - 1:
            runs[-1][1] = sid
        else:
            runs.append([sid, sid])
    return tuple((a, b) for a, b in runs)


def to_api_event(
    event: ExpectedEvent,
    *,
    event_ids: Mapping[str, int],
    discussion_id: int,
    actor_ids: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """Render an expected event as the API's event JSON (ids through the given maps)."""
    actor: Any = event.actor
    if actor is not None and actor_ids is not None:
        actor = actor_ids[actor]
    return {
        "id": event_ids[event.key],
        "kind": event.kind,
        "sequence_id": event.sequence_id,
        "position": event.position,
        "position_key": event.position_key,
        "depth": event.depth,
        "child_count": event.child_count,
        "descendant_count": event.descendant_count,
        "discussion_id": discussion_id if event.in_thread else None,
        "parent_id": None if event.parent is None else event_ids[event.parent],
        "eventable_type": event.eventable_type,
        "actor_id": actor,
        "pinned": event.pinned,
    }


def synthetic_ids(thread: Thread, start: int = 1000) -> dict[str, int]:
    """Event ids in publication order, as a fresh database would give them."""
    return {event.key: start + index for index, event in enumerate(thread.events)}


def to_api(
    thread: Thread, *, event_ids: Mapping[str, int] | None = None, discussion_id: int = 1
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(every event as API JSON, root included; the discussion JSON) for `invariants()`."""
    ids = synthetic_ids(thread) if event_ids is None else event_ids
    events = [to_api_event(e, event_ids=ids, discussion_id=discussion_id) for e in thread.events]
    discussion = {
        "id": discussion_id,
        "max_depth": thread.discussion.max_depth,
        "items_count": thread.discussion.items_count,
        "ranges": [list(r) for r in thread.discussion.ranges],
        "created_event_id": ids[ROOT],
    }
    return events, discussion
