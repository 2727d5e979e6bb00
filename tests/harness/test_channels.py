"""harness.channels against real servers: a local Redis per side, the reference channel
server embedded and as a user's command, a socket.io client receiving what is published."""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
from pathlib import Path

import pytest

from contracts.channels.client import Tab
from harness.channel_config import ChannelConfig
from harness.channels import ChannelServerNotReady, provision_channels

pytestmark = pytest.mark.backend
COMMAND = (
    f"{shlex.quote(sys.executable)} -m reference.channels --port {{port}} --redis-url {{redis_url}}"
)


def _receive(url: str, publish: object, token: str) -> list[object]:
    async def scenario() -> list[object]:
        tab = Tab(name="t", token=token)
        await tab.connect(url)
        publish()  # type: ignore[operator]
        for _ in range(200):
            if tab.deliveries:
                break
            await asyncio.sleep(0.01)
        await tab.close()
        return [d.data for d in tab.deliveries]

    return asyncio.run(scenario())


def test_each_side_gets_its_own_redis_and_delivers_to_its_rooms(tmp_path: Path) -> None:
    config = ChannelConfig.from_sources({"go_channel_cmd": COMMAND}, {}, {})
    with provision_channels(config, tmp_path, timeout=30, environ={}) as pair:
        assert pair.rails.redis_url != pair.go.redis_url
        assert (pair.rails.mode, pair.go.mode) == ("embedded", "process")
        for server in pair:
            server.store_token("tok", json.dumps({"name": "A", "group_ids": [7], "id": 3}))
            message = {"room": "group-7", "records": {"groups": [{"id": 7}]}}
            got = _receive(
                server.url, lambda s=server, m=message: s.publish("/records", json.dumps(m)), "tok"
            )
            assert got == [message]
        runners = [s.runner for s in pair]
    assert all(r is not None and not r.alive() for r in runners)


def test_a_server_that_never_subscribes_is_named(tmp_path: Path) -> None:
    # Answers the socket.io handshake path but reads no REDIS_URL: a plain HTTP server.
    www = tmp_path / "www"
    (www / "socket.io").mkdir(parents=True)
    (www / "socket.io" / "index.html").write_text("0{}")
    silent = f"{shlex.quote(sys.executable)} -m http.server {{port}} --bind 127.0.0.1 -d {www}"
    config = ChannelConfig.from_sources({"rails_channel_cmd": silent}, {}, {})
    with (
        pytest.raises(ChannelServerNotReady, match="has not subscribed"),
        provision_channels(config, tmp_path, timeout=3, environ={}),
    ):
        pass
