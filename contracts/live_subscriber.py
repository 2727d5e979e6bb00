"""One side's Redis as the capture reads it: `/records` and `/system_notice`, every message
stamped on arrival and probed in the side's database (contracts.live_probe)."""

from __future__ import annotations

import threading
import time
import uuid

import redis

from contracts.live_compare import NOTICE, RECORDS, Message
from contracts.live_probe import Probe, Problem
from harness.errors import HarnessError

CONTROL = "/parity-capture"  # + a token: one subscriber's own channel, to stop its thread
PROBES_MAX = 10.0  # the probes of what arrived must be done by then


class Subscriber:
    """Both channels of one side's Redis, read on a thread of its own, probed on another.

    A message counts as arrived the moment it is read (the settle sees it then, and its
    arrival time is not delayed by a probe running); what the reader drained together (a
    fan-out) is probed as one batch, and `check` waits for the probes to finish. A private
    control channel stops the reader at once (no polling interval to wait out).
    """

    def __init__(self, url: str, changed: threading.Condition, probe: Probe | None) -> None:
        self.client = redis.Redis.from_url(url)
        self.pubsub = self.client.pubsub()
        self.control = f"{CONTROL}/{uuid.uuid4().hex}"
        self.pubsub.subscribe(RECORDS, NOTICE, self.control)
        self._confirm(url, 3)
        self.changed, self.probe = changed, probe
        self.messages: list[Message] = []
        self.problems: list[tuple[int, Problem]] = []  # (message index, problem)
        self.probed = 0  # messages whose probe has finished
        self.stopped = False
        self.thread = threading.Thread(target=self._run, name="live-capture", daemon=True)
        self.prober = threading.Thread(target=self._probe, name="live-probe", daemon=True)
        self.thread.start()
        if probe is not None:
            self.prober.start()

    def _confirm(self, url: str, channels: int) -> None:
        confirmed, deadline = 0, time.monotonic() + 10
        while confirmed < channels and time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=1)
            confirmed += bool(message and message["type"] == "subscribe")
        if confirmed < channels:
            raise HarnessError(f"no SUBSCRIBE confirmation from Redis at {url} within 10s")

    def _run(self) -> None:
        while not self.stopped:
            arrived = self._read(timeout=1.0)
            while arrived and not self.stopped and (more := self._read(timeout=0)):
                arrived += more  # a fan-out's rest is counted with the first, one batch
            if arrived:
                with self.changed:
                    self.messages += arrived
                    if self.probe is None:
                        self.probed = len(self.messages)
                    self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()  # the prober finishes what was read, then stops

    def _read(self, timeout: float) -> list[Message]:
        """The message read, stamped on arrival ([]: nothing, or the stop)."""
        got = self.pubsub.get_message(timeout=timeout)
        if not got or got["type"] != "message":
            return []
        channel = got["channel"].decode()
        if channel == self.control:
            self.stopped = True
            return []
        return [Message.decode(channel, got["data"], time.monotonic())]

    def _probe(self) -> None:
        """Probe every batch read, in order; batches read while one is probed go together."""
        assert self.probe is not None
        while True:
            with self.changed:
                self.changed.wait_for(lambda: self.stopped or self.probed < len(self.messages))
                start, end = self.probed, len(self.messages)
            if start == end:
                return
            problems = self.probe.inspect(self.messages[start:end])
            with self.changed:
                self.problems += [(start + i, p) for i, p in problems]
                self.probed = end
                self.changed.notify_all()

    def inspected(self) -> bool:
        """Whether every message read so far has been probed (call holding `changed`)."""
        return self.probed == len(self.messages)

    def close(self) -> None:
        self.client.publish(self.control, "stop")
        self.thread.join(timeout=5)
        if self.prober.is_alive():
            self.prober.join(timeout=PROBES_MAX)
        self.pubsub.close()
        self.client.close()
