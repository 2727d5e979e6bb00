"""A timed-out bench run leaves nothing behind: no backend, no PostgreSQL, no cluster data."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from bench import suites
from harness.processes import running

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


def test_a_timed_out_run_with_a_stuck_teardown_leaves_no_server_or_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "test_stuck.py"
    target.write_text(STUCK_RUN)
    quick = ((signal.SIGINT, 2.0), (signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0))
    monkeypatch.setattr(suites, "STOP_SEQUENCE", quick)
    run = suites.run_suites(
        "stuck",
        [str(target)],
        tmp_path / "out",
        profile="dev",
        seed=0,
        timeout=25,
        extra=("-p", "conftest"),  # the repository conftest: the file lies outside it
    )
    assert run.timed_out, (tmp_path / "out" / "pytest.log").read_text()[-3000:]
    started = tmp_path / "out" / "started.json"
    assert started.exists(), (tmp_path / "out" / "pytest.log").read_text()[-3000:]
    record = json.loads(started.read_text())
    assert len(record["pids"]) >= 4
    assert not [p for p in record["pids"] if running(p)], "servers outlived the timed-out run"
    assert not Path(record["root"]).exists(), "the cluster's data outlived the timed-out run"
