"""Containers mode (testcontainers): PostgreSQL plus one container per app image, one network.

Apps listen on APP_PORT inside their container (passed as PORT), reach PostgreSQL as
`postgres:5432` and their own Redis as `redis-<side>:6379` (passed as REDIS_URL); the harness reaches both through their published ports. Any Docker-API
engine works (Docker, or podman's service: see .ci/containers-setup).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from testcontainers.community.postgres import PostgresContainer
from testcontainers.core.container import DockerContainer
from testcontainers.core.network import Network

from harness.channel_config import ChannelSideConfig
from harness.client import Liveness
from harness.config import HarnessConfig, SideConfig
from harness.databases import DatabaseServer
from harness.providers.process import CommandFailed, log_tail
from harness.redis import RedisLink

APP_PORT = 3000
PG_ALIAS = "postgres"
PG_USER = "parity"
REDIS_PORT = 6379
PG_PASSWORD = "parity-pg-secret"  # a throwaway container; registered as a secret anyway
_NETWORK: dict[int, Network] = {}  # one network per ExitStack (per provisioned run)


def _network(stack: contextlib.ExitStack) -> Network:
    if id(stack) not in _NETWORK:
        network = Network().create()
        stack.callback(network.remove)
        stack.callback(_NETWORK.pop, id(stack), None)
        _NETWORK[id(stack)] = network
    return _NETWORK[id(stack)]


def start_postgres_container(
    config: HarnessConfig, stack: contextlib.ExitStack, run_dir: Path
) -> DatabaseServer:
    """A PostgreSQL container on the run's network; stopped when `stack` closes."""
    container = PostgresContainer(
        config.pg_image, username=PG_USER, password=PG_PASSWORD, dbname="postgres", driver=None
    )
    container.with_network(_network(stack)).with_network_aliases(PG_ALIAS)
    stack.callback(_stop, container, run_dir / "postgres.log")
    container.start()
    host = container.get_container_host_ip()
    port = container.get_exposed_port(5432)
    return DatabaseServer(
        host_dsn=f"postgresql://{PG_USER}:{PG_PASSWORD}@{host}:{port}/postgres",
        network_dsn=f"postgresql://{PG_USER}:{PG_PASSWORD}@{PG_ALIAS}:5432/postgres",
    )


def _app(
    side: SideConfig, database_url: str, redis_url: str | None, stack: contextlib.ExitStack
) -> DockerContainer:
    container = DockerContainer(str(side.image))
    container.with_network(_network(stack))
    container.with_env("PORT", str(APP_PORT)).with_env("DATABASE_URL", database_url)
    if redis_url:
        container.with_env("REDIS_URL", redis_url)
    for key, value in side.setenv:
        container.with_env(key, value)
    return container


def start_app_container(
    side: SideConfig,
    database_url: str,
    redis_url: str | None,
    log: Path,
    stack: contextlib.ExitStack,
) -> tuple[str, Liveness]:
    """Start the side's image; its base URL and how to tell whether it still runs."""
    container = _app(side, database_url, redis_url, stack).with_network_aliases(side.name)
    container.with_exposed_ports(APP_PORT)
    stack.callback(_stop, container, log)
    container.start()
    url = f"http://{container.get_container_host_ip()}:{container.get_exposed_port(APP_PORT)}"

    def alive() -> bool:
        with contextlib.suppress(Exception):
            container.reload()  # status is cached by the Docker SDK until reloaded
            return bool(container.status == "running")
        return False

    def tail() -> str:
        _save_logs(container, log)
        return log_tail(log)

    def exit_code() -> int | None:
        with contextlib.suppress(Exception):
            if alive():
                return None
            return int(container.get_wrapped_container().attrs["State"]["ExitCode"])
        return None

    return url, Liveness(alive=alive, exit_code=exit_code, log_tail=tail, log_path=str(log))


def run_prepare_container(side: SideConfig, database_url: str, log: Path) -> None:
    """Run --X-prepare in a one-off container of the side's image, on the run's network."""
    network = next(iter(_NETWORK.values()))
    container = DockerContainer(str(side.image)).with_network(network)
    container.with_env("DATABASE_URL", database_url)
    for key, value in side.setenv:
        container.with_env(key, value)
    container.with_kwargs(entrypoint=["/bin/sh", "-c"])
    container.with_command([str(side.prepare).replace("{database_url}", database_url)])
    container.start()
    try:
        code = container.get_wrapped_container().wait()["StatusCode"]
        _save_logs(container, log)
    finally:
        container.stop()
    if code != 0:
        raise CommandFailed(
            f"{side.name} prepare step failed in {side.image} (exit {code}).\n"
            f"Log: {log}\n{log_tail(log)}"
        )


def _save_logs(container: DockerContainer, log: Path) -> None:
    with contextlib.suppress(Exception):
        out, err = container.get_logs()
        log.write_bytes(out + err)


def _stop(container: DockerContainer, log: Path) -> None:
    _save_logs(container, log)
    with contextlib.suppress(Exception):
        container.stop()  # force-removes the container


REDIS_IMAGE, REDIS_ALIAS = "redis:7", "redis"


def start_channel_containers(
    side: ChannelSideConfig, log: Path, stack: contextlib.ExitStack
) -> tuple[str, str]:
    """A Redis container and the side's channel server image on one network; (the server's
    URL, the Redis URL) as the harness reaches them. Stopped when `stack` closes."""
    network = _network(stack)
    store = DockerContainer(REDIS_IMAGE).with_network(network)
    store.with_network_aliases(f"{side.name}-{REDIS_ALIAS}").with_exposed_ports(6379)
    stack.callback(_stop, store, log.with_suffix(".redis.log"))
    store.start()
    server = DockerContainer(str(side.image)).with_network(network)
    server.with_env("PORT", str(APP_PORT))
    server.with_env("REDIS_URL", f"redis://{side.name}-{REDIS_ALIAS}:6379/0")
    for key, value in side.setenv:
        server.with_env(key, value)
    server.with_exposed_ports(APP_PORT)
    stack.callback(_stop, server, log)
    server.start()
    host = server.get_container_host_ip()
    redis_url = f"redis://{store.get_container_host_ip()}:{store.get_exposed_port(6379)}/0"
    return f"http://{host}:{server.get_exposed_port(APP_PORT)}", redis_url


def start_redis_container(
    side: str, config: HarnessConfig, stack: contextlib.ExitStack, run_dir: Path
) -> RedisLink:
    """A Redis container for one side on the run's network (`redis-<side>:6379`)."""
    alias = f"redis-{side}"
    container = DockerContainer(config.redis_image).with_network(_network(stack))
    container.with_network_aliases(alias).with_exposed_ports(REDIS_PORT)
    container.with_command("redis-server --save '' --appendonly no --protected-mode no")
    stack.callback(_stop, container, run_dir / f"{alias}.log")
    container.start()
    host, port = container.get_container_host_ip(), container.get_exposed_port(REDIS_PORT)
    return RedisLink(
        app_url=f"redis://{alias}:{REDIS_PORT}/0", capture_url=f"redis://{host}:{port}/0"
    )
