"""A run stopped from outside: SIGTERM like Ctrl-C, SIGKILL still cleaned up (real processes)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness.conftest import clean_environ, process_running

WAIT_IN_A_TEST = """
import json, time
from pathlib import Path

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


def test_waits(backends):
    root = backends.server.root
    groups = [backends.rails.runner.pid, backends.go.runner.pid,
              int((root / "data" / "postmaster.pid").read_text().split()[0])]
    pids = descendants(groups)
    Path("started.json").write_text(json.dumps({"pids": pids, "root": str(root)}))
    time.sleep(600)
"""


def _start_run(where: Path) -> tuple[subprocess.Popen[bytes], dict[str, object]]:
    (where / "test_wait.py").write_text(WAIT_IN_A_TEST)
    cmd = [sys.executable, "-m", "pytest", "test_wait.py", "-p", "harness.plugin"]
    cmd += ["-p", "no:cacheprovider", "--report", "report", "--run-dir", "run"]
    log = open(where / "pytest.log", "wb")  # noqa: SIM115  # closed by the caller's wait
    run = subprocess.Popen(cmd, cwd=where, env=clean_environ(), stdout=log, stderr=log)
    log.close()
    started = where / "started.json"
    deadline = time.monotonic() + 60
    while not started.exists() and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert started.exists(), (where / "pytest.log").read_text()
    return run, json.loads(started.read_text())


def _gone(pids: list[int], root: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(map(process_running, pids)) and not root.exists():
            return True
        time.sleep(0.05)
    return False


def test_sigterm_writes_the_partial_report_and_tears_everything_down(tmp_path: Path) -> None:
    run, started = _start_run(tmp_path)
    pids, root = list(started["pids"]), Path(str(started["root"]))  # type: ignore[call-overload]
    os.kill(run.pid, signal.SIGTERM)
    status = run.wait(timeout=30)
    log = (tmp_path / "pytest.log").read_text()
    assert status == pytest.ExitCode.INTERRUPTED, log
    assert "Traceback" not in log
    page = (tmp_path / "report" / "index.html").read_text()
    assert "run interrupted: partial report" in page
    assert json.loads((tmp_path / "report" / "findings.json").read_text()) is not None
    assert _gone(pids, root, timeout=1), "SIGTERM must tear down backends and PostgreSQL"


def test_sigkill_of_the_run_still_stops_postgres_and_the_backends(tmp_path: Path) -> None:
    run, started = _start_run(tmp_path)
    pids, root = list(started["pids"]), Path(str(started["root"]))  # type: ignore[call-overload]
    assert len(pids) >= 6 and all(map(process_running, pids)) and root.is_dir()
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    assert _gone(pids, root, timeout=8), "the watchdog stops the servers and removes the data"
