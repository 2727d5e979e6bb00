"""Sending to upstreams: reads in parallel, writes in their place; no failure escapes."""

from __future__ import annotations

import asyncio

import aiohttp

from harness.ports import free_port
from harness.shadow.upstream import Dispatcher, send
from harness.traffic import RecordedRequest


def test_a_write_waits_for_earlier_reads_and_later_reads_wait_for_it() -> None:
    log: list[str] = []

    def job(name: str, seconds: float):  # type: ignore[no-untyped-def]
        async def run() -> None:
            log.append(f"start {name}")
            await asyncio.sleep(seconds)
            log.append(f"end {name}")

        return run

    async def scenario() -> None:
        dispatcher = Dispatcher(limit=4)
        await dispatcher.submit("GET", job("r1", 0.05))
        await dispatcher.submit("GET", job("r2", 0.01))
        await dispatcher.submit("POST", job("w", 0.01))
        await dispatcher.submit("GET", job("r3", 0.0))
        await dispatcher.drain()

    asyncio.run(scenario())
    assert log.index("start r2") < log.index("end r1")  # reads overlap
    assert log.index("start w") > max(log.index("end r1"), log.index("end r2"))
    assert log.index("start r3") > log.index("end w")


def test_sending_to_nobody_is_an_answer_with_an_error() -> None:
    async def scenario() -> str:
        async with aiohttp.ClientSession() as session:
            request = RecordedRequest(method="GET", target="/x")
            answer = await send(session, f"http://127.0.0.1:{free_port()}", request, 5)
            return answer.error

    assert asyncio.run(scenario()) == "unreachable"
