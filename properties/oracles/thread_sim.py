"""The mutable events table the threading oracle replays actions on (threading.md 4, 7).

`ThreadState` holds one discussion's events, its sequence and position counters, and the
comments, polls and stances the parent rules look at. Its methods are the Rails callbacks:
`insert` (placement and counter caches), `reset_child_positions` and `repair`. The
per-action rules are in `thread_steps`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from properties.oracles.thread_model import ROOT, numbered, zero_fill

STANCE_KINDS = ("stance_created", "stance_updated")
POLL_CHILD_KINDS = (*STANCE_KINDS, "outcome_created", "poll_closed_by_user", "poll_reopened")


@dataclass(slots=True)
class Row:
    key: str
    action: int
    kind: str
    eventable_type: str
    eventable: str
    actor: str | None
    in_thread: bool = False
    sequence_id: int | None = None
    parent: str | None = None
    depth: int = 0
    position: int = 0
    position_key: str | None = None
    child_count: int = 0
    descendant_count: int = 0
    pinned: bool = False


@dataclass(slots=True)
class CommentState:
    reply_to: str | None
    author: str
    destroyed: bool = False


@dataclass(slots=True)
class PollState:
    hide_results: str
    anonymous: bool
    closed: bool = False
    discarded: bool = False
    stances: list[str] = field(default_factory=list)


@dataclass(slots=True)
class StanceState:
    poll: str
    participant: str
    reason: bool
    latest: bool = True


class ThreadState:
    """The mutable events table and counters of one discussion."""

    def __init__(self, max_depth: int, author: str) -> None:
        self.max_depth = max_depth
        self.rows: dict[str, Row] = {}
        self.seq_counter: int | None = None
        self.pos_counters: dict[str, int] = {}
        self.comments: dict[str, CommentState] = {}
        self.polls: dict[str, PollState] = {}
        self.stances: dict[str, StanceState] = {}
        self.outcome_poll: dict[str, str] = {}
        self.quirks: list[str] = []
        self.repair_pending = False
        self.max_depth_pending = False
        self.rows[ROOT] = Row(ROOT, -1, "new_discussion", "Discussion", "D", author)

    # -- placement (section 4) ------------------------------------------------------------

    def thread_rows(self) -> list[Row]:
        return [r for r in self.rows.values() if r.in_thread]

    def children(self, parent: str) -> list[Row]:
        kids = [r for r in self.thread_rows() if r.parent == parent]
        return sorted(kids, key=lambda r: r.sequence_id or 0)

    def first_thread_event(self, eventable: str) -> str | None:
        for row in self.rows.values():  # dicts keep insertion (= id) order
            if row.in_thread and row.eventable == eventable and row.kind in STANCE_KINDS:
                return row.key
        return None

    def parent_rule(self, row: Row) -> str | None:
        """The parent before the max-depth lift (threading.md section 3)."""
        if row.kind in ("poll_created", "discussion_moved"):
            return ROOT
        if row.kind in POLL_CHILD_KINDS:
            poll = self.stances[row.eventable].poll if row.kind in STANCE_KINDS else row.eventable
            if row.kind == "outcome_created":
                poll = self.outcome_poll[row.eventable]
            return f"poll_created:{poll}"
        reply_to = self.comments[row.eventable].reply_to
        if reply_to is None:
            return ROOT
        if reply_to in self.comments:
            return f"new_comment:{reply_to}"
        return self.first_thread_event(reply_to)

    def lifted_parent(self, row: Row) -> str | None:
        original = self.parent_rule(row)
        if original is None:
            return None
        if self.max_depth == self.rows[original].depth:
            return self.rows[original].parent
        return original

    def next_sequence_id(self) -> int:
        if self.seq_counter is None:
            ids = [r.sequence_id for r in self.thread_rows() if r.sequence_id is not None]
            self.seq_counter = max(ids, default=0)
        self.seq_counter += 1
        return self.seq_counter

    def next_position(self, parent: str) -> int:
        if parent not in self.pos_counters:
            positions = [r.position for r in self.thread_rows() if r.parent == parent]
            self.pos_counters[parent] = max(positions, default=0)
        self.pos_counters[parent] += 1
        return self.pos_counters[parent]

    def child_key(self, parent: str | None, position: int) -> str:
        parent_key = None if parent is None else self.rows[parent].position_key
        return zero_fill(position) if parent_key is None else f"{parent_key}-{zero_fill(position)}"

    def insert(self, row: Row) -> None:
        """Publish `row` as a thread item (section 4), then recount up to the root."""
        row.in_thread = True
        parent = self.lifted_parent(row)
        if parent is None:
            self.quirks.append(f"{row.key}: parent rule finds no thread event (orphan)")
        row.parent = parent
        row.depth = self.rows[parent].depth + 1 if parent is not None else 0
        row.sequence_id = self.next_sequence_id()
        row.position = self.next_position(parent) if parent is not None else 0
        row.position_key = self.child_key(parent, row.position)
        self.ripple(parent)

    # -- counter caches -------------------------------------------------------------------

    def recount(self, key: str) -> None:
        row = self.rows[key]
        row.child_count = len(self.children(key))
        if key == ROOT:
            row.descendant_count = len(self.thread_rows())
            return
        prefix = row.position_key
        row.descendant_count = sum(
            1
            for r in self.thread_rows()
            if r is not row
            and prefix is not None
            and r.position_key is not None
            and r.position_key.startswith(prefix)
        )

    def ripple(self, key: str | None) -> None:
        seen: set[str] = set()
        while key is not None and key not in seen:
            seen.add(key)
            self.recount(key)
            key = self.rows[key].parent

    def reset_child_positions(self, parent: str, *, in_repair: bool = False) -> None:
        """EventService.reset_child_positions: positions 1..n in sequence order.

        Only the children are rewritten; outside a repair (which renumbers every level),
        their descendants keep keys built on the old position.
        """
        for position, child in enumerate(self.children(parent), start=1):
            if child.position != position:
                if child.child_count and not in_repair:
                    self.quirks.append(f"{child.key}: renumbered, its descendants keep old keys")
                child.position = position
                child.position_key = self.child_key(parent, position)
        self.pos_counters.pop(parent, None)

    def repair(self) -> None:
        """EventService.repair_thread (threading.md section 7)."""
        for row in self.thread_rows():
            if row.sequence_id is None:
                row.sequence_id = self.next_sequence_id()
        items = sorted(self.thread_rows(), key=lambda r: r.sequence_id or 0)
        for row in items:
            row.parent, row.position, row.position_key, row.depth = ROOT, 0, None, 1
        for row in items:
            row.parent = self.lifted_parent(row)
            if row.parent is None:
                self.quirks.append(f"{row.key}: repair finds no parent (orphan)")
            row.depth = self.rows[row.parent].depth + 1 if row.parent is not None else 0
        self.reset_child_positions(ROOT, in_repair=True)
        for row in sorted(items, key=lambda r: (r.depth, r.sequence_id or 0)):
            self.reset_child_positions(row.key, in_repair=True)
        self.pos_counters.clear()
        for row in items:
            self.recount(row.key)
        self.recount(ROOT)
        self.repair_pending = self.max_depth_pending = False

    # -- publishing -----------------------------------------------------------------------

    def publish(self, action: int, kind: str, etype: str, ref: str, actor: str | None) -> Row:
        base = f"{kind}:{ref}"
        key, n = base, 1
        while key in self.rows:
            n += 1
            key = numbered(base, n)
        row = Row(key, action, kind, etype, ref, actor)
        self.rows[key] = row
        return row
