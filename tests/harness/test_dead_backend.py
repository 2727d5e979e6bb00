"""A backend killed mid-run ends the run in every suite within the request timeout, with the
finding and a partial report (real suites, real processes, `kill -9`)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.harness.conftest import clean_environ, process_running

REPO = Path(__file__).resolve().parents[2]
REQUEST_TIMEOUT = 10


def descendants(leader: int) -> list[int]:
    """`leader` and every process below it."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError):
            continue
    found = {leader}
    while more := {pid for pid, ppid in parents.items() if ppid in found} - found:
        found |= more
    return sorted(found)


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return f"{pid} (gone)"


def outliving(pids: list[int], run: int, grace: float = 5.0) -> list[int]:
    """What is still running `grace` seconds after the run exited (the watchdog that removes
    what a dead run left needs a moment to see the run gone and exit)."""
    deadline = time.monotonic() + grace
    while (alive := [p for p in pids if p != run and process_running(p)]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    return alive


def go_backend_pid(run: int) -> int | None:
    """The go reference process of the run (its database is parity_go)."""
    for pid in descendants(run):
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if b"/parity_go\x00" in environ and b"reference" in cmdline:
            return pid
    return None


@pytest.mark.parametrize(
    "target",
    ["contracts/test_conformance.py", "contracts/test_differential.py", "properties"],
    ids=["conformance", "lockstep", "properties"],
)
def test_a_killed_backend_ends_the_run_with_a_finding_and_a_partial_report(
    target: str, tmp_path: Path
) -> None:
    cmd = [sys.executable, "-m", "pytest", target, "-p", "no:cacheprovider", "-q"]
    cmd += ["--report", str(tmp_path / "report"), "--run-dir", str(tmp_path / "run")]
    cmd += [f"--request-timeout={REQUEST_TIMEOUT}", "--hypothesis-profile=ci"]
    cmd += ["--tb=line"]  # as `parity run` reports failed checks: a crash would still show one
    with open(tmp_path / "pytest.log", "wb") as log:
        run = subprocess.Popen(cmd, cwd=REPO, env=clean_environ(), stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while (pid := go_backend_pid(run.pid)) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert pid is not None, (tmp_path / "pytest.log").read_text()[-3000:]
    time.sleep(4)  # the suite is under way
    everything = descendants(run.pid)
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    try:
        run.wait(timeout=REQUEST_TIMEOUT + 20)
    finally:
        run.kill()
    exited_after = time.monotonic() - killed
    output = (tmp_path / "pytest.log").read_text()
    page_path = tmp_path / "report" / "index.html"
    assert page_path.exists(), output[-3000:]
    reported_after = page_path.stat().st_mtime - (time.time() - (time.monotonic() - killed))
    print(f"{target}: report {reported_after:.1f}s, exit {exited_after:.1f}s after the kill")
    assert reported_after < REQUEST_TIMEOUT, (
        f"reported {reported_after:.0f}s later:\n{output[-3000:]}"
    )
    assert exited_after < 2 * REQUEST_TIMEOUT, f"torn down {exited_after:.0f}s later"
    findings = json.loads((tmp_path / "report" / "findings.json").read_text())["findings"]
    failures = [f for f in findings if f["kind"] == "backend_failure"]
    assert [(f["backend"], f["title"]) for f in failures] == [("go", "go backend died")], output
    page = page_path.read_text()
    assert "run interrupted: partial report" in page
    # no traceback through our code (the finding may quote the backend's log, and a backend
    # logs its own 500s with theirs: Loomio's 500 on an unbounded position_key page)
    assert not re.search(r'File "[^"]*/(harness|contracts|properties|tests)/', output), output
    assert not outliving(everything, run.pid), [
        command_line(p) for p in outliving(everything, run.pid)
    ]
