"""contracts.channels.client.Tab against a real socket: what a refused connection leaves."""

from __future__ import annotations

import asyncio
import socket

from contracts.channels.client import Tab


def test_a_refused_connection_is_recorded_and_leaves_no_open_http_session() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"

    async def attempt() -> Tab:
        tab = Tab(name="s0", token=None)
        await tab.connect(url)
        return tab

    tab = asyncio.run(attempt())
    assert tab.refused and not tab.connected
    assert tab.client is not None
    http = tab.client.eio.http
    assert http is None or http.closed
