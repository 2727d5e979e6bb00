"""The 13 invariants of threading.md section 8, checked on API JSON.

`invariants(events, discussion)` takes event dicts as the API sends them (`id`, `kind`,
`discussion_id`, `sequence_id`, `parent_id`, `depth`, `position`, `position_key`,
`child_count`, `descendant_count`, `actor_id`, and for invariant 12 `eventable_id`) — the
primary `events` plus `parent_events` of GET /api/v1/events pages, or `to_api(thread)` of
the oracle — and the discussion dict (`id`, `max_depth`, `items_count`, `ranges`, optionally
`created_event_id`). It returns the violations; an empty list means the thread is sound.

Modes: `repaired=True` demands positions exactly 1..n (invariant 5 after a repair);
`max_depth_pending=True` skips invariant 8. Invariant 11 needs a `previous` snapshot,
12 the `stances`/`polls` records by id, 13 an unfiltered `index_response` (GET
/api/v1/events?discussion_id=D&per=N); each is skipped when its input is absent.

Exceptions the facts allow: a `poll_created` event at depth 0 under the root (add-to-thread
of a hidden-results poll, invariant 3), and a discarded poll's `poll_created` event —
recognised by `actor_id` null and `child_count` 0 — whose child_count is forced to 0 and
descendant_count is stale (6, 7). A thread item whose parent joined the thread after it
(a hidden stance moved in at poll close) is placed by the repair at depth 2 (section 7.4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from properties.oracles.thread_model import compress_ranges, zero_fill

Event = Mapping[str, Any]
BLANK_REASONS = ("", "<p></p>")


@dataclass(frozen=True, slots=True)
class Violation:
    """Invariant `invariant` (threading.md 8) broken at event `event_id` (None: the thread)."""

    invariant: int
    event_id: Any
    message: str

    def __str__(self) -> str:
        where = "thread" if self.event_id is None else f"event {self.event_id}"
        return f"invariant {self.invariant} ({where}): {self.message}"


def _find_root(events: Sequence[Event], discussion: Mapping[str, Any]) -> Event | None:
    root_id = discussion.get("created_event_id")
    for event in events:
        if event.get("kind") == "new_discussion" and root_id in (None, event.get("id")):
            return event
    return None


def _check_root(root: Event | None, items: list[Event]) -> list[Violation]:
    if root is None:
        return [Violation(1, None, "no new_discussion root event given")]
    rid, out = root.get("id"), []
    expected = {"discussion_id": None, "sequence_id": None, "depth": 0, "position_key": "00000"}
    for field, value in expected.items():
        if root.get(field) != value:
            out.append(Violation(1, rid, f"root {field} is {root.get(field)!r}, not {value!r}"))
    if root.get("descendant_count") != len(items):
        out.append(
            Violation(
                1, rid, f"root descendant_count {root.get('descendant_count')} != {len(items)}"
            )
        )
    return out


def _check_sequence_ids(items: list[Event]) -> list[Violation]:
    out, seen = [], set()
    for e in items:
        sid = e.get("sequence_id")
        if sid is None:
            out.append(Violation(2, e["id"], "thread event without sequence_id"))
        elif sid in seen:
            out.append(Violation(2, e["id"], f"duplicate sequence_id {sid}"))
        seen.add(sid)
    return out


def _check_placement(e: Event, parent: Event | None, root_id: Any) -> list[Violation]:
    eid, out = e["id"], []
    if parent is None:
        return [
            Violation(3, eid, f"parent {e.get('parent_id')!r} is neither root nor thread event")
        ]
    is_root = parent["id"] == root_id
    if e.get("kind") == "poll_created" and is_root and e.get("depth") == 0:
        return []
    # a repair (section 7.4) meets a parent that joined the thread after its child (a hidden
    # stance moved in at poll close) at the reset depth 1, before placing it
    entered_later = not is_root and _seq(parent) > _seq(e)
    depth = 2 if entered_later else parent.get("depth", 0) + 1
    if e.get("depth") != depth:
        out.append(Violation(3, eid, f"depth {e.get('depth')} != {depth} (parent depth + 1)"))
    prefix = "" if is_root else f"{parent.get('position_key')}-"
    key = f"{prefix}{zero_fill(e.get('position') or 0)}"
    if e.get("position_key") != key:
        out.append(Violation(4, eid, f"position_key {e.get('position_key')!r} != {key!r}"))
    elif not entered_later and len(key) != 6 * (e.get("depth") or 0) - 1:
        out.append(Violation(4, eid, f"position_key {key!r} has the wrong length for its depth"))
    return out


def _check_siblings(items: list[Event], parent_id: Any, repaired: bool) -> list[Violation]:
    kids = sorted((e for e in items if e.get("parent_id") == parent_id), key=_seq)
    positions = [e.get("position") for e in kids]
    if repaired and positions != list(range(1, len(kids) + 1)):
        return [Violation(5, parent_id, f"children positions {positions} are not 1..n")]
    if any(a >= b for a, b in pairwise(positions)):  # type: ignore[operator]  # ints
        return [Violation(5, parent_id, f"children positions {positions} not increasing")]
    return []


def _seq(e: Event) -> int:
    return e.get("sequence_id") or 0


def _check_counts(e: Event, items: list[Event]) -> list[Violation]:
    eid, out = e["id"], []
    discarded_poll = (
        e.get("kind") == "poll_created" and e.get("actor_id") is None and e.get("child_count") == 0
    )
    children = sum(1 for x in items if x.get("parent_id") == eid)
    if not discarded_poll and e.get("child_count") != children:
        out.append(Violation(6, eid, f"child_count {e.get('child_count')} != {children}"))
    key = e.get("position_key")
    below = sum(
        1
        for x in items
        if x is not e and key is not None and str(x.get("position_key") or "").startswith(key)
    )
    if not discarded_poll and e.get("descendant_count") != below:
        out.append(Violation(7, eid, f"descendant_count {e.get('descendant_count')} != {below}"))
    return out


def _preorder(items: list[Event], root_id: Any) -> list[Any]:
    kids: dict[Any, list[Event]] = {}
    for e in items:
        kids.setdefault(e.get("parent_id"), []).append(e)
    out: list[Any] = []
    stack = sorted(kids.get(root_id, []), key=lambda e: e.get("position") or 0, reverse=True)
    while stack:
        e = stack.pop()
        out.append(e["id"])
        stack.extend(
            sorted(kids.get(e["id"], []), key=lambda x: x.get("position") or 0, reverse=True)
        )
    return out


def _check_order(items: list[Event], root_id: Any) -> list[Violation]:
    by_key = [e["id"] for e in sorted(items, key=lambda e: str(e.get("position_key") or ""))]
    tree = _preorder(items, root_id)
    if by_key != tree:
        return [Violation(9, None, f"position_key order {by_key} != tree pre-order {tree}")]
    return []


def _check_discussion(items: list[Event], discussion: Mapping[str, Any]) -> list[Violation]:
    sids = [e["sequence_id"] for e in items if e.get("sequence_id") is not None]
    out = []
    if discussion.get("items_count") != len(sids):
        out.append(
            Violation(10, None, f"items_count {discussion.get('items_count')} != {len(sids)}")
        )
    ranges = [list(r) for r in compress_ranges(sids)]
    if [list(r) for r in discussion.get("ranges") or []] != ranges:
        out.append(Violation(10, None, f"ranges {discussion.get('ranges')} != {ranges}"))
    return out


def _check_growth(previous: Sequence[Event], items: list[Event], did: Any) -> list[Violation]:
    before = {e["id"]: e.get("sequence_id") for e in previous if e.get("discussion_id") == did}
    kept = [e for e in items if e["id"] in before]
    out = [
        Violation(11, e["id"], f"sequence_id changed from {before[e['id']]} to {e['sequence_id']}")
        for e in kept
        if e.get("sequence_id") != before[e["id"]]
    ]
    floor = max((_seq(e) for e in kept), default=0)
    out += [
        Violation(11, e["id"], f"new sequence_id {e.get('sequence_id')} not above {floor}")
        for e in items
        if e["id"] not in before and _seq(e) <= floor
    ]
    return out


def _check_stances(
    items: list[Event], stances: Mapping[Any, Event], polls: Mapping[Any, Event]
) -> list[Violation]:
    out = []
    for e in items:
        stance = stances.get(e.get("eventable_id")) if e.get("eventable_type") == "Stance" else None
        if stance is None:
            continue
        if "reason" in stance and (stance["reason"] or "").strip() in BLANK_REASONS:
            out.append(Violation(12, e["id"], "stance event in the thread with a blank reason"))
        poll = polls.get(stance.get("poll_id"), {})
        if poll.get("hide_results") == "until_closed" and poll.get("closed_at") is None:
            out.append(Violation(12, e["id"], "stance event of an open until_closed poll"))
    return out


def _check_index(index: Mapping[str, Any], items: list[Event], did: Any) -> list[Violation]:
    out = []
    for e in index.get("events", []):
        if e.get("kind") == "new_discussion" or e.get("discussion_id") != did:
            out.append(Violation(13, e.get("id"), "events index returned a non-thread event"))
    total = (index.get("meta") or {}).get("total")
    if total != len(items):
        out.append(Violation(13, None, f"meta.total {total} != {len(items)} thread events"))
    return out


def invariants(
    events: Sequence[Event],
    discussion: Mapping[str, Any],
    *,
    root: Event | None = None,
    repaired: bool = False,
    max_depth_pending: bool = False,
    previous: Sequence[Event] | None = None,
    stances: Mapping[Any, Event] | None = None,
    polls: Mapping[Any, Event] | None = None,
    index_response: Mapping[str, Any] | None = None,
) -> list[Violation]:
    """Every threading.md section 8 invariant that `events` of `discussion` break."""
    did = discussion["id"]
    unique = {e["id"]: e for e in events}
    items = [e for e in unique.values() if e.get("discussion_id") == did]
    root = root or _find_root(list(unique.values()), discussion)
    out = _check_root(root, items) + _check_sequence_ids(items)
    root_id = None if root is None else root["id"]
    by_id = {e["id"]: e for e in items}
    if root is not None:
        by_id[root_id] = root
    for e in items:
        out += _check_placement(e, by_id.get(e.get("parent_id")), root_id)
        out += _check_counts(e, items)
        if not max_depth_pending and (e.get("depth") or 0) > discussion.get("max_depth", 2):
            out.append(Violation(8, e["id"], f"depth {e.get('depth')} > max_depth"))
    for parent_id in by_id:
        out += _check_siblings(items, parent_id, repaired)
    if root is not None:
        rc = root.get("child_count")
        depth_one = sum(1 for e in items if e.get("parent_id") == root_id)
        if rc != depth_one:
            out.append(Violation(6, root_id, f"root child_count {rc} != {depth_one}"))
        out += _check_order(items, root_id)
    out += _check_discussion(items, discussion)
    if previous is not None:
        out += _check_growth(previous, items, did)
    if stances is not None and polls is not None:
        out += _check_stances(items, stances, polls)
    if index_response is not None:
        out += _check_index(index_response, items, did)
    return out
