"""A differential finding's repro script, run by hand against the live pair, shows the difference."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from contracts.differential_findings import findings_of
from contracts.lockstep import DifferentialFailure, LockstepMachine, LockstepRun
from harness.backends import Backends, provision
from harness.config import HarnessConfig
from harness.repro import password_variable

pytestmark = pytest.mark.backend


@pytest.fixture(scope="module")
def faulty_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    """The embedded pair with POST creates answering 201 on the go side."""
    run_dir = str(tmp_path_factory.mktemp("run"))
    cli = {"go_faults": "create_returns_201", "run_dir": run_dir}
    config = HarnessConfig.from_sources(cli, {}, dict(os.environ))
    with provision(config) as pair:
        yield pair


def test_python_repro_shows_the_difference(faulty_pair: Backends, tmp_path: Path) -> None:
    run = LockstepRun(backends=faulty_pair)
    with pytest.raises(DifferentialFailure):
        run_state_machine_as_test(
            lambda: LockstepMachine(run),
            settings=settings(max_examples=100, stateful_step_count=10, database=None),
        )
    assert run.failure is not None
    lockstep, scope, outcome = run.failure
    finding = findings_of(lockstep, scope, outcome)[0]
    script = tmp_path / "repro.py"
    script.write_text(finding.repro)
    env = {
        "PATH": os.environ.get("PATH", ""),
        "RAILS_URL": faulty_pair.rails.base_url,
        "GO_URL": faulty_pair.go.base_url,
        **{
            password_variable(key): scope.plan.actors[name].password
            for name, key in scope.actors.items()
        },
    }
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr  # 1: the backends answered differently
    step = len(lockstep.calls)
    assert f"step {step}: status differs {{'rails': 200, 'go': 201}}" in done.stdout, done.stdout
