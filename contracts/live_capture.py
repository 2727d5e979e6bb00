"""Publication capture for the lockstep: what each side publishes to Redis, step by step.

Each example subscribes to both sides' `/records` and `/system_notice` for its whole life
(`LiveSession.example`). A step is held (`hold`) and checked only when due: just before the
next write is sent, or when the example ends. Reads go ahead in between, so the wait for a
write's publications overlaps them (a read changes nothing a late publication serializes);
a write must wait, since it could. The check first waits until both sides are quiet
(`settle`), for what the write must publish (contracts.live_expect, from Loomio's rules and
each side's own answer): a new event of a LiveUpdate kind, the discussion of a close, reopen
or mark-as-seen. The wait ends the moment each side's due records have arrived (bounded by
four times the slowest response-to-publication delay seen, 0.25-1 s), then lasts until no
message arrived for twice the longest pause seen inside one step's fan-out (2-25 ms). A
write the rules say never publishes does not wait; one that publishes only sometimes waits
for a first message (four times the slowest delay, 20-250 ms) until its operation was seen
to publish nothing `LEARN` times. Then what arrived is compared per room
(contracts.live_compare); a room whose counts differ gets a grace wait first (publication is
asynchronous: one side may just be slower). Each side's messages are counted the moment
they are read and probed, in the batch they arrived in, on a thread of their own
(contracts.live_probe: published before commit, a room with someone who may not read the
record); the check compares while the last probes run and waits for them before the next
write, so they read the state the step left. Problems are raised as they are, except leak
causes declared as Loomio's own. The settle time of every check is measured (`LiveStats`),
with why the step waited.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts.live_compare import (
    RECORDS,
    LiveDifference,
    Message,
    by_room,
    compare_room,
)
from contracts.live_expect import Expectation, expect, newest_event
from contracts.live_probe import Probe, Problem
from contracts.live_subscriber import PROBES_MAX, Subscriber
from harness.backends import Backends
from harness.noise import NoiseField
from harness.normalize import CanonicalIds

QUIET_MIN, QUIET_MAX = 0.002, 0.025  # no message for this long: the sides are quiet
GAP_MAX = 0.05  # a longer pause between two messages is not one step's fan-out
FIRST_MIN, FIRST_MAX = 0.02, 0.25  # bounds of the wait for a first message that may come
DUE_MAX = 1.0  # the wait for records a write must publish, whatever the delays seen
LEARN = 3  # successful writes of an operation before "it never publishes" is believed
SETTLE_MAX = 2.0  # one step's settle, whatever happens
GRACE = 1.0  # extra wait when the rooms' counts differ


@dataclass
class LiveStats:
    """What the capture did over a session: for the report and the bench."""

    steps: int = 0
    settle_s: list[float] = field(default_factory=list)
    delays_s: list[float] = field(default_factory=list)  # response -> first message
    gaps_s: list[float] = field(default_factory=list)  # between one side's messages of a step
    messages: dict[str, int] = field(default_factory=lambda: {"rails": 0, "go": 0})
    compared: int = 0  # messages compared pairwise
    kinds: dict[str, dict[str, int]] = field(default_factory=lambda: {"rails": {}, "go": {}})
    rooms: dict[str, set[str]] = field(default_factory=lambda: {"rails": set(), "go": set()})
    undecided: int = 0  # leak checks the oracle had no world for
    accepted: dict[str, tuple[int, str]] = field(default_factory=dict)  # cause -> (n, example)
    published: dict[str, list[int]] = field(default_factory=dict)  # op -> [writes, published]
    waits: dict[str, list[float]] = field(default_factory=dict)  # why a step waited -> settles
    differences: int = 0
    skipped: str = ""  # why nothing was captured

    def may_publish(self, operation: str) -> bool:
        """Whether a successful `operation` may publish: unknown yet, or it did before."""
        writes, published = self.published.get(operation, [0, 0])
        return writes < LEARN or published > 0

    def learn(self, operation: str, published: bool) -> None:
        counts = self.published.setdefault(operation, [0, 0])
        counts[0] += 1
        counts[1] += published

    def quiet(self) -> float:
        """Twice the longest pause seen inside one step's publications, bounded."""
        if not self.gaps_s:
            return QUIET_MAX
        return min(QUIET_MAX, max(QUIET_MIN, 2 * max(self.gaps_s[-100:])))

    def first_wait(self) -> float:
        """How long a write that may publish is given for a first message."""
        if not self.delays_s:
            return FIRST_MAX / 2
        return min(FIRST_MAX, max(FIRST_MIN, 4 * max(self.delays_s[-50:])))

    def due_wait(self) -> float:
        """How long a write's due records are waited for: they end the wait when they arrive,
        so the bound only matters when a side does not publish them."""
        slowest = 4 * max(self.delays_s[-50:], default=0.0)
        return min(DUE_MAX, max(FIRST_MAX, slowest))


@dataclass(frozen=True, slots=True, kw_only=True)
class StepReport:
    """What one step's publications gave: differences between sides, problems per side."""

    differences: tuple[LiveDifference, ...] = ()
    problems: tuple[tuple[str, Problem, Any], ...] = ()  # (side, problem, message)
    ignored: tuple[Any, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.differences or self.problems)


@dataclass(frozen=True, slots=True)
class Held:
    """A step answered and not checked yet: when, and what each side must publish after it."""

    outcome: Any
    answered: float  # time.monotonic() of the answer
    expected: dict[str, Expectation]  # side -> its due publications (contracts.live_expect)

    @property
    def due(self) -> bool:
        return any(e.tokens for e in self.expected.values())

    @property
    def sometimes(self) -> bool:
        return any(e.sometimes for e in self.expected.values())


class LiveCapture:
    """One example's subscriptions to both sides, and the per-step check."""

    def __init__(
        self,
        rails: Subscriber,
        go: Subscriber,
        changed: threading.Condition,
        accepted: frozenset[str] = frozenset(),
        newest: dict[str, int] | None = None,
    ) -> None:
        self.sides = {"rails": rails, "go": go}
        self.accepted = accepted  # leak causes declared as Loomio's own (contracts/ignore.yaml)
        self.changed = changed
        self.compared: dict[str, int] = {}  # room -> messages compared so far
        self.seen = {"rails": 0, "go": 0}  # messages (and problems) already looked at
        self.problems_seen = {"rails": 0, "go": 0}
        self.pending: Held | None = None  # the last step, not yet checked
        # side -> the highest event id it answered so far (kept over a session's examples)
        self.newest = newest if newest is not None else {"rails": 0, "go": 0}

    @classmethod
    def open(
        cls,
        backends: Backends,
        probes: dict[str, Probe | None],
        accepted: frozenset[str],
        newest: dict[str, int] | None = None,
    ) -> LiveCapture:
        changed = threading.Condition()
        subscribers = {
            b.name: Subscriber(str(b.redis_url), changed, probes.get(b.name)) for b in backends
        }
        return cls(subscribers["rails"], subscribers["go"], changed, accepted, newest)

    def close(self) -> None:
        for subscriber in self.sides.values():
            subscriber.close()

    def hold(self, outcome: Any, ids: dict[str, CanonicalIds]) -> None:
        """Keep a step answered just now, to check later, with what each side must publish
        after it (from its answer and `ids`, its raw ids). A write stays held through the
        reads after it: a read changes nothing its publications serialize, so the wait for
        them overlaps the reads."""
        call = outcome.call
        expected = {}
        for name in self.sides:
            answer = getattr(outcome, name)
            target = _raw(call.path[1], ids[name]) if len(call.path) > 1 else None
            path = [p if isinstance(p, str) else "{id}" for p in call.path]
            expected[name] = expect(
                call.method, path, target, answer.status, answer.body, self.newest[name]
            )
            self.newest[name] = max(self.newest[name], newest_event(answer.body))
        if self.pending is None or self.pending.outcome.call.method == "GET":
            self.pending = Held(outcome, time.monotonic(), expected)

    def due(self, call: Any | None) -> bool:
        """Whether the held step must be checked before `call` is sent (None: the example
        ends): before any write, which could change what a late publication serializes."""
        return self.pending is not None and (call is None or call.method != "GET")

    def total(self) -> int:
        return sum(len(s.messages) for s in self.sides.values())

    def _wait_for(self, predicate: Callable[[], bool], until: float) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout=max(0.0, until - time.monotonic()))

    def settle(self, held: Held, sometimes: bool, stats: LiveStats) -> float:
        """Wait until both sides are quiet; the seconds waited. A write with due records
        waits until each side's have arrived (bounded by `stats.due_wait`); one that may
        publish (`sometimes`) waits for a first message (bounded by `stats.first_wait`);
        then, when anything arrived, until no message came for the quiet window."""
        start = time.monotonic()
        bound = start + SETTLE_MAX
        before = self.seen_total()
        if held.due:
            self._wait_for(
                lambda: self._arrived(held.expected),
                min(bound, held.answered + stats.due_wait()),
            )
        elif sometimes:
            self._wait_for(
                lambda: self.total() > before,
                min(bound, held.answered + stats.first_wait()),
            )
        if self.total() == before:
            return time.monotonic() - start
        stats.delays_s.append(max(0.0, self._first_after(before) - held.answered))
        while True:
            count = self.total()
            # the whole fan-out must be out before the next step changes what a late
            # publication would serialize (a parent's child_count, say): quiet since the
            # last message arrived
            quiet = not self._wait_for(
                lambda count=count: self.total() > count,  # type: ignore[misc]  # bound now
                min(bound, self._last_arrival() + stats.quiet()),
            )
            if quiet or time.monotonic() >= bound:
                self._learn_gaps(stats)
                return time.monotonic() - start

    def _arrived(self, expected: dict[str, Expectation]) -> bool:
        """Whether each side's due records have arrived since the last check."""
        return all(
            expected[name].met_by(m.records for m in s.messages[self.seen[name] :])
            for name, s in self.sides.items()
        )

    def _last_arrival(self) -> float:
        return max((s.messages[-1].at for s in self.sides.values() if s.messages), default=0.0)

    def _learn_gaps(self, stats: LiveStats) -> None:
        """The pauses between one side's messages of one step (a fan-out is published one
        room at a time): the quiet window must outlast them."""
        for name, subscriber in self.sides.items():
            times = [m.at for m in subscriber.messages[self.seen[name] :]]
            gaps = [b - a for a, b in itertools.pairwise(times) if b - a < GAP_MAX]
            stats.gaps_s += gaps

    def seen_total(self) -> int:
        """Messages of both sides looked at by the last check."""
        return sum(self.seen.values())

    def _first_after(self, before: int) -> float:
        times = [m.at for s in self.sides.values() for m in s.messages]
        return min(sorted(times)[before:], default=time.monotonic())

    def check(
        self,
        ids: tuple[CanonicalIds, CanonicalIds],
        noise: Sequence[NoiseField],
        stats: LiveStats,
    ) -> StepReport:
        """Compare what arrived since the last check (while the probes of the last messages
        may still run); a count mismatch gets a grace wait."""
        if self._counts_differ():
            self._wait_for(lambda: not self._counts_differ(), time.monotonic() + GRACE)
        with self.changed:
            arrived = {name: list(s.messages) for name, s in self.sides.items()}
        rails = by_room(arrived["rails"], ids[0])
        go = by_room(arrived["go"], ids[1])
        differences: list[LiveDifference] = []
        ignored: list[Any] = []
        for room in sorted(set(rails) | set(go)):
            left, right = rails.get(room, []), go.get(room, [])
            start = self.compared.get(room, 0)
            found, set_aside = compare_room(room, left, right, ids, start, noise)
            differences += found
            ignored += set_aside
            stats.compared += max(0, min(len(left), len(right)) - start)
            self.compared[room] = max(len(left), len(right))
        self._count(stats, arrived, rails, go)
        stats.differences += len(differences)
        # the probes read the state this step left: done before the next write changes it
        self._wait_for(
            lambda: all(s.inspected() for s in self.sides.values()),
            time.monotonic() + PROBES_MAX,
        )
        problems = []
        for side, problem, message in self._new_problems():
            if problem.cause and problem.cause in self.accepted:
                n, example = stats.accepted.get(problem.cause, (0, f"{side}: {problem.detail}"))
                stats.accepted[problem.cause] = (n + 1, example)
            else:
                problems.append((side, problem, message))
        return StepReport(
            differences=tuple(differences), problems=tuple(problems), ignored=tuple(ignored)
        )

    def step(
        self, held: Held, lockstep: Any, noise: Sequence[NoiseField], stats: LiveStats
    ) -> StepReport:
        """Settle after one lockstep step, then check what it published. A write with due
        records waits for them; one the facts say may publish waits for a first message
        while its operation is not known to publish nothing; any other does not wait."""
        operation = held.outcome.call.operation
        before = self.seen_total()
        stats.steps += 1
        sometimes = not held.due and held.sometimes
        waited = self.settle(held, sometimes and stats.may_publish(operation), stats)
        stats.settle_s.append(waited)
        why = "due" if held.due else "sometimes" if sometimes else "none"
        stats.waits.setdefault(why, []).append(waited)
        if sometimes:
            stats.learn(operation, self.total() > before)
        return self.check((lockstep.rails.ids, lockstep.go.ids), noise, stats)

    def _counts_differ(self) -> bool:
        with self.changed:
            a = len(self.sides["rails"].messages)
            b = len(self.sides["go"].messages)
        return a != b

    def _new_problems(self) -> list[tuple[str, Problem, Any]]:
        out = []
        for name, subscriber in self.sides.items():
            with self.changed:
                fresh = subscriber.problems[self.problems_seen[name] :]
                self.problems_seen[name] = len(subscriber.problems)
            out += [(name, problem, subscriber.messages[i].value) for i, problem in fresh]
        return out

    def _count(
        self,
        stats: LiveStats,
        arrived: dict[str, list[Message]],
        *sides: dict[str, list[Message]],
    ) -> None:
        for name, rooms in zip(("rails", "go"), sides, strict=True):
            fresh = arrived[name][self.seen[name] :]
            self.seen[name] = len(arrived[name])
            stats.messages[name] += len(fresh)
            stats.rooms[name] |= set(rooms)
            for message in fresh:
                for kind in _kinds(message):
                    stats.kinds[name][kind] = stats.kinds[name].get(kind, 0) + 1


def _kinds(message: Message) -> list[str]:
    """The event kinds (or the model collection) a message publishes."""
    if message.channel != RECORDS:
        return [message.channel]
    records = message.records
    if not isinstance(records, dict):
        return ["(not an envelope)"]
    events = records.get("events")
    if isinstance(events, list) and events:
        return [str(e.get("kind")) for e in events if isinstance(e, dict)]
    # no meta.root in a publication: the published model is the first of these present
    for root in ("discussions", "stances", "users", "notifications"):
        if isinstance(records.get(root), list) and records[root]:
            return [f"({root})"]
    return ["(other)"]


def _raw(part: Any, ids: CanonicalIds) -> Any:
    """A side's raw id of a path's record reference (None: a literal part, or unknown)."""
    name = getattr(part, "name", None)
    return ids.raw(name) if isinstance(name, str) and ids.has(name) else None
