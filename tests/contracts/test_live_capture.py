"""The capture's subscriber and step holding, against a real Redis (contracts/live_capture.py)."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import pytest
import redis

from contracts.live_capture import LiveCapture, Subscriber
from contracts.live_compare import Message
from contracts.live_probe import Problem
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


def _outcome(method: str) -> Any:
    return SimpleNamespace(call=SimpleNamespace(method=method))


def test_a_held_write_waits_through_reads_and_is_due_before_the_next_write() -> None:
    capture = LiveCapture.__new__(LiveCapture)  # the holding logic alone, no subscriptions
    capture.pending = None
    write, read = _outcome("POST"), _outcome("GET")
    capture.hold(write)
    assert not capture.due(read.call)  # a read changes nothing a late publication serializes
    capture.hold(read)
    assert capture.pending[0] is write  # type: ignore[index]  # held, not replaced
    assert capture.due(_outcome("PATCH").call) and capture.due(None)  # a write; the end


def test_a_held_read_is_replaced_by_the_next_step() -> None:
    capture = LiveCapture.__new__(LiveCapture)
    capture.pending = None
    first, second = _outcome("GET"), _outcome("DELETE")
    capture.hold(first)
    capture.hold(second)
    assert capture.pending[0] is second  # type: ignore[index]
