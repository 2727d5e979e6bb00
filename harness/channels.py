"""Provision the two channel servers of a channel run, each with its own Redis.

`provision_channels(config, run_dir)` yields a `ChannelPair`. Per side: a Redis (the given
`--X-channel-redis-url`, else a throwaway local redis-server: pub/sub is server-wide, so
each side needs a server of its own), then the channel server (url: reached; process: the
command with PORT and REDIS_URL; containers: the image next to a Redis container; embedded:
`python -m reference.channels`), awaited on socket.io's handshake and then until it has
subscribed to /records and /system_notice. Everything is undone on exit, also on failure.
"""

from __future__ import annotations

import contextlib
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from harness.channel_config import ChannelConfig, ChannelMode, ChannelSideConfig
from harness.errors import HarnessError
from harness.ports import free_port
from harness.providers.process import ManagedProcess, ensure_ready, fill, log_tail
from harness.redact import redact_url
from harness.redis import start_local_redis

CHANNELS = ("/records", "/system_notice")
HANDSHAKE = "/socket.io/?EIO=4&transport=polling"  # socket.io 4's first request
EMBEDDED_CHANNEL = f"{shlex.quote(sys.executable)} -m reference.channels serve --port {{port}}"


class ChannelServerNotReady(HarnessError):
    """A channel server answered but never subscribed to its Redis channels."""


@dataclass(slots=True, kw_only=True)
class ChannelServer:
    """One live channel server: where sockets connect, the Redis behind it, its process."""

    name: str
    mode: ChannelMode
    url: str
    redis_url: str
    redis: redis.Redis
    runner: ManagedProcess | None = None
    log_path: Path | None = None

    def publish(self, channel: str, text: str) -> int:
        """PUBLISH as the API does; the number of subscribers that got it."""
        return int(self.redis.publish(channel, text))

    def store_token(self, token: str, entry: str) -> None:
        """What boot does: SET /current_users/<token> = {"name", "group_ids", "id"}."""
        self.redis.set(f"/current_users/{token}", entry)

    def alive(self) -> bool:
        """False once a process the harness started has exited (url mode: assumed alive)."""
        return self.runner is None or self.runner.alive()

    def log_tail(self) -> str:
        """What this run's server wrote last (a process: only since it started)."""
        if self.runner is not None:
            return self.runner.tail()
        return log_tail(self.log_path) if self.log_path else ""


@dataclass(slots=True, kw_only=True)
class ChannelPair:
    rails: ChannelServer
    go: ChannelServer
    config: ChannelConfig

    def __iter__(self) -> Iterator[ChannelServer]:
        return iter((self.rails, self.go))

    def __getitem__(self, name: str) -> ChannelServer:
        return {"rails": self.rails, "go": self.go}[name]


@contextlib.contextmanager
def provision_channels(
    config: ChannelConfig, run_dir: Path, *, timeout: float = 60.0, environ: dict[str, str]
) -> Iterator[ChannelPair]:
    """Both channel servers up and subscribed; torn down (servers, Redis) on exit."""
    run_dir.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        if config.recovery_seconds is not None:
            environ = {**environ, "PARITY_CHANNEL_RECOVERY_SECONDS": f"{config.recovery_seconds:g}"}
        servers = {s.name: _start(s, run_dir, environ, stack) for s in config.sides}
        for server in servers.values():
            _await_subscribed(server, timeout)
        yield ChannelPair(rails=servers["rails"], go=servers["go"], config=config)


def _redis_for(side: ChannelSideConfig, stack: contextlib.ExitStack) -> str:
    if side.redis_url:
        return side.redis_url
    local = start_local_redis()
    stack.callback(local.stop)
    return local.url()


def _start(
    side: ChannelSideConfig, run_dir: Path, environ: dict[str, str], stack: contextlib.ExitStack
) -> ChannelServer:
    log = run_dir / f"{side.name}-channel.log"
    if side.mode == "containers":
        from harness.providers.containers import start_channel_containers

        url, redis_url = start_channel_containers(side, log, stack)
        return _server(side, url, redis_url, stack, log=log)
    redis_url = _redis_for(side, stack)
    if side.mode == "url":
        return _server(side, str(side.url), redis_url, stack)
    port = free_port()
    command = side.cmd or EMBEDDED_CHANNEL
    command = fill(command.replace("{redis_url}", shlex.quote(redis_url)), port=port)
    faults = {"PARITY_CHANNEL_FAULTS": ",".join(side.faults)} if side.faults else {}
    env = {
        **{k: v for k, v in environ.items() if k != "PARITY_CHANNEL_FAULTS"},
        **dict(side.setenv),
        **faults,
        "PORT": str(port),
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
    }
    runner = ManagedProcess(name=f"{side.name}-channel", command=command, env=env, log_path=log)
    stack.callback(runner.stop)
    runner.start()
    return _server(side, f"http://127.0.0.1:{port}", redis_url, stack, runner=runner, log=log)


def _server(
    side: ChannelSideConfig,
    url: str,
    redis_url: str,
    stack: contextlib.ExitStack,
    *,
    runner: ManagedProcess | None = None,
    log: Path | None = None,
) -> ChannelServer:
    client = redis.Redis.from_url(redis_url)
    stack.callback(client.close)
    return ChannelServer(
        name=side.name,
        mode=side.mode,
        url=url,
        redis_url=redis_url,
        redis=client,
        runner=runner,
        log_path=log,
    )


def _await_subscribed(server: ChannelServer, timeout: float) -> None:
    """The handshake answers 200, then both channels have a subscriber on its Redis."""
    runner = server.runner
    ensure_ready(
        f"{server.name}-channel",  # BackendNotReady suggests --rails-channel-url
        server.url + HANDSHAKE,
        timeout,
        alive=server.alive,
        exit_code=(lambda: runner.exit_code()) if runner else (lambda: None),
        log=server.log_path,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and server.alive():
        counts = dict(server.redis.pubsub_numsub(*CHANNELS))
        if all(counts.get(c.encode(), 0) > 0 for c in CHANNELS):
            return
        time.sleep(0.05)
    raise ChannelServerNotReady(
        f"{server.name} channel server at {server.url} answers but has not subscribed to "
        f"{' and '.join(CHANNELS)} on {redact_url(server.redis_url)} within {timeout:g}s. "
        f"Check that it reads REDIS_URL. Log: {server.log_path}\n{server.log_tail()}"
    )
