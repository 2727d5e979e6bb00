"""One channel script on both sides: the tabs of each side, the oracle, settle and check.

`Script` runs each action on rails and go at once (one asyncio loop), waits until every
socket has what the oracle says it should (bounded) and a short quiet window for extras,
then checks each side against the oracle and the two sides against each other, all through
the comparison core (contracts.channels.deliveries). A difference raises ChannelFailure.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from contracts.channels.client import BARRIER, LoopThread, Tab
from contracts.channels.deliveries import sequence_differences
from contracts.channels.oracle import Entry, RoomOracle
from contracts.channels.payloads import encode
from harness.channels import ChannelPair
from harness.compare import Difference, Kind
from harness.redact import register_secret

SIDES = ("rails", "go")
SETTLE_TIMEOUT = 1.0  # seconds a socket may take to receive what it should (then: missing)
# Once a difference was found, Hypothesis shrinks the script: hundreds of replays, each
# waiting out the timeout where a delivery is missing. They wait less (deliveries take ms).
SHRINK_SETTLE_TIMEOUT = 0.4
# Seconds of quiet after the last expected delivery, for extra ones, at the end of an
# example. Steps do not wait: every check compares whole sequences, so an extra delivery
# that comes late is seen by the next check (a step costs the delivery time, ~ms).
FINAL_QUIET = 0.1
BARRIER_RETRY = 0.05  # seconds before a barrier record is published again
WINDOW_MARGIN = 0.3  # seconds waited past a recovery window
MALFORMED_GRACE = 0.1  # seconds for a server to choke on malformed JSON
# publish -> deliver latency histogram, upper bounds in milliseconds
LATENCY_BUCKETS = (0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)


class ChannelFailure(AssertionError):
    """A socket received other than its rooms were sent, or the sides differ."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One difference: which check, which side (or both), which socket, the difference."""

    check: str  # "room_oracle" (a side vs the oracle) or "channel_lockstep" (rails vs go)
    side: str
    socket: str
    difference: Difference


@dataclass
class ChannelRun:
    """What every example shares: the servers, the loop, figures, the last failure."""

    pair: ChannelPair
    loop: LoopThread
    skip: frozenset[str] = frozenset()
    window: float | None = None  # a recovery window short enough to wait out
    examples: int = 0
    sockets: int = 0
    recoveries: int = 0  # reconnections that resumed a kept session (the oracle says)
    windows: int = 0  # recovery windows waited out
    publications: int = 0
    compared: int = 0  # deliveries checked against the oracle, per side, summed
    rooms: set[str] = field(default_factory=set)
    latency: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in SIDES})
    failure: tuple[list[str], list[Violation]] | None = None
    # a side whose server process exited: the steps of the example it died in, its log tail
    deaths: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)
    detected_after: float | None = None

    @property
    def settle_timeout(self) -> float:
        return SETTLE_TIMEOUT if self.failure is None else SHRINK_SETTLE_TIMEOUT


@dataclass
class Script:
    """One example: the oracle, each side's tabs, the steps so far."""

    run: ChannelRun
    oracle: RoomOracle = field(default_factory=RoomOracle)
    tabs: dict[str, dict[str, Tab]] = field(default_factory=lambda: {s: {} for s in SIDES})
    steps: list[str] = field(default_factory=list)
    failed: bool = False
    sent: dict[str, list[tuple[float, str]]] = field(default_factory=lambda: {s: [] for s in SIDES})

    def both(self, action: Callable[[str], Coroutine[Any, Any, None]]) -> None:
        """Run `action(side)` on both sides at once."""

        async def together() -> None:
            await asyncio.gather(*(action(side) for side in SIDES))

        self.run.loop.run(together())

    # -- actions -------------------------------------------------------------------------

    def boot(self, token: str, entry: Entry) -> None:
        register_secret(token)  # a channel token is a credential: masked in every report
        self.steps.append(f"boot: SET /current_users/{token} = {_entry_json(entry)}")
        for side in SIDES:
            self.run.pair[side].store_token(token, _entry_json(entry))
        self.oracle.boot(token, entry)

    def connect(self, name: str, token: str | None, claim: tuple[int, ...]) -> None:
        claimed = f", claiming groups {list(claim)}" if claim else ""
        self.steps.append(f"connect {name} with token {token!r}{claimed}")
        for side in SIDES:
            self.tabs[side][name] = Tab(name=name, token=token, claim=claim)
        self.oracle.connect(name, token)
        self.run.sockets += 1
        self.both(lambda side: self.tabs[side][name].connect(self.run.pair[side].url))
        self.joined(name)

    def reconnect(self, name: str, *, resume: bool) -> None:
        recovered = self.oracle.reconnect(name, resume=resume)
        self.run.recoveries += recovered
        how = "resuming (pid, offset)" if resume else "afresh"
        self.steps.append(f"reconnect {name} {how}: recovered={recovered}")
        self.both(
            lambda side: self.tabs[side][name].connect(self.run.pair[side].url, resume=resume)
        )
        self.joined(name)

    def outlast_window(self, window: float) -> None:
        """Wait the recovery window out, then broadcast to a room nobody is in: the server
        forgets the kept sessions and the packets (so the offsets) older than the window."""
        self.steps.append(f"wait {window + WINDOW_MARGIN:g} s (past the recovery window)")
        time.sleep(window + WINDOW_MARGIN)
        self.run.windows += 1
        self._send("/records", encode({"room": "parity-window", "records": {}}))
        self.oracle.outlast_window()
        self.settle()

    def drop(self, name: str) -> None:
        self.steps.append(f"drop {name}'s transport")
        self.oracle.drop(name)
        self.both(lambda side: self.tabs[side][name].drop())

    def close(self, name: str) -> None:
        self.steps.append(f"disconnect {name}")
        self.oracle.close(name)
        self.both(lambda side: self.tabs[side][name].close())

    def joined(self, name: str) -> None:
        """Wait until the server has looked the token up and joined the socket's rooms.

        records.js joins after the connection, once Redis answered, so a record published
        at once can miss the new socket. A barrier record to the socket's user room is
        published on each side until that socket receives one (every BARRIER_RETRY, at most
        SETTLE_TIMEOUT); barriers are the suite's own traffic and never compared. A socket
        without a user room (unknown token) has nothing to wait for.
        """
        rooms = sorted(r for r in self.oracle.sockets[name].rooms if r.startswith("user-"))
        if rooms:
            self.oracle.barrier(rooms[0])
            waiting = {side: self.tabs[side][name].barriers for side in SIDES}
            deadline = time.monotonic() + self.run.settle_timeout
            while waiting and time.monotonic() < deadline:
                barrier = encode({"room": rooms[0], "records": {BARRIER: [{"id": len(waiting)}]}})
                for side in waiting:
                    self.run.pair[side].publish("/records", barrier)
                retry = time.monotonic() + BARRIER_RETRY
                while time.monotonic() < min(retry, deadline):
                    waiting = {s: n for s, n in waiting.items() if self.tabs[s][name].barriers == n}
                    if not waiting:
                        break
                    time.sleep(0.001)
        self.settle()

    def publish(self, message: Any, channel: str = "/records", *, settle: bool = True) -> None:
        """PUBLISH on both sides, then (unless batching) settle and check."""
        text = encode(message)
        self.steps.append(f"PUBLISH {channel} {text}")
        self.run.publications += 1
        if isinstance(message, dict) and isinstance(message.get("room"), str):
            self.run.rooms.add(str(message["room"]))
        if channel == "/records":
            self.oracle.publish(message)
        else:
            self.oracle.notice(message)
        self._send(channel, text)
        if settle:
            self.settle()

    def malformed(self, channel: str, text: str) -> None:
        self.steps.append(f"PUBLISH {channel} {text!r} (not JSON)")
        self._send(channel, text)
        time.sleep(MALFORMED_GRACE)  # a server that exits on it does so at this step
        self.settle()

    def _send(self, channel: str, text: str) -> None:
        for side in SIDES:
            self.sent[side].append((time.perf_counter(), text))
            self.run.pair[side].publish(channel, text)

    # -- settle and check ----------------------------------------------------------------

    def settle(self, quiet: float = 0.0) -> None:
        """Until every socket has what it should (or SETTLE_TIMEOUT), `quiet` more, check."""
        deadline = time.monotonic() + self.run.settle_timeout
        want = {name: len(s.expected) for name, s in self.oracle.sockets.items()}

        def behind() -> bool:
            return any(
                len(tab.deliveries) < want[name]
                for side in SIDES
                for name, tab in self.tabs[side].items()
            )

        while behind() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(quiet)
        self.check()

    def check(self) -> None:
        for side in SIDES:  # the first example a server died in names the step that killed it
            server = self.run.pair[side]
            if side not in self.run.deaths and not server.alive():
                self.run.deaths[side] = (list(self.steps), server.log_tail())
        found: list[Violation] = []
        for name, model in self.oracle.sockets.items():
            for side in SIDES:
                tab = self.tabs[side][name]
                if model.connected != tab.connected:
                    found.append(
                        Violation("room_oracle", side, name, _connection(model.connected, tab))
                    )
                sequences = (model.expected, tab.deliveries)
                for difference in sequence_differences(*sequences, names=("the oracle", side)):
                    found.append(Violation("room_oracle", side, name, difference))
            rails, go = self.tabs["rails"][name], self.tabs["go"][name]
            for difference in sequence_differences(rails.deliveries, go.deliveries):
                found.append(Violation("channel_lockstep", "rails,go", name, difference))
        if found:
            self.failed = True
            self.run.failure = (list(self.steps), found)
            if self.run.detected_after is None:
                self.run.detected_after = time.monotonic() - self.run.started
            first = found[0]
            raise ChannelFailure(
                f"{first.check} ({first.side}) socket {first.socket}: "
                f"{first.difference.kind} at {first.difference.pointer or '/'}: "
                f"{first.difference.detail}"
            )

    def finish(self) -> None:
        """Count compared deliveries and latencies; close every socket."""
        for side in SIDES:
            for name, tab in self.tabs[side].items():
                self.run.compared += len(self.oracle.sockets[name].expected)
                self.run.latency[side].extend(_latencies(self.sent[side], tab))
        self.both(self._close_all)

    async def _close_all(self, side: str) -> None:
        await asyncio.gather(*(tab.close() for tab in self.tabs[side].values()))


def _entry_json(entry: Entry) -> str:
    name = "Visitor" if entry.id is None else f"User {entry.id}"
    return encode({"name": name, "group_ids": list(entry.group_ids), "id": entry.id})


def _connection(expected: bool, tab: Tab) -> Difference:
    why = f" (refused: {tab.refused})" if tab.refused else ""
    return Difference(
        pointer="/connected",
        kind=Kind.VALUE,
        rails=expected,
        go=tab.connected,
        detail=f"the socket should be {'connected' if expected else 'disconnected'}{why}",
    )


def _latencies(sent: list[tuple[float, str]], tab: Tab) -> list[float]:
    """Milliseconds from the last publish before each arrival to the arrival."""
    times = [t for t, _ in sent]
    found = []
    for arrived in tab.arrived:
        i = bisect.bisect_right(times, arrived) - 1
        if i >= 0:
            found.append((arrived - times[i]) * 1000)
    return found


def histogram(samples: list[float]) -> dict[str, int]:
    """Samples counted per LATENCY_BUCKETS bound ("≤ 5 ms"), additive across processes."""
    counts: dict[str, int] = {}
    for sample in samples:
        bound = next((b for b in LATENCY_BUCKETS if sample <= b), None)
        key = f"≤ {bound:g} ms" if bound is not None else f"> {LATENCY_BUCKETS[-1]:g} ms"
        counts[key] = counts.get(key, 0) + 1
    return counts
