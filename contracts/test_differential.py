"""Differential, lockstep: the same API actions on rails and go, every answer compared.

The state machine is contracts.lockstep; noise (learned on the rails side, declared in
contracts/ignore.yaml) comes from contracts.noise_learning and is listed in the report.
A difference fails the test after Hypothesis shrank the action sequence; each difference of
that minimal sequence becomes a `differential` finding with repro scripts for both sides.
"""

from __future__ import annotations

import pytest
from hypothesis import settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from contracts.differential_findings import findings_of
from contracts.live_findings import live_findings, load_accepted_leaks, record_live
from contracts.live_session import LiveSession
from contracts.lockstep import DifferentialFailure, LockstepMachine, LockstepRun
from contracts.noise_learning import Noise, learn, load_declared
from harness.backends import Backends
from harness.findings import FindingsWriter
from harness.report.recorder import Recorder

pytestmark = pytest.mark.backend
SUITE = "contracts/differential"
STEPS = 30  # actions per example


@pytest.fixture(scope="session")
def lockstep_noise(backends: Backends, report_recorder: Recorder) -> Noise:
    """Learned and declared noise, handed to the report before anything is compared."""
    noise = Noise(declared=tuple(load_declared()), learned=learn(backends))
    report_recorder.exclude(noise.listed())
    return noise


def test_rails_and_go_answer_alike(
    backends: Backends,
    lockstep_noise: Noise,
    findings_writer: FindingsWriter,
    report_recorder: Recorder,
) -> None:
    live = LiveSession.start(backends, accepted=load_accepted_leaks())
    run = LockstepRun(backends=backends, noise=lockstep_noise.for_operation, live=live)
    try:
        run_state_machine_as_test(
            lambda: LockstepMachine(run),  # type: ignore[arg-type]  # a factory works; stubs want a class
            settings=settings(stateful_step_count=STEPS),
        )
    except (DifferentialFailure, Flaky):
        # Flaky: a publication that arrived later in one run than in its replay moved the
        # failing step; the last failing example is still the one kept
        assert run.failure is not None or live.failure is not None
        found = findings_of(*run.failure, noise=lockstep_noise) if run.failure else []
        for finding in found + (live_findings(live.failure) if live.failure else []):
            findings_writer.write(finding)
        raise
    finally:
        live.close()
        record_live(report_recorder, live.stats)
        report_recorder.count(SUITE, "examples", run.examples)
        report_recorder.count(SUITE, "requests", run.requests)
        if run.detected_after is not None:
            report_recorder.count(SUITE, "seconds to first difference", run.detected_after)
        report_recorder.exclude(run.ignored.values())
