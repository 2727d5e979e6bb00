"""Small real HTTP servers for the shadow tests: a primary, a candidate, a secondary."""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from collections import Counter
from collections.abc import Callable

from aiohttp import web

from harness.ports import free_port


class Backend:
    """An aiohttp server on its own thread: `title` in every group, `noise` adds a random
    field, `delay` seconds before answering; counts requests per method."""

    def __init__(self, title: str = "A", *, noise: bool = True, delay: float = 0.0) -> None:
        self.title, self.noise, self.delay = title, noise, delay
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.seen: Counter[str] = Counter()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(10), "test backend did not start"

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/api/v1/groups/{id}", self.group)
        app.router.add_route("*", "/{tail:.*}", self.other)
        return app

    async def group(self, request: web.Request) -> web.Response:
        self.seen[request.method] += 1
        await asyncio.sleep(self.delay)
        record: dict[str, object] = {"id": int(request.match_info["id"]), "title": self.title}
        if self.noise:
            record["nonce"] = secrets.token_hex(4)
        response = web.json_response({"groups": [record], "meta": {"root": "groups"}})
        response.headers["X-Test"] = "primary-header"
        response.headers.add("Set-Cookie", "a=1; Path=/")
        response.headers.add("Set-Cookie", "b=2; Path=/")
        return response

    async def other(self, request: web.Request) -> web.Response:
        self.seen[request.method] += 1
        await asyncio.sleep(self.delay)
        return web.Response(
            status=404, text=json.dumps({"error": "nope"}), content_type="application/json"
        )

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self._app(), access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.close()

    def stop(self) -> None:
        if self._runner is not None:
            future = asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop)
            future.result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


def waiting(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


class Garbage:
    """A TCP server that answers every connection with bytes that are not HTTP."""

    def __init__(self) -> None:
        import socketserver

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                self.request.recv(65536)
                self.request.sendall(b"this is not HTTP\x00\xff\r\n\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
