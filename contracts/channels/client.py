"""Sockets as a browser tab holds them: python-socketio's asyncio client plus socket.io 4's
connection state recovery, and an event loop in a thread for the synchronous suites.

python-socketio's client does not implement recovery; `RecoveringClient` adds what the JS
client does: keep the `pid` of the CONNECT packet and the offset each broadcast carries as
its last argument, and send both as `auth` when it comes back. `Tab` is one socket across
its (re)connections: every delivery it ever received, with the time it arrived.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlencode

import socketio
from socketio import packet as sio_packet

from contracts.channels.deliveries import Delivery

T = TypeVar("T")
CONNECT_TIMEOUT = 5.0
# After a transport drops, the time the server is given to notice it (and keep the session)
# before anything else happens: a reconnection that outran it would find no session.
DROP_GRACE = 0.05
BARRIER = "parity_barriers"  # the suite's own sync records, never part of a comparison


def is_barrier(data: Any) -> bool:
    """A record the suite published to learn that a socket has joined its rooms (whole, or
    only its inner records, as a faulty server may send)."""
    inner = data.get("records") if isinstance(data, dict) else None
    return isinstance(data, dict) and (
        BARRIER in data or (isinstance(inner, dict) and BARRIER in inner)
    )


class LoopThread:
    """An asyncio loop in a daemon thread: `run(coro)` from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()


class RecoveringClient(socketio.AsyncClient):
    """An AsyncClient that keeps the session id (`pid`) its CONNECT packet carries."""

    def __init__(self, tab: Tab) -> None:
        super().__init__(reconnection=False)
        self.tab = tab
        self.on("*", self._any)

    async def _handle_connect(self, namespace: str, data: Any) -> None:
        # python-socketio's (5.18, pinned) handler of the CONNECT packet, extended
        if isinstance(data, dict) and isinstance(data.get("pid"), str):
            self.tab.pid = data["pid"]
        await super()._handle_connect(namespace, data)

    async def _any(self, event: str, *args: Any) -> None:
        if len(args) >= 2 and isinstance(args[-1], str):  # socket.io 4's offset
            self.tab.offset = args[-1]
        self.tab.receive(Delivery(event, args[0] if args else None))


@dataclass(slots=True)
class Tab:
    """One socket of the script on one side, across its reconnections."""

    name: str
    token: str | None
    claim: tuple[int, ...] = ()
    deliveries: list[Delivery] = field(default_factory=list)
    arrived: list[float] = field(default_factory=list)  # time.perf_counter() of each
    pid: str | None = None
    offset: str | None = None
    refused: str | None = None  # why the last connection attempt failed
    client: RecoveringClient | None = None
    barriers: int = 0  # barrier records received (kept out of `deliveries`)

    def receive(self, delivery: Delivery) -> None:
        if is_barrier(delivery.data):
            self.barriers += 1
            return
        self.deliveries.append(delivery)
        self.arrived.append(time.perf_counter())

    @property
    def connected(self) -> bool:
        return self.client is not None and self.client.connected

    def address(self, base: str) -> str:
        query: dict[str, str] = {}
        if self.token is not None:
            query["channel_token"] = self.token
        if self.claim:
            query["group_ids"] = ",".join(map(str, self.claim))
        return f"{base}?{urlencode(query)}" if query else base

    async def connect(self, base: str, *, resume: bool = False) -> None:
        """Open a connection (resuming: with the pid and offset it holds)."""
        auth = {"pid": self.pid, "offset": self.offset} if resume and self.pid else None
        if not resume:
            self.pid = self.offset = None
        self.client = RecoveringClient(self)
        self.refused = None
        try:
            await self.client.connect(
                self.address(base),
                transports=["websocket"],
                auth=auth,
                wait_timeout=CONNECT_TIMEOUT,
            )
        except socketio.exceptions.ConnectionError as exc:
            self.refused = str(exc) or type(exc).__name__
            # engine.io keeps the HTTP session it opened for a connection that failed (a
            # dead or refusing server): closed here, or it leaks into the test's teardown
            await self.client.eio.disconnect(abort=True)

    async def drop(self) -> None:
        """Lose the transport without a goodbye: the WebSocket closes under the client, as
        when a laptop sleeps, and the server keeps the session ("transport close")."""
        client = self.client
        if client is not None and client.eio.state == "connected" and client.eio.ws:
            await client.eio.ws.close()
            deadline = time.monotonic() + CONNECT_TIMEOUT
            while client.eio.state == "connected" and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            await asyncio.sleep(DROP_GRACE)
        await self._forget()

    async def close(self) -> None:
        """Disconnect on purpose, as the JS client does: the socket.io DISCONNECT reaches the
        server before the transport closes, so nothing is kept for a recovery.

        python-socketio's `disconnect()` closes the WebSocket without waiting for its send
        queue, so the server may see a "transport close" instead (a recoverable one); the
        DISCONNECT is sent and flushed first here.
        """
        client = self.client
        if client is not None and client.connected:
            goodbye = client.packet_class(sio_packet.DISCONNECT, namespace="/")
            await client._send_packet(goodbye)  # the packet disconnect() would send
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.eio.queue.join(), CONNECT_TIMEOUT)
            await client.disconnect()
        await self._forget()

    async def _forget(self) -> None:
        client, self.client = self.client, None
        if client is not None:
            await client.shutdown()
