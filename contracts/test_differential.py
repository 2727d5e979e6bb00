"""Differential, lockstep: the same API actions on rails and go, every answer compared.

The state machine is contracts.lockstep; noise (learned on the rails side, declared in
contracts/ignore.yaml) comes from contracts.noise_learning and is listed in the report.
A difference fails the test after Hypothesis shrank the action sequence; each difference of
that minimal sequence becomes a `differential` finding with repro scripts for both sides.
After each example both databases are compared too (harness/data_check.py): a
difference in the rows, or a broken rule of Loomio's data, is a `data` finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings
from hypothesis.errors import Flaky
from hypothesis.stateful import run_state_machine_as_test

from contracts.differential_findings import findings_of
from contracts.live_findings import live_findings, load_accepted_leaks, record_live
from contracts.live_session import LiveSession
from contracts.lockstep import DifferentialFailure, LockstepMachine, LockstepRun
from contracts.noise_learning import IGNORE_FILE, Noise, learn, load_declared
from harness import data_check
from harness.backends import Backends
from harness.data_check import DataFailure, DataParity, load_declared_data
from harness.findings import FindingsWriter
from harness.report.model import DATA_SKIPPED
from harness.report.recorder import Recorder
from harness.spec import operation_templates, template_key
from harness.vocabulary import Vocabulary

pytestmark = pytest.mark.backend
SUITE = "contracts/differential"
STEPS = 30  # actions per example


@pytest.fixture(scope="session")
def lockstep_data(
    backends: Backends, report_recorder: Recorder, pytestconfig: pytest.Config
) -> Iterator[DataParity]:
    """Row readers of both databases, or a skip that says which side's database is unknown."""
    parity = DataParity.from_backends(backends, tuple(load_declared_data(IGNORE_FILE)))
    if parity.skipped:
        report_recorder.count(data_check.SUITE, f"{DATA_SKIPPED}{parity.skipped}", 1)
        reporter = pytestconfig.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"data parity skipped: {parity.skipped}", yellow=True)
    try:
        yield parity
    finally:
        parity.close()


@pytest.fixture(scope="session")
def vocabulary(api_spec: dict[str, Any]) -> Vocabulary:
    """What the user's spec says of the records the normalizer names."""
    return Vocabulary.from_spec(api_spec)


@pytest.fixture(scope="session")
def lockstep_noise(
    backends: Backends,
    report_recorder: Recorder,
    vocabulary: Vocabulary,
    lockstep_data: DataParity,
) -> Noise:
    """Learned and declared noise, handed to the report before anything is compared."""
    lockstep_data.vocabulary = vocabulary
    data = lockstep_data if lockstep_data.active else None
    learned = learn(backends, vocabulary=vocabulary, data=data)
    noise = Noise(
        declared=tuple(load_declared()),
        learned=learned.learned,
        data=learned.data + tuple(lockstep_data.noise),
    )
    lockstep_data.noise = noise.data
    report_recorder.exclude(noise.listed())
    return noise


def test_rails_and_go_answer_alike(
    backends: Backends,
    lockstep_noise: Noise,
    lockstep_data: DataParity,
    findings_writer: FindingsWriter,
    report_recorder: Recorder,
    api_spec: dict[str, Any],
    vocabulary: Vocabulary,
    subset: frozenset[tuple[str, str, str]] | None,
) -> None:
    operations = operation_templates(api_spec)  # the user's spec: calls outside it wait
    if subset is not None:  # a subset run: only what Go has ported is compared
        operations &= {template_key(method, path) for _, method, path in subset}
    live = LiveSession.start(backends, accepted=load_accepted_leaks())
    run = LockstepRun(
        backends=backends,
        noise=lockstep_noise.for_operation,
        operations=operations,
        outside="not in the spec" if subset is None else "not in the spec or not ported",
        vocabulary=vocabulary,
        data=lockstep_data if lockstep_data.active else None,
        live=live,
    )
    try:
        run_state_machine_as_test(
            lambda: LockstepMachine(run),  # type: ignore[arg-type]  # a factory works; stubs want a class
            settings=settings(stateful_step_count=STEPS),
        )
    except (DifferentialFailure, DataFailure, Flaky, ExceptionGroup) as failure:
        # Flaky: a publication that arrived later in one run than in its replay moved the
        # failing step; ExceptionGroup: Hypothesis found several distinct failures (say a
        # response and a publication). Whatever each kind recorded last is written.
        if isinstance(failure, ExceptionGroup) and not failure.subgroup(
            (DifferentialFailure, DataFailure)
        ):
            raise
        if run.failure is not None:
            for finding in findings_of(*run.failure, noise=lockstep_noise):
                findings_writer.write(finding)
        for finding in live_findings(live.failure) if live.failure else []:
            findings_writer.write(finding)
        if lockstep_data.failure is not None:
            for finding in data_check.findings(*lockstep_data.failure, noise=lockstep_noise.data):
                findings_writer.write(finding)
        raise
    finally:
        live.close()
        record_live(report_recorder, live.stats)
        report_recorder.count(SUITE, "examples", run.examples)
        report_recorder.count(SUITE, "requests", run.requests)
        for operation in sorted(run.compared):
            report_recorder.cell(SUITE, "operations compared", operation)
        for (_, why), n in sorted(run.unsent.items()):
            report_recorder.count(SUITE, f"calls not sent: {why}", n)
        if run.detected_after is not None:
            report_recorder.count(SUITE, "seconds to first difference", run.detected_after)
        report_recorder.exclude(run.ignored.values())
        for name, value in lockstep_data.figures.items():
            report_recorder.count(data_check.SUITE, name, value)
        report_recorder.exclude(data_check.listed(lockstep_data.ignored.values()))
