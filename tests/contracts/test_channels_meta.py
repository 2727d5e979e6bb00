"""The channel suite against the embedded pair of reference channel servers: silent when
clean, a `channel` finding for each fault of the channel catalogue on the go side.

Each case runs `pytest contracts/channels` in a subprocess (tests.contracts.suite_runs);
all are slow (a fault's run shrinks its script against live servers).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.contracts.suite_runs import ROOT, run_suite

pytestmark = [pytest.mark.backend, pytest.mark.slow]
SUITE = "contracts/channels"


def _catalogue() -> list[str]:
    listed = subprocess.run(
        [sys.executable, "-m", "reference.channels", "--list-faults"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return [line.split("\t")[0] for line in listed.splitlines() if line.strip()]


def test_clean_pair_has_no_channel_findings(tmp_path: Path) -> None:
    run = run_suite(SUITE, "channel", tmp_path)
    assert run.returncode == 0, run.output
    assert run.findings == []


@pytest.mark.parametrize("fault", _catalogue())
def test_channel_fault_on_go_side_is_reported(tmp_path: Path, fault: str) -> None:
    run = run_suite(SUITE, "channel", tmp_path, "--go-channel-faults", fault)
    assert run.findings, f"{fault} not detected in {run.seconds:.0f}s:\n{run.output}"
    assert run.returncode != 0
    checks = {"room_oracle", "channel_lockstep", "channel_server_alive"}
    assert all(f["steps"] and f["check"] in checks for f in run.findings)
    assert any("go" in f["backend"] for f in run.findings)
