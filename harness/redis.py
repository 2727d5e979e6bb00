"""A throwaway local Redis server: start on a free port, hand out URLs, stop.

The embedded default's Redis and the Redis of the project's own tests. Pub/sub channels are
server-wide in Redis (a PUBLISH in database 1 reaches a SUBSCRIBE made on database 2), so
publications of two sides are told apart only with a server per side. Nothing is persisted (`--save ''`, no AOF); the scratch directory lives on /dev/shm
when it exists and is deleted on stop.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from harness.config import HarnessConfig, Mode, SideConfig
from harness.errors import HarnessError
from harness.ports import free_port
from harness.processes import disown_path, own_path, spawn_owned, stop_owned


class RedisError(HarnessError):
    """The local Redis server could not be found or started."""


def find_redis_server() -> Path:
    """The redis-server binary: $PARITY_REDIS_SERVER, else redis-server on PATH."""
    configured = os.environ.get("PARITY_REDIS_SERVER")
    if configured:
        if Path(configured).is_file():
            return Path(configured)
        raise RedisError(
            f"PARITY_REDIS_SERVER={configured} is not a file. Point it at a redis-server "
            "binary, or unset it to use redis-server from PATH."
        )
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    raise RedisError(
        "no redis-server found on PATH. Install it (apt-get install redis-server) "
        "or set PARITY_REDIS_SERVER to the redis-server binary."
    )


def _scratch_parent() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _server_command(binary: Path, root: Path, port: int, databases: int) -> list[str]:
    return [
        str(binary),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(root),
        "--save",
        "",
        "--appendonly",
        "no",
        "--databases",
        str(databases),
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--logfile",
        "",
    ]


def spawn_server(cmd: list[str], cwd: Path, log_path: Path) -> subprocess.Popen[bytes]:
    """Start the server, output to `log_path`; owned (harness.processes): it and its scratch
    directory go with the harness, however the harness ends."""
    own_path(cwd)
    with open(log_path, "wb") as log:
        return spawn_owned(cmd, cwd=cwd, stdout=log, stderr=subprocess.STDOUT)


@dataclass(frozen=True, slots=True)
class LocalRedis:
    """A running server: connect with `url(db)`; stop with `stop()`."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def log_path(self) -> Path:
        return self.root / "redis.log"

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL) and delete its scratch directory."""
        stop_owned(self.process, grace=10)
        shutil.rmtree(self.root, ignore_errors=True)
        disown_path(self.root)


def _wait_ready(server: LocalRedis, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = "process exited"
    while time.monotonic() < deadline and server.process.poll() is None:
        try:
            with redis.Redis.from_url(server.url(), socket_connect_timeout=1) as client:
                if client.ping():
                    return
        except redis.RedisError as exc:
            last_error = str(exc).strip()
            time.sleep(0.02)
    log = server.log_path.read_text(errors="replace")[-2000:] if server.log_path.exists() else ""
    server.stop()
    raise RedisError(
        f"local redis-server on port {server.port} did not answer PING within {timeout:.0f}s "
        f"(last error: {last_error}). Server log:\n{log}"
    )


def start_local_redis(timeout: float = 15.0, databases: int = 16) -> LocalRedis:
    """Start redis-server on a free 127.0.0.1 port in a temp dir, persistence off."""
    binary = find_redis_server()
    root = Path(tempfile.mkdtemp(prefix="parity-redis-", dir=_scratch_parent()))
    try:
        port = free_port()
        process = spawn_server(
            _server_command(binary, root, port, databases), root, root / "redis.log"
        )
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    server = LocalRedis(root=root, port=port, process=process)
    _wait_ready(server, timeout)
    return server


@contextlib.contextmanager
def local_redis(timeout: float = 15.0, databases: int = 16) -> Iterator[LocalRedis]:
    """Context manager around start_local_redis / stop."""
    server = start_local_redis(timeout, databases)
    try:
        yield server
    finally:
        server.stop()


@dataclass(frozen=True, slots=True, kw_only=True)
class RedisLink:
    """One side's Redis: what the app is given as REDIS_URL, what the harness subscribes to
    (None: nothing to capture, `why` says so)."""

    app_url: str | None
    capture_url: str | None
    why: str = ""


def redis_link(
    side: SideConfig, mode: Mode, config: HarnessConfig, stack: contextlib.ExitStack, run_dir: Path
) -> RedisLink:
    """The side's Redis: --X-redis-url, else a server started for it (stopped with `stack`).

    A server per side, not a database per side: pub/sub ignores the database number.
    """
    if side.redis_url:
        return RedisLink(app_url=side.redis_url, capture_url=side.redis_url)
    if mode == "url":
        return RedisLink(
            app_url=None,
            capture_url=None,
            why=f"the {side.name} backend is a running server (url mode) and no "
            f"--{side.name}-redis-url was given",
        )
    if mode == "containers":
        from harness.providers.containers import start_redis_container

        return start_redis_container(side.name, config, stack, run_dir)
    server = start_local_redis(timeout=config.ready_timeout)
    stack.callback(server.stop)
    return RedisLink(app_url=server.url(), capture_url=server.url())
