"""Sending a request to a backend (aiohttp) and running many in order-preserving parallel.

`send` never raises: a backend that refuses, resets, hangs or answers garbage gives an
`Answer` with `error` set, so neither the proxy nor replay can be crashed by an upstream.
`Dispatcher` runs jobs concurrently but keeps each backend's view of the writes in arrival
order: a write waits for every earlier job, and later jobs wait for the write (two
candidates that apply the same writes in another order would differ for no fault).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import aiohttp

from harness.shadow.judge import Answer
from harness.traffic import HOP_HEADERS, RecordedRequest

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY = 10 * 1024 * 1024  # an answer larger than this is read no further (bad response)


def forwarded_headers(headers: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    """Headers to pass on: everything but hop-by-hop ones (and Host: the target's own)."""
    return [(k, v) for k, v in headers if k.lower() not in HOP_HEADERS]


async def send(
    session: aiohttp.ClientSession, base_url: str, request: RecordedRequest, timeout: float
) -> Answer:
    """`request` sent to `base_url`; an Answer with `error` for any failure."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with session.request(
                request.method,
                base_url + request.target,
                headers=forwarded_headers(request.headers),
                data=request.body or None,
                allow_redirects=False,
            ) as response:
                body = await response.content.read(MAX_BODY)
                headers = tuple((k, v) for k, v in response.headers.items())
                return Answer(
                    status=response.status,
                    ms=(time.perf_counter() - started) * 1000,
                    headers=headers,
                    body=body,
                )
    except TimeoutError:
        return _failed(started, "timeout")
    except (aiohttp.ClientConnectorError, ConnectionError):
        return _failed(started, "unreachable")
    except (aiohttp.ClientError, OSError, ValueError) as exc:
        return _failed(started, f"bad response ({type(exc).__name__})")


def _failed(started: float, error: str) -> Answer:
    return Answer(status=0, ms=(time.perf_counter() - started) * 1000, error=error)


class Dispatcher:
    """Runs jobs with at most `limit` in flight; a write runs alone, in its place."""

    def __init__(self, limit: int) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._running: set[asyncio.Task[None]] = set()

    async def submit(self, method: str, job: Callable[[], Awaitable[None]]) -> None:
        """Start `job` (returns once it may start; a write returns once it is done)."""
        if method.upper() not in SAFE_METHODS:
            await self.drain()
            await job()
            return
        await self._slots.acquire()
        task = asyncio.create_task(self._run(job))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _run(self, job: Callable[[], Awaitable[None]]) -> None:
        try:
            await job()
        finally:
            self._slots.release()

    async def drain(self) -> None:
        """Wait for every started job."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
