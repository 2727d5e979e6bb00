"""Backends started as local processes: free port, log file, readiness wait, group kill.

Each command runs in its own session (process group), directly when it is a plain command
line and through `/bin/sh -c` when it uses shell syntax, so stopping it stops everything it
started. Stopping happens in the fixture's `finally`, at interpreter exit (atexit) and,
should pytest itself be killed (even with SIGKILL), through harness.processes: the
watchdog stops the whole group and PR_SET_PDEATHSIG stops its leader.
"""

from __future__ import annotations

import atexit
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

import requests

from harness.errors import HarnessError
from harness.processes import spawn_owned, stop_owned
from harness.redact import redact, redact_url

LOG_TAIL_LINES = 40
SHELL_SYNTAX = frozenset("|&;<>()$`\\\"'*?[]#~=%{}\n")
_RUNNING: dict[int, ManagedProcess] = {}


class BackendNotReady(HarnessError):
    """A backend did not answer its readiness path in time."""

    def __init__(self, *, name: str, url: str, timeout: float, last: str, log: Path | None):
        self.name, self.url, self.last, self.log = name, url, last, log
        tail = log_tail(log) if log else ""
        where = f"Log: {log}\n{tail}" if log else "No log: the server was started outside."
        super().__init__(
            f"{name} backend not ready after {timeout:g}s at {url} ({last}). {where}\n"
            f"Pass --{name}-url to use a server you started yourself, or raise --ready-timeout."
        )


class CommandFailed(HarnessError):
    """A one-off command (the schema prepare step) exited non-zero."""


def log_tail(path: Path, lines: int = LOG_TAIL_LINES, *, since: int = 0) -> str:
    """The last `lines` lines of a log file from byte `since` on (what one process wrote to a
    log that earlier runs appended to), secrets masked ('' when there is no file)."""
    try:
        with path.open("rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
    except OSError:
        return ""
    return redact("\n".join(text.splitlines()[-lines:]))


def fill(command: str, *, port: int | None = None, database_url: str = "") -> str:
    """Substitute {port}, {database_url} and its parts {db_host} {db_port} {db_name}
    {db_user} {db_password} (each shell-quoted) in a command line: servers that take the
    database as separate flags (`--db-host {db_host} --db-port {db_port}`) need the parts."""
    if port is not None:
        command = command.replace("{port}", str(port))
    parts = urlsplit(database_url) if database_url else None
    values = {
        "database_url": database_url,
        "db_host": (parts.hostname or "") if parts else "",
        "db_port": str(parts.port or 5432) if parts else "",
        "db_name": parts.path.lstrip("/") if parts else "",
        "db_user": unquote(parts.username or "") if parts else "",
        "db_password": unquote(parts.password or "") if parts else "",
    }
    for name, value in values.items():
        command = command.replace("{" + name + "}", shlex.quote(value))
    return command


def _argv(command: str) -> list[str]:
    """Plain commands run directly (signals reach them); anything shell-like via /bin/sh."""
    if any(ch in SHELL_SYNTAX for ch in command):
        return ["/bin/sh", "-c", command]
    return shlex.split(command)


@dataclass(slots=True, kw_only=True)
class ManagedProcess:
    """One backend process group: `start`, `wait_ready`, `alive`, `stop`."""

    name: str
    command: str
    env: Mapping[str, str]
    log_path: Path
    cwd: Path | None = None
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)
    log_start: int = field(default=0, init=False)  # the log's size when this process started

    def start(self) -> ManagedProcess:
        """Spawn the command in a new session with stdout+stderr appended to the log."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.log_start = log.tell()
            self.popen = spawn_owned(
                _argv(self.command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=dict(self.env),
                cwd=self.cwd,
            )
        _RUNNING[self.popen.pid] = self
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None, "start() first"
        return self.popen.pid

    def alive(self) -> bool:
        """True while the command's main process runs."""
        return self.popen is not None and self.popen.poll() is None

    def tail(self) -> str:
        """The last lines this process wrote to its log, secrets masked."""
        return log_tail(self.log_path, since=self.log_start)

    def exit_code(self) -> int | None:
        return None if self.popen is None else self.popen.poll()

    def wait_ready(self, url: str, timeout: float) -> None:
        """Poll `url` until it answers 200; BackendNotReady on timeout or exit."""
        ensure_ready(
            self.name, url, timeout, alive=self.alive, exit_code=self.exit_code, log=self.log_path
        )

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the whole process group, SIGKILL what is left after `grace` seconds."""
        if self.popen is None:
            return
        stop_owned(self.popen, signal.SIGTERM, grace)
        _RUNNING.pop(self.popen.pid, None)


def wait_ready(url: str, timeout: float, alive: Callable[[], bool] | None = None) -> str | None:
    """Poll GET `url` until 200: None when ready, else a description of the last answer."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    with requests.Session() as http:
        while True:
            if alive is not None and not alive():
                return last
            try:
                status = http.get(url, timeout=min(2.0, timeout), allow_redirects=False)
                if status.status_code == 200:
                    return None
                last = f"last status {status.status_code}"
            except requests.RequestException as exc:
                last = f"last error {type(exc).__name__}"
            if time.monotonic() >= deadline:
                return last
            time.sleep(0.05)


def ensure_ready(
    name: str,
    url: str,
    timeout: float,
    *,
    alive: Callable[[], bool],
    exit_code: Callable[[], int | None],
    log: Path | None,
) -> None:
    """`wait_ready`, raising BackendNotReady (URL, last answer, exit code, log tail)."""
    last = wait_ready(url, timeout, alive=alive)
    if last is None:
        return
    code = exit_code()
    if code is not None:
        last = f"{last}; the process exited with code {code}"
    raise BackendNotReady(name=name, url=url, timeout=timeout, last=last, log=log)


def run_command(name: str, command: str, env: Mapping[str, str], log_path: Path) -> None:
    """Run a one-off command (e.g. the schema prepare step) to completion; log its output."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log:
        process = spawn_owned(
            _argv(command),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=dict(env),
        )
    try:
        returncode = process.wait()
    finally:
        stop_owned(process, grace=1.0)  # also whatever it left running in its group
    if returncode != 0:
        raise CommandFailed(
            f"{name} prepare step failed (exit {returncode}): {redact(command)}\n"
            f"Log: {log_path}\n{log_tail(log_path)}\nFix the command (--{name}-prepare) or "
            f"check the database at {redact_url(env.get('DATABASE_URL', ''))}."
        )


@atexit.register
def _stop_all() -> None:
    """Last line of defence: no process group outlives the interpreter."""
    for process in list(_RUNNING.values()):
        process.stop(grace=1.0)
