"""Processes the harness starts die with it, even when it is killed with SIGKILL.

Use `spawn_owned(argv, ...)` for every server the harness starts (PostgreSQL, backends,
Redis, channel servers) and `stop_owned(popen)` to stop it; `own_path(dir)` for a directory
that must not outlive the run (a cluster's data on /dev/shm). Two mechanisms, both needed:

- **a watchdog process** (`python -m harness.processes`, standard library only), started on
  first use in a session of its own with a pipe as its stdin. The harness writes what it
  owns into the pipe: `group PGID SIGNAL` and `path DIR`, and `forget …` once it cleaned up
  itself. When the pipe reaches end of file (the harness exited: however it died, the
  kernel closes its descriptors) the watchdog signals every remembered process group,
  SIGKILLs what is left after a grace period, removes the directories and exits. It runs as
  the harness' user, so it can also stop PostgreSQL running as `postgres` and remove its
  data directory. Being in its own session, neither Ctrl-C nor `timeout`'s group signal
  reach it before the harness is gone.
- **PR_SET_PDEATHSIG** in each child (set in `preexec_fn`, which Python runs after the
  `user=`/`group=` switch: the kernel clears the setting on a credential change, so setting
  it before would not survive). It stops the direct child at once, without waiting for the
  watchdog; it does not reach the grandchildren of a shell or remove files, hence the
  watchdog.

Every child runs in a process group of its own (`start_new_session`), so stopping it stops
what it started.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

PR_SET_PDEATHSIG = 1
GRACE_S = 5.0  # the watchdog's wait between its signal and SIGKILL
_LOCK = threading.Lock()
_WATCHDOG: subprocess.Popen[bytes] | None = None
_WATCHDOG_PID_OWNER: int | None = None  # the process that started it (not a fork of it)


def spawn_owned(
    argv: Sequence[str],
    *,
    stop_signal: signal.Signals = signal.SIGTERM,
    **popen: Any,
) -> subprocess.Popen[bytes]:
    """Popen(argv) in a new process group that dies with this process (see the module doc).

    `stop_signal` is what the child receives when this process dies (PostgreSQL: SIGQUIT,
    an immediate shutdown). Other keyword arguments go to Popen (`user=`, `env=`, `stdout=` …).
    """
    parent = os.getpid()
    popen.update(start_new_session=True, preexec_fn=_die_with(parent, stop_signal))
    process: subprocess.Popen[bytes] = subprocess.Popen(argv, **popen)
    own_group(process.pid, stop_signal)
    return process


def stop_owned(
    process: subprocess.Popen[bytes], sig: signal.Signals = signal.SIGTERM, grace: float = 5.0
) -> None:
    """Signal the child's process group, SIGKILL what is left after `grace`; forget it."""
    deadline = time.monotonic() + grace
    signal_group(process.pid, sig)
    while group_exists(process.pid) and time.monotonic() < deadline:
        process.poll()  # reap the leader so its group can empty
        time.sleep(0.02)
    signal_group(process.pid, signal.SIGKILL)  # whatever ignored `sig`
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)
    disown_group(process.pid)


def own_group(pgid: int, sig: signal.Signals = signal.SIGTERM) -> None:
    """The watchdog sends `sig` (then SIGKILL) to this process group if this process dies."""
    _tell(f"group {pgid} {int(sig)}")


def disown_group(pgid: int) -> None:
    """The group was stopped here: the watchdog forgets it."""
    _tell(f"forget group {pgid}")


def own_path(path: Path) -> None:
    """The watchdog removes this directory (after the groups are gone) if this process dies."""
    _tell(f"path {path}")


def disown_path(path: Path) -> None:
    """The directory was removed here: the watchdog forgets it."""
    _tell(f"forget path {path}")


def watchdog_pid() -> int | None:
    """The pid of this process' watchdog (None before the first owned process)."""
    return _WATCHDOG.pid if _WATCHDOG is not None else None


def signal_group(pgid: int, sig: signal.Signals) -> None:
    """killpg, quiet when the group is gone or not ours."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def group_exists(pgid: int) -> bool:
    """True while a process of the group runs (zombies awaiting a reaper do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rpartition(")")[2].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def descendants(leader: int) -> set[int]:
    """`leader` and every process below it, by parent pid (PostgreSQL's children leave its
    process group, so a group is not enough to find them)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
    found = {leader}
    while more := {pid for pid, ppid in parents.items() if ppid in found} - found:
        found |= more
    return found


def running(pid: int) -> bool:
    """True when `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def _die_with(parent: int, sig: signal.Signals) -> Callable[[], None]:
    def preexec() -> None:  # pragma: no cover - runs in the child between fork and exec
        if sys.platform.startswith("linux"):
            with contextlib.suppress(OSError, AttributeError):
                ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, int(sig))
            if os.getppid() != parent:  # the parent died before the prctl: nobody will tell us
                os._exit(1)

    return preexec


def _tell(line: str) -> None:
    with _LOCK:
        pipe = _watchdog_stdin()
        if pipe is None:
            return
        try:
            pipe.write(line.encode() + b"\n")
            pipe.flush()
        except (BrokenPipeError, ValueError):  # the watchdog died: the pdeathsig still holds
            pass


def _watchdog_stdin() -> IO[bytes] | None:
    """The pipe to this process' watchdog, started on first use (again after a fork)."""
    global _WATCHDOG, _WATCHDOG_PID_OWNER
    if _WATCHDOG is None or os.getpid() != _WATCHDOG_PID_OWNER or _WATCHDOG.poll() is not None:
        _WATCHDOG = subprocess.Popen(
            [sys.executable, "-m", "harness.processes"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=None,
            start_new_session=True,  # Ctrl-C and group signals reach the harness, not this
            cwd="/",
            env={**os.environ, "PYTHONPATH": _python_path()},
        )
        _WATCHDOG_PID_OWNER = os.getpid()
    return _WATCHDOG.stdin


def _python_path() -> str:
    """This checkout first, so `-m harness.processes` is this module whatever the cwd."""
    here = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join(p for p in (here, os.environ.get("PYTHONPATH", "")) if p)


# -- the watchdog ------------------------------------------------------------------------


def watch(lines: IO[bytes], grace: float = GRACE_S) -> None:
    """Remember what the pipe says until it closes, then stop and remove what is left."""
    groups: dict[int, int] = {}
    paths: list[str] = []
    for raw in lines:
        words = raw.decode(errors="replace").rstrip("\n").split(" ", 2)
        if words[0] == "group" and len(words) == 3:
            groups[int(words[1])] = int(words[2])
        elif words[0] == "path" and len(words) >= 2:
            paths.append(" ".join(words[1:]))
        elif words[:2] == ["forget", "group"] and len(words) == 3:
            groups.pop(int(words[2]), None)
        elif words[:2] == ["forget", "path"] and len(words) == 3:
            with contextlib.suppress(ValueError):
                paths.remove(words[2])
    clean_up(groups, paths, grace)


def clean_up(groups: dict[int, int], paths: list[str], grace: float) -> None:
    """Signal each group, SIGKILL the rest after `grace`, then remove the directories."""
    for pgid, sig in groups.items():
        signal_group(pgid, signal.Signals(sig))
    deadline = time.monotonic() + grace
    while any(group_exists(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pgid in groups:
        signal_group(pgid, signal.SIGKILL)
    deadline = time.monotonic() + grace
    while any(group_exists(g) for g in groups) and time.monotonic() < deadline:
        time.sleep(0.05)
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


if __name__ == "__main__":
    for ignored in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(ignored, signal.SIG_IGN)  # only the closed pipe ends the watchdog
    watch(sys.stdin.buffer)
