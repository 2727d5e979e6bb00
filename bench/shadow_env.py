"""Reference backends on databases of their own, for the shadow and replay benches.

`Trio` starts a local PostgreSQL cluster and the reference backend three times (primary,
secondary, candidate), each on its own clone of one template database: the migrated schema
plus the seeded default world, or a snapshot of a database a recording run left behind.
Every process and the cluster are stopped on exit.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

from harness.ports import free_port
from harness.postgres import LocalPostgres, start_local_postgres
from harness.seed import SqlSeeder, build_rows, default_world

REPO = Path(__file__).resolve().parent.parent


@dataclass(slots=True)
class Server:
    """One reference backend process."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass(slots=True)
class Cluster:
    """The PostgreSQL cluster and the servers started on it."""

    postgres: LocalPostgres
    work: Path
    servers: list[Server] = field(default_factory=list)

    def migrate(self, name: str, seed: bool = True) -> str:
        """A database with the reference schema (and the default world seeded)."""
        dsn = self.postgres.create_database(name)
        subprocess.run(
            [sys.executable, "-m", "reference", "migrate", "--database-url", dsn],
            check=True,
            cwd=REPO,
            capture_output=True,
        )
        if seed:
            SqlSeeder(dsn).seed(build_rows(default_world()))
        return dsn

    def clone(self, template: str, name: str) -> str:
        return self.postgres.create_database(name, template=template)

    def serve(self, name: str, dsn: str, faults: Sequence[str] = (), idle: bool = False) -> Server:
        """A reference backend on `dsn`, ready (at idle CPU priority with `idle`)."""
        port = free_port()
        log = self.work / f"{name}.log"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PARITY_FAULTS": ",".join(faults)}
        process = subprocess.Popen(
            [
                *(("chrt", "--idle", "0") if idle else ()),
                *(sys.executable, "-m", "reference", "serve", "--no-migrate"),
                *("--port", str(port), "--database-url", dsn),
            ],
            cwd=REPO,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        server = Server(name=name, url=f"http://127.0.0.1:{port}", process=process, log=log)
        self.servers.append(server)
        wait_ready(server.url + "/up", process, log)
        return server

    def stop_server(self, server: Server) -> None:
        server.stop()
        self.servers.remove(server)


def wait_ready(
    url: str, process: subprocess.Popen[bytes] | None, log: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited; log: {log}")
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"{url} not ready after {timeout:g}s; log: {log}")


@contextlib.contextmanager
def cluster(work: Path) -> Iterator[Cluster]:
    """A local PostgreSQL cluster; every server started on it is stopped on exit."""
    work.mkdir(parents=True, exist_ok=True)
    postgres = start_local_postgres()
    running = Cluster(postgres=postgres, work=work)
    try:
        yield running
    finally:
        for server in list(running.servers):
            server.stop()
        postgres.stop()


@dataclass(slots=True)
class Trio:
    primary: Server
    secondary: Server
    candidate: Server


def start_trio(
    c: Cluster, template: str, faults: Sequence[str] = (), tag: str = "", idle: bool = False
) -> Trio:
    """Primary, secondary and candidate (with `faults`), each on its own clone of `template`;
    `idle`: the secondary and the candidate at idle CPU priority (stand-ins for hosts of
    their own, whose work is not the client's path)."""
    dsns = {
        name: c.clone(template, f"{name}{tag}") for name in ("primary", "secondary", "candidate")
    }
    return Trio(
        primary=c.serve(f"primary{tag}", dsns["primary"]),
        secondary=c.serve(f"secondary{tag}", dsns["secondary"], idle=idle),
        candidate=c.serve(f"candidate{tag}", dsns["candidate"], faults, idle=idle),
    )
