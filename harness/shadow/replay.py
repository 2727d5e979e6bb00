"""`parity replay`: recorded traffic sent to the primary, the candidate (and a secondary)
again, judged like mirrored traffic, into the same store and report.

Each request goes to every backend at once (a latency pair); reads run `concurrency` at a
time, writes one by one in their place (harness.shadow.upstream.Dispatcher). Writes are
replayed only with `mirror_writes`: every backend must then be on a database of its own.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import time
from collections import Counter
from dataclasses import dataclass, replace

import aiohttp

from harness.shadow.judge import endpoint_of, judge
from harness.shadow.proxy import operation_index
from harness.shadow.store import StoreWriter, open_store
from harness.shadow.upstream import SAFE_METHODS, Dispatcher, send
from harness.traffic import RecordedRequest, Traffic


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplaySettings:
    primary: str
    candidate: str
    secondary: str | None = None
    store: str = ".parity/replay/store.jsonl"
    mirror_writes: bool = False
    concurrency: int = 4
    repeat: int = 1
    timeout: float = 30.0
    spec: str | None = None
    ignore: tuple[str, ...] = ()


async def replay(traffic: Traffic, settings: ReplaySettings) -> Counter[str]:
    """Replay every request (`repeat` times); the counts of what happened."""
    counts: Counter[str] = Counter()
    index = operation_index(settings.spec)
    writer = StoreWriter(open_store(settings.store))
    instance = f"replay {socket.gethostname()}:{os.getpid()}"
    connector = aiohttp.TCPConnector(limit=settings.concurrency * 3 + 3)
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=None)
    ) as session:

        async def one(request: RecordedRequest) -> None:
            s = settings
            calls = [send(session, url, request, s.timeout) for url in (s.primary, s.candidate)]
            if s.secondary:
                calls.append(send(session, s.secondary, request, s.timeout))
            at = time.time()
            answers = await asyncio.gather(*calls)
            if answers[0].error:
                counts[f"primary {answers[0].error}"] += 1
                return
            endpoint = endpoint_of(request.method, request.path, index, request.label)
            secondary = answers[2] if len(answers) > 2 else None
            exchange = judge(endpoint, answers[0], answers[1], secondary, s.ignore, request.query)
            writer.add(replace(exchange, at=at, instance=instance).to_json())
            counts["replayed"] += 1

        dispatcher = Dispatcher(settings.concurrency)
        for _ in range(settings.repeat):
            for request in traffic.requests:
                if request.method not in SAFE_METHODS and not settings.mirror_writes:
                    counts["writes not replayed"] += 1
                    continue
                await dispatcher.submit(request.method, functools.partial(one, request))
        await dispatcher.drain()
    await asyncio.to_thread(writer.close)
    counts["acknowledged"] = writer.acknowledged
    counts["lost"] = writer.lost
    return counts
