"""`parity shadow`: the mirroring reverse proxy (aiohttp server and client).

Two processes, so that nothing the mirror does can slow the client's path:

* the front (this process' event loop) forwards each client request to the primary and
  answers with exactly what the primary answered (status, headers, body bytes, still
  compressed if it was). Only once the answer is handed to the client's socket does it
  offer a copy of the exchange to the mirror process through a bounded queue. A full queue,
  or a copy that would pass the byte budget, is dropped and counted per endpoint — never
  buffered without bound, never waited for. A primary that cannot be reached gives the
  client a 502 (the proxy stays up). The front takes no lock the mirror also takes: the
  counters both processes see are single-writer slots of a lock-free shared array.
* the mirror process sends each copy to the candidate and the secondary
  (harness.shadow.upstream.Dispatcher: parallel reads, writes in order), judges the answers
  (harness.shadow.judge) and appends the record to the store (harness.shadow.store). It runs
  at idle CPU priority (SCHED_IDLE): on a busy host the client's path wins and the mirror
  lags (its queue fills, copies are dropped and counted) instead of the other way round.

Safe methods are mirrored; writes only with `--mirror-writes` (the candidate and the
secondary must run on databases of their own: a write mirrored into the primary's database
would be applied twice). `GET /__parity__/status` on the proxy reports its counters.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import multiprocessing as mp
import os
import queue
import random
import signal
import socket
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web

from harness.redact import redact_url
from harness.report.coverage import OperationIndex, declared_operations
from harness.shadow.judge import Answer, endpoint_of, judge
from harness.shadow.store import StoreWriter, open_store
from harness.shadow.upstream import SAFE_METHODS, Dispatcher, forwarded_headers, send
from harness.traffic import HOP_HEADERS, RecordedRequest

STATUS_PATH = "/__parity__/status"
# counters both processes see (multiprocessing.RawArray indices, no lock): each slot has one
# writer, the front (OFFERED, STOPPING) or the mirror (TAKEN, JUDGED, ACKNOWLEDGED, LOST); an
# aligned 64-bit store is atomic, so a reader sees an old or a new value, never a torn one.
# Bytes waiting in the queue = OFFERED - TAKEN.
OFFERED, TAKEN, JUDGED, ACKNOWLEDGED, LOST, STOPPING = range(6)
GRACE_S = 5.0  # on stop, mirrored requests in flight get this long; queued ones are dropped


@dataclass(frozen=True, slots=True, kw_only=True)
class ShadowSettings:
    """Everything both processes need (picklable: it crosses to the mirror process)."""

    primary: str
    candidate: str
    secondary: str | None = None
    host: str = "127.0.0.1"
    port: int = 8090
    store: str = ".parity/shadow/store.jsonl"
    sample: float = 1.0
    mirror_writes: bool = False
    queue_size: int = 1000
    queue_bytes: int = 64 * 1024 * 1024
    workers: int = 16
    timeout: float = 10.0  # seconds a mirrored request may take
    primary_timeout: float = 60.0
    spec: str | None = None
    ignore: tuple[str, ...] = ()
    instance: str = ""
    check: str = "shadow"
    loop: str = "auto"  # the front's event loop: uvloop, asyncio, or auto (uvloop if installed)


def operation_index(spec: str | None) -> OperationIndex | None:
    """The spec's operations, to name endpoints by their template; None without a spec."""
    if not spec or not Path(spec).is_file():
        return None
    return OperationIndex(declared_operations(yaml.safe_load(Path(spec).read_text("utf-8"))))


# -- the front: the client's path ------------------------------------------------------------


class Front:
    """The aiohttp application of the client's path."""

    def __init__(self, settings: ShadowSettings, jobs: Any, control: Any, shared: Any) -> None:
        self.settings = settings
        self.jobs, self.control, self.shared = jobs, control, shared
        self.index = operation_index(settings.spec)
        self.counts: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()  # since the last control message
        self.session: aiohttp.ClientSession | None = None
        self._ticker: asyncio.Task[None] | None = None

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1024**3)
        app.router.add_route("GET", STATUS_PATH, self.status)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)
        return app

    async def _start(self, app: web.Application) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=30),
            auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=self.settings.primary_timeout),
        )
        self._ticker = asyncio.create_task(self._report_drops())
        # what exists now (the interpreter, aiohttp, the spec's index: ~66 000 objects) lives
        # as long as the proxy; a full collection scanning it took ~100 ms on a loaded 2-core
        # machine, a pause every client in flight would wait out. Frozen, it is never scanned.
        gc.collect()
        gc.freeze()

    async def _stop(self, app: web.Application) -> None:
        self.shared[STOPPING] = 1
        if self._ticker:
            self._ticker.cancel()
        self._send_drops()
        if self.session:
            await self.session.close()

    async def forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        recorded = RecordedRequest(
            method=request.method,
            target=request.path_qs,
            headers=tuple(request.headers.items()),
            body=body,
        )
        self.counts["requests"] += 1
        started = time.perf_counter()
        assert self.session is not None  # set on startup
        try:
            async with self.session.request(
                request.method,
                self.settings.primary + recorded.target,
                headers=forwarded_headers(recorded.headers),
                data=body or None,
                allow_redirects=False,
            ) as upstream:
                payload = await upstream.read()
                status, headers = upstream.status, tuple(upstream.headers.items())
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            self.counts["primary failures"] += 1
            return web.Response(
                status=502, text=f"parity shadow: primary did not answer ({type(exc).__name__})"
            )
        answer = Answer(
            status=status, ms=(time.perf_counter() - started) * 1000, headers=headers, body=payload
        )
        response = web.Response(status=status, body=payload)
        for name, value in headers:
            if name.lower() not in HOP_HEADERS:
                response.headers.add(name, value)
        # the client's answer goes to its socket first; the copy is offered afterwards
        with contextlib.suppress(ConnectionResetError):  # a client gone: still mirrored
            await response.prepare(request)
            await response.write_eof()
        self._mirror(recorded, answer)
        return response

    def _mirror(self, request: RecordedRequest, answer: Answer) -> None:
        """Offer a copy to the mirror process; drop it (counted) rather than wait."""
        if request.method not in SAFE_METHODS and not self.settings.mirror_writes:
            self.counts["writes not mirrored"] += 1
            return
        if self.settings.sample < 1.0 and random.random() >= self.settings.sample:
            self.counts["not sampled"] += 1
            return
        size = len(request.body) + len(answer.body)
        shared = self.shared
        if shared[OFFERED] - shared[TAKEN] + size <= self.settings.queue_bytes:
            try:
                self.jobs.put_nowait((request, answer, time.time(), size))
                shared[OFFERED] += size
                self.counts["mirrored"] += 1
                return
            except queue.Full:
                pass
        endpoint = endpoint_of(request.method, request.path, self.index)
        self.dropped[endpoint] += 1
        self.counts["dropped"] += 1

    async def _report_drops(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self._send_drops()

    def _send_drops(self) -> None:
        if not self.dropped:
            return
        with contextlib.suppress(queue.Full):
            self.control.put_nowait({"dropped": dict(self.dropped)})
            self.dropped.clear()

    async def status(self, request: web.Request) -> web.Response:
        shared = list(self.shared)
        return web.json_response(
            {
                **self.counts,
                "queued bytes": max(0, shared[OFFERED] - shared[TAKEN]),
                "judged": shared[JUDGED],
                "acknowledged": shared[ACKNOWLEDGED],
                "lost": shared[LOST],
                "queue": _qsize(self.jobs),
            }
        )


def _qsize(jobs: Any) -> int:
    try:
        return int(jobs.qsize())
    except NotImplementedError:
        return -1


# -- the mirror process ----------------------------------------------------------------------


def mirror_main(settings: ShadowSettings, jobs: Any, control: Any, shared: Any) -> None:
    """Entry point of the mirror process: judge copies until the front sends None."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the front decides when to stop
    idle_priority()
    asyncio.run(Mirror(settings, jobs, control, shared).run())


def idle_priority() -> None:
    """This process gets the CPU only when nothing else wants it (Linux SCHED_IDLE; nice 19
    elsewhere): the mirror's judging gives way to the front's client requests."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


class Mirror:
    """Sends copies to the candidate and the secondary, judges, stores."""

    def __init__(self, settings: ShadowSettings, jobs: Any, control: Any, shared: Any) -> None:
        self.settings = settings
        self.jobs, self.control, self.shared = jobs, control, shared
        self.index = operation_index(settings.spec)
        self.writer = StoreWriter(open_store(settings.store), on_ack=self._acknowledged)

    def _acknowledged(self, total: int) -> None:
        self.shared[ACKNOWLEDGED] = total
        self.shared[LOST] = self.writer.lost

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        timeout = aiohttp.ClientTimeout(total=None)
        connector = aiohttp.TCPConnector(limit=self.settings.workers * 2)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            dispatcher = Dispatcher(self.settings.workers)
            stopping: Counter[str] = Counter()  # copies dropped because the proxy stops
            while True:
                item = await loop.run_in_executor(None, self.jobs.get)
                self._drain_control()
                if item is None:
                    break
                request, primary, at, size = item
                self.shared[TAKEN] += size
                if self.shared[STOPPING]:  # a lagging candidate must not hold the shutdown up
                    stopping[endpoint_of(request.method, request.path, self.index)] += 1
                    continue
                job = functools.partial(self.handle, session, request, primary, at)
                await dispatcher.submit(request.method, job)
            if stopping:
                self.writer.add({"dropped": dict(stopping)})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(dispatcher.drain(), GRACE_S)
        self._drain_control()
        self.writer.close()
        self._acknowledged(self.writer.acknowledged)

    def _drain_control(self) -> None:
        while True:
            try:
                self.writer.add(self.control.get_nowait())
            except queue.Empty:
                return

    async def handle(
        self, session: aiohttp.ClientSession, request: RecordedRequest, primary: Answer, at: float
    ) -> None:
        s = self.settings
        secondary_call = send(session, s.secondary, request, s.timeout) if s.secondary else None
        candidate, secondary = await asyncio.gather(
            send(session, s.candidate, request, s.timeout), secondary_call or _none()
        )
        endpoint = endpoint_of(request.method, request.path, self.index, request.label)
        exchange = judge(endpoint, primary, candidate, secondary, s.ignore, request.query)
        self.writer.add(replace(exchange, at=at, instance=s.instance).to_json())
        self.shared[JUDGED] += 1


async def _none() -> None:
    return None


# -- running both ----------------------------------------------------------------------------


def event_loop(kind: str) -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's (libuv; less CPU per request than asyncio's, so a shorter
    client path), asyncio's, or auto: uvloop when it is installed."""
    if kind in ("auto", "uvloop"):
        try:
            import uvloop
        except ImportError:
            if kind == "uvloop":
                raise SystemExit(
                    "parity shadow: --loop uvloop, but uvloop is not installed "
                    "(pip install uvloop; not on Windows), or use --loop asyncio"
                ) from None
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def serve(settings: ShadowSettings) -> int:
    """Start the mirror process and the front; stop both on SIGINT/SIGTERM."""
    context = mp.get_context("spawn")  # a clean interpreter: no inherited loop or threads
    jobs = context.Queue(maxsize=settings.queue_size)
    control = context.Queue(maxsize=100)
    shared = context.RawArray("q", 6)
    settings = replace(
        settings, instance=settings.instance or f"{socket.gethostname()}:{os.getpid()}"
    )
    mirror = context.Process(
        target=mirror_main, args=(settings, jobs, control, shared), name="parity-mirror"
    )
    mirror.start()
    front = Front(settings, jobs, control, shared)
    try:
        web.run_app(
            front.app(),
            loop=event_loop(settings.loop),
            host=settings.host,
            port=settings.port,
            access_log=None,
            print=lambda text: print(
                f"parity shadow: {settings.host}:{settings.port} -> primary {settings.primary}; "
                f"mirror to {settings.candidate}"
                + (f" and {settings.secondary}" if settings.secondary else "")
                + f"; store {redact_url(settings.store)}",
                flush=True,
            ),
        )
    finally:
        with contextlib.suppress(Exception):
            jobs.put(None, timeout=5)
        mirror.join(timeout=30)
        if mirror.is_alive():
            mirror.terminate()
    return 0
