"""The capture's subscriber, step holding and settle, against a real Redis
(contracts/live_subscriber.py, contracts/live_capture.py)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from contracts.differential import Call, Ref
from contracts.live_capture import LiveCapture, LiveStats
from contracts.live_compare import Message
from contracts.live_probe import Problem
from contracts.live_subscriber import Subscriber
from harness.http import ApiResponse
from harness.normalize import CanonicalIds
from harness.redis import LocalRedis, local_redis


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    server: LocalRedis
    with local_redis() as server:
        yield server.url()


class HeldProbe:
    """A probe that holds its first batch until released, and names each message a leak."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.batches: list[int] = []
        self.undecided = 0

    def inspect(self, messages: Sequence[Message]) -> list[tuple[int, Problem]]:
        self.release.wait(timeout=10)
        self.batches.append(len(messages))
        return [(i, Problem(check="live_leak", detail=m.text)) for i, m in enumerate(messages)]


def test_a_fan_out_is_counted_on_arrival_and_probed_as_one_batch(redis_url: str) -> None:
    changed = threading.Condition()
    probe = HeldProbe()
    subscriber = Subscriber(redis_url, changed, probe)  # type: ignore[arg-type]  # duck probe
    try:
        pipe = redis.Redis.from_url(redis_url).pipeline(transaction=False)
        for room in ("group-1", "user-2", "user-3"):
            pipe.publish("/records", f'{{"room": "{room}", "records": {{}}}}')
        pipe.execute()
        with changed:  # counted while the probe still holds: the settle sees them at once
            assert changed.wait_for(lambda: len(subscriber.messages) == 3, timeout=5)
            assert not subscriber.inspected()
        probe.release.set()
        with changed:
            assert changed.wait_for(subscriber.inspected, timeout=5)
        assert probe.batches == [3]
        assert [index for index, _ in subscriber.problems] == [0, 1, 2]
    finally:
        probe.release.set()
        subscriber.close()
    assert not subscriber.thread.is_alive()


def test_close_stops_the_reading_thread_through_its_own_channel(redis_url: str) -> None:
    subscriber = Subscriber(redis_url, threading.Condition(), None)
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.pubsub_numsub(subscriber.control) == [(subscriber.control.encode(), 1)]
        subscriber.close()
        assert not subscriber.thread.is_alive() and subscriber.stopped
    finally:
        client.close()


def _outcome(method: str, *path: Any, body: Any = None, status: int = 200) -> Any:
    call = Call(method=method, path=path or ("discussions",), actor="admin")
    answer = ApiResponse(status=status, body=body)
    return SimpleNamespace(call=call, rails=answer, go=answer)


def _ids(**raw: int) -> dict[str, CanonicalIds]:
    """Both sides' ids, `discussions=7` naming raw 7 `discussions#1` on rails, 70 on go."""
    sides = {"rails": CanonicalIds(), "go": CanonicalIds()}
    for space, value in raw.items():
        sides["rails"].name(space, value)
        sides["go"].name(space, value * 10)
    return sides


def _bare() -> LiveCapture:
    """The holding logic alone, no subscriptions."""
    return LiveCapture(None, None, threading.Condition())  # type: ignore[arg-type]


def test_a_held_write_waits_through_reads_and_is_due_before_the_next_write() -> None:
    capture = _bare()
    write, read = _outcome("POST"), _outcome("GET")
    capture.hold(write, _ids())
    assert not capture.due(read.call)  # a read changes nothing a late publication serializes
    capture.hold(read, _ids())
    assert capture.pending is not None and capture.pending.outcome is write  # not replaced
    assert capture.due(_outcome("PATCH").call) and capture.due(None)  # a write; the end


def test_a_held_read_is_replaced_by_the_next_step() -> None:
    capture = _bare()
    first, second = _outcome("GET"), _outcome("DELETE")
    capture.hold(first, _ids())
    capture.hold(second, _ids())
    assert capture.pending is not None and capture.pending.outcome is second


def _events(*events: tuple[int, str]) -> dict[str, Any]:
    return {
        "events": [{"id": i, "kind": kind} for i, kind in events],
        "meta": {"root": "events"},
    }


def test_a_held_write_expects_its_new_event_and_not_an_event_answered_before() -> None:
    capture = _bare()
    capture.hold(_outcome("POST", "comments", body=_events((5, "new_comment"))), _ids())
    assert capture.pending is not None
    assert capture.pending.expected["rails"].tokens == {("events", 5)}
    discard = _outcome("DELETE", "comments", Ref("comments#1"), "discard")
    capture.pending = None
    capture.hold(replace_body(discard, _events((5, "new_comment"))), _ids(comments=3))
    assert capture.pending is not None and not capture.pending.due  # event 5 was answered


def replace_body(outcome: Any, body: Any) -> Any:
    answer = ApiResponse(status=200, body=body)
    return SimpleNamespace(call=outcome.call, rails=answer, go=answer)


def test_close_expects_each_side_to_publish_its_own_raw_discussion() -> None:
    capture = _bare()
    close = _outcome("PATCH", "discussions", Ref("discussions#1"), "close", body={})
    capture.hold(close, _ids(discussions=7))
    assert capture.pending is not None
    expected = capture.pending.expected
    assert expected["rails"].tokens == {("discussions", 7)}
    assert expected["go"].tokens == {("discussions", 70)}


def _message(room: str, records: dict[str, Any]) -> str:
    return json.dumps({"room": room, "records": records})


def test_the_settle_ends_when_both_sides_due_records_arrived(redis_url: str) -> None:
    """The positive signal: each side's event arrived; then only the (short) quiet window,
    not the wait bound."""
    rails_url = redis_url
    with local_redis() as go_server:
        changed = threading.Condition()
        rails = Subscriber(rails_url, changed, None)
        go = Subscriber(go_server.url(), changed, None)
        capture = LiveCapture(rails, go, changed)
        try:
            answer = {"rails": _events((5, "new_comment")), "go": _events((50, "new_comment"))}
            outcome = SimpleNamespace(
                call=Call(method="POST", path=("comments",), actor="admin"),
                rails=ApiResponse(status=200, body=answer["rails"]),
                go=ApiResponse(status=200, body=answer["go"]),
            )
            capture.hold(outcome, _ids())
            stats = LiveStats(delays_s=[0.4])  # a due wait bound of 1 s
            for url, event in ((rails_url, 5), (go_server.url(), 50)):
                redis.Redis.from_url(url).publish(
                    "/records", _message("group-1", {"events": [{"id": event}]})
                )
            assert capture.pending is not None
            waited = capture.settle(capture.pending, False, stats)
            assert waited < stats.due_wait() / 2
            assert [len(s.messages) for s in capture.sides.values()] == [1, 1]
        finally:
            capture.close()


def test_a_side_not_publishing_its_due_record_is_waited_for_until_the_bound(
    redis_url: str,
) -> None:
    changed = threading.Condition()
    rails = Subscriber(redis_url, changed, None)
    with local_redis() as go_server:
        go = Subscriber(go_server.url(), changed, None)
        capture = LiveCapture(rails, go, changed)
        try:
            capture.hold(_outcome("POST", "comments", body=_events((5, "new_comment"))), _ids())
            redis.Redis.from_url(redis_url).publish(
                "/records", _message("group-1", {"events": [{"id": 5}]})
            )
            stats = LiveStats()
            assert capture.pending is not None
            waited = capture.settle(capture.pending, False, stats)
            assert waited >= stats.due_wait() - 0.05  # go's never came
        finally:
            capture.close()
