"""A throwaway local PostgreSQL cluster: initdb, start, create/clone/drop databases, stop.

The embedded default of the harness, and the database of the project's own tests. When run
as root the server binaries run as the `postgres` user (initdb and postgres refuse root).
The cluster lives on /dev/shm when it exists (a cluster there starts in about half a second).
Server and directory are owned through harness.processes: should the harness be killed, even
with SIGKILL, its watchdog stops the server and removes the directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from harness.errors import HarnessError
from harness.ports import free_port
from harness.processes import disown_path, own_path, spawn_owned, stop_owned

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin")
SUPERUSER = "parity"


class PostgresError(HarnessError):
    """The local PostgreSQL cluster could not be created or started."""


def find_pg_bin() -> Path:
    """Directory holding initdb and postgres: $PARITY_PG_BIN, a Debian path, or PATH."""
    configured = os.environ.get("PARITY_PG_BIN")
    candidates = [configured] if configured else list(PG_BIN_CANDIDATES)
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise PostgresError(
        "no PostgreSQL server binaries found (looked for initdb in "
        f"{', '.join(c for c in candidates if c)} and on PATH). Install PostgreSQL 15 "
        "(apt-get install postgresql) or set PARITY_PG_BIN to the directory holding initdb."
    )


def _run_as() -> dict[str, object]:
    """Popen arguments that drop root to the postgres user; nothing when not root."""
    if os.geteuid() != 0:
        return {}
    return {"user": "postgres", "group": "postgres"}


def _scratch_parent() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@dataclass(frozen=True, slots=True)
class LocalPostgres:
    """A running cluster: connect with `dsn(dbname)`; stop with `stop()`."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def log_path(self) -> Path:
        return self.root / "postgres.log"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """CREATE DATABASE name [TEMPLATE template]; returns its DSN."""
        create_database(self.dsn(), name, template)
        return self.dsn(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE IF EXISTS name, closing its connections first."""
        drop_database(self.dsn(), name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete the cluster directory."""
        stop_owned(self.process, signal.SIGINT, grace=10)  # SIGINT: fast shutdown
        shutil.rmtree(self.root, ignore_errors=True)
        disown_path(self.root)


def create_database(admin_dsn: str, name: str, template: str | None = None) -> None:
    """CREATE DATABASE name [TEMPLATE template] on the server of `admin_dsn`."""
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(query)


def drop_database(admin_dsn: str, name: str) -> None:
    """DROP DATABASE IF EXISTS name WITH (FORCE): its open connections are closed first."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def dsn_with_database(dsn: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _initdb(pg_bin: Path, datadir: Path, cwd: Path) -> None:
    cmd = [
        str(pg_bin / "initdb"),
        "-D",
        str(datadir),
        "-U",
        SUPERUSER,
        "--auth=trust",
        "--encoding=UTF8",
        "--locale=C",
        "--no-sync",
    ]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, **_run_as())  # type: ignore[call-overload]  # user/group kwargs
    if done.returncode != 0:
        raise PostgresError(f"initdb failed in {datadir}:\n{done.stdout}{done.stderr}")


def _wait_ready(cluster: LocalPostgres, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last_error = ""
    while time.monotonic() < deadline:
        if cluster.process.poll() is not None:
            break
        try:
            with psycopg.connect(cluster.dsn(), connect_timeout=1):
                return
        except psycopg.OperationalError as exc:
            last_error = str(exc).strip()
            time.sleep(0.05)
    log = cluster.log_path.read_text(errors="replace")[-2000:] if cluster.log_path.exists() else ""
    cluster.stop()
    raise PostgresError(
        f"local PostgreSQL on port {cluster.port} not ready after {timeout:.0f}s "
        f"(last error: {last_error or 'process exited'}). Server log:\n{log}"
    )


def start_local_postgres(timeout: float = 30.0) -> LocalPostgres:
    """initdb a fresh cluster in a temp dir and start it on a free port (trust auth)."""
    pg_bin = find_pg_bin()
    root = Path(tempfile.mkdtemp(prefix="parity-pg-", dir=_scratch_parent()))
    own_path(root)
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(root, pw.pw_uid, pw.pw_gid)
    datadir = root / "data"
    try:
        _initdb(pg_bin, datadir, root)
        port = free_port()
        cmd = [
            str(pg_bin / "postgres"),
            "-D",
            str(datadir),
            "-p",
            str(port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={root}",
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ]
        log = open(root / "postgres.log", "wb")  # noqa: SIM115  # handed to the child process
        # SIGQUIT if the harness dies: an immediate shutdown, the data is thrown away anyway
        process = spawn_owned(
            cmd,
            stop_signal=signal.SIGQUIT,
            cwd=root,
            stdout=log,
            stderr=subprocess.STDOUT,
            **_run_as(),
        )
        log.close()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        disown_path(root)
        raise
    cluster = LocalPostgres(root=root, port=port, process=process)
    _wait_ready(cluster, timeout)
    return cluster


@contextlib.contextmanager
def local_postgres(timeout: float = 30.0) -> Iterator[LocalPostgres]:
    """Context manager around start_local_postgres / stop."""
    cluster = start_local_postgres(timeout)
    try:
        yield cluster
    finally:
        cluster.stop()
