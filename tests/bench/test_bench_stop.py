"""A timed-out bench run, or a stopped bench, leaves nothing behind: no backend, no PostgreSQL,
no cluster data."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import suites
from harness.processes import descendants, running

REPO = Path(__file__).resolve().parents[2]

# A run whose teardown ignores Ctrl-C: the bench must go on to SIGTERM and SIGKILL, and the
# servers the run started must still be gone when run_suites returns.
STUCK_RUN = """
import json, time
from pathlib import Path
import pytest
from harness.processes import descendants

@pytest.fixture(scope="session")
def stuck_teardown(backends):
    yield
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            time.sleep(1)
        except KeyboardInterrupt:
            pass

def test_waits(stuck_teardown, backends):
    root = backends.server.root
    postmaster = int((root / "data" / "postmaster.pid").read_text().split()[0])
    pids = set()
    for leader in (backends.rails.runner.pid, backends.go.runner.pid, postmaster):
        pids |= descendants(leader)
    Path("started.json").write_text(json.dumps({"pids": sorted(pids), "root": str(root)}))
    time.sleep(600)
"""


@pytest.fixture
def stuck_run(tmp_path: Path) -> Iterator[Path]:
    """The run's test file, inside the repository so that its conftest applies."""
    target = REPO / ".parity" / f"bench-stop-{tmp_path.name}-{os.getpid()}" / "test_stuck.py"
    target.parent.mkdir(parents=True)
    target.write_text(STUCK_RUN)
    try:
        yield target
    finally:
        shutil.rmtree(target.parent)


def test_a_timed_out_run_with_a_stuck_teardown_leaves_no_server_or_data(
    tmp_path: Path, stuck_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = stuck_run
    quick = ((signal.SIGINT, 2.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0))
    monkeypatch.setattr(suites, "STOP_SEQUENCE", quick)
    run = suites.run_suites(
        "stuck",
        [str(target)],
        tmp_path / "out",
        profile="dev",
        seed=0,
        timeout=25,
    )
    assert run.timed_out, (tmp_path / "out" / "pytest.log").read_text()[-3000:]
    started = tmp_path / "out" / "started.json"
    assert started.exists(), (tmp_path / "out" / "pytest.log").read_text()[-3000:]
    record = json.loads(started.read_text())
    assert len(record["pids"]) >= 4
    assert not [p for p in record["pids"] if running(p)], "servers outlived the timed-out run"
    assert not Path(record["root"]).exists(), "the cluster's data outlived the timed-out run"


def _runs_of(work: Path) -> set[int]:
    """Pids of the suite runs (pytest) whose command line names `work`, and what they started."""
    pids: set[int] = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and str(work) in (proc / "cmdline").read_text():
                pids |= descendants(int(proc.name))
        except OSError:
            continue
    return pids


@pytest.mark.slow
@pytest.mark.backend
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])
def test_a_stopped_bench_stops_its_runs_and_what_they_started(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Each suite run is a session of its own: the signal the bench gets never reaches it."""
    work = tmp_path / "work"
    cmd = [sys.executable, "-m", "bench", "--only", "detection", "--profile", "dev"]
    cmd += ["--faults", "tally_question_stance_counts_null", "--clean-runs", "0"]
    cmd += ["--workers", "1", "--out", str(tmp_path / "r.json"), "--work", str(work)]
    bench = subprocess.Popen(cmd, cwd=REPO, stderr=subprocess.PIPE, text=True)
    ready = work / "detection" / "faults" / "tally_question_stance_counts_null" / "bench.jsonl"
    deadline = time.monotonic() + 120
    while not (ready.exists() and '"ready"' in ready.read_text()):
        assert bench.poll() is None and time.monotonic() < deadline, "the run never got ready"
        time.sleep(0.5)
    started = _runs_of(work)
    assert len(started) >= 4  # the run, two backends, PostgreSQL
    bench.send_signal(sig)
    _, err = bench.communicate(timeout=90)
    assert bench.returncode == 130, err
    assert "1 suite run(s) stopped" in err
    assert not [p for p in started if running(p)], "a run outlived the stopped bench"
