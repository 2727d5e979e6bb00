"""reference.channels.recovery: socket.io 4's session store, on a fake clock."""

from __future__ import annotations

from reference.channels.recovery import Recovery


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _recovery() -> tuple[Recovery, Clock]:
    clock = Clock()
    return Recovery(window=60, clock=clock), clock


def test_a_dropped_socket_gets_the_packets_of_its_rooms_after_its_offset() -> None:
    recovery, _ = _recovery()
    first = recovery.keep("records", {"n": 1}, frozenset({"group-1"}))
    recovery.persist("pid", frozenset({"group-1", "notice"}), "transport close")
    recovery.keep("records", {"n": 2}, frozenset({"group-2"}))
    recovery.keep("records", {"n": 3}, frozenset({"group-1"}))
    recovery.keep("notice", {"n": 4}, None)
    restored = recovery.restore({"pid": "pid", "offset": first.offset})
    assert restored is not None
    assert [p.data["n"] for p in restored.missed] == [3, 4]
    assert restored.rooms == {"group-1", "notice"}


def test_a_deliberate_disconnect_keeps_nothing() -> None:
    recovery, _ = _recovery()
    first = recovery.keep("records", {}, None)
    recovery.persist("pid", frozenset({"notice"}), "client disconnect")
    assert recovery.restore({"pid": "pid", "offset": first.offset}) is None


def test_past_the_window_or_unknown_offset_is_a_fresh_connection() -> None:
    recovery, clock = _recovery()
    first = recovery.keep("records", {}, None)
    recovery.persist("late", frozenset({"notice"}), "ping timeout")
    recovery.persist("lost", frozenset({"notice"}), "transport close")
    clock.now = 61
    assert recovery.restore({"pid": "late", "offset": first.offset}) is None
    assert recovery.restore({"pid": "lost", "offset": "nope"}) is None
    assert recovery.restore({"pid": "lost"}) is None
    assert recovery.restore(None) is None


def test_packets_older_than_the_window_are_forgotten() -> None:
    recovery, clock = _recovery()
    recovery.keep("records", {}, None)
    clock.now = 100
    recovery.keep("records", {}, None)
    assert len(recovery.packets) == 1
