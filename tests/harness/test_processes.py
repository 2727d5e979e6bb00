"""harness.processes: what the harness starts dies with it, even under SIGKILL (real processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from harness.processes import group_exists, own_path, spawn_owned, stop_owned, watchdog_pid
from tests.harness.conftest import process_running

REPO = Path(__file__).resolve().parents[2]

# A stand-in for the harness: a local PostgreSQL cluster (running as `postgres` when root)
# and a backend command whose shell leaves a grandchild without a parent-death signal.
OWNER = """
import json, sys, time
from pathlib import Path
from harness import processes
from harness.postgres import start_local_postgres
from harness.providers.process import ManagedProcess

def descendants(leaders):
    # the leaders and every process below them (PostgreSQL children make their own groups)
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError):
            continue
    found = set(leaders)
    while True:
        more = {pid for pid, ppid in parents.items() if ppid in found} - found
        if not more:
            return sorted(found)
        found |= more

cluster = start_local_postgres()
backend = ManagedProcess(
    name="go", command="sleep 300 & sleep 301", env={"PATH": "/usr/bin:/bin"},
    log_path=Path(sys.argv[1]) / "go.log",
).start()
time.sleep(0.3)  # the shell has forked its background sleep
groups = [cluster.process.pid, backend.pid]
pids = descendants(groups)
print(json.dumps({"pids": pids, "groups": groups, "root": str(cluster.root),
                  "watchdog": processes.watchdog_pid()}), flush=True)
time.sleep(600)
"""


def _wait_until(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            break
        time.sleep(0.05)
    return time.monotonic() - started


def test_postgres_and_backends_die_with_a_harness_killed_with_sigkill(tmp_path: Path) -> None:
    owner = subprocess.Popen(
        [sys.executable, "-c", OWNER, str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        started = json.loads(owner.stdout.readline())  # type: ignore[union-attr]  # PIPE
        pids, root = started["pids"], Path(started["root"])
        assert len(pids) >= 6, pids  # postmaster + its workers, the shell, two sleeps
        assert root.is_dir() and all(process_running(p) for p in pids)
    finally:
        owner.kill()  # SIGKILL: no finally, no atexit in the owner
        owner.wait()
        owner.stdout.close()  # type: ignore[union-attr]  # PIPE
    watchdog = int(started["watchdog"])
    waited = _wait_until(
        lambda: not any(map(process_running, [*pids, watchdog])) and not root.exists(), 8
    )
    assert not [p for p in pids if process_running(p)], "processes outlived the harness"
    assert not root.exists(), f"{root} (the cluster's data) outlived the harness"
    assert waited < 8
    assert not process_running(watchdog), "the watchdog ends once it cleaned up"


def test_a_group_stopped_by_the_harness_is_forgotten_by_the_watchdog(tmp_path: Path) -> None:
    kept = tmp_path / "kept"
    kept.mkdir()
    process = spawn_owned(["sleep", "300"])
    stop_owned(process, grace=1.0)
    assert not group_exists(process.pid)
    assert watchdog_pid() is not None and process_running(int(watchdog_pid() or 0))
    own_path(kept)  # owned until this session ends: the directory stays while we run
    assert kept.is_dir()


def test_the_watchdog_ignores_interrupts_meant_for_the_harness(tmp_path: Path) -> None:
    process = spawn_owned(["sleep", "300"])
    try:
        pid = int(watchdog_pid() or 0)
        time.sleep(0.5)  # its handlers are set once its interpreter is up
        os.kill(pid, signal.SIGINT)
        os.kill(pid, signal.SIGTERM)
        time.sleep(0.2)
        assert process_running(pid)
        assert process_running(process.pid)
    finally:
        stop_owned(process, grace=1.0)
