"""The channel contract: the same socket script on both channel servers, every delivery
checked against the room oracle and across the two sides (contracts.channels.machine).

A difference fails the test after Hypothesis shrank the script; each difference of the
minimal script becomes a `channel` finding with its steps.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from contracts.channels.client import LoopThread
from contracts.channels.findings import deaths_of, findings_of
from contracts.channels.machine import ChannelMachine
from contracts.channels.run import ChannelRun, histogram
from harness.channel_config import ChannelConfig
from harness.channels import ChannelPair
from harness.findings import FindingsWriter
from harness.report.recorder import Recorder

pytestmark = pytest.mark.backend
SUITE = "channels/rooms"  # the report names contracts/channels/test_rooms.py so
STEPS = 25  # actions per example
MAX_WAITED_WINDOW = 5.0  # seconds: a longer --channel-recovery-seconds is never waited out


@pytest.fixture(scope="session")
def channel_run(
    channel_servers: ChannelPair, channel_config: ChannelConfig
) -> Iterator[ChannelRun]:
    loop = LoopThread()
    try:
        window = channel_config.recovery_seconds
        yield ChannelRun(
            pair=channel_servers,
            loop=loop,
            skip=frozenset(channel_config.skip),
            window=window if window is not None and window <= MAX_WAITED_WINDOW else None,
        )
    finally:
        loop.close()


def test_channel_servers_deliver_alike(
    channel_run: ChannelRun, findings_writer: FindingsWriter, report_recorder: Recorder
) -> None:
    run = channel_run
    try:
        run_state_machine_as_test(
            lambda: ChannelMachine(run),  # type: ignore[arg-type]  # a factory works; stubs want a class
            settings=settings(stateful_step_count=STEPS),
        )
    except Exception:  # ChannelFailure, or Hypothesis' verdict on a flaky one
        if run.failure is not None:
            for finding in findings_of(*run.failure):
                findings_writer.write(finding)
        raise
    finally:
        for finding in deaths_of(run.deaths):
            findings_writer.write(finding)
        report_recorder.count(SUITE, "examples", run.examples)
        report_recorder.count(SUITE, "sockets", run.sockets)
        report_recorder.count(SUITE, "recovered reconnections", run.recoveries)
        report_recorder.count(SUITE, "recovery windows waited out", run.windows)
        report_recorder.count(SUITE, "publications", run.publications)
        report_recorder.count(SUITE, "deliveries compared", run.compared)
        for room in run.rooms:
            report_recorder.cell(SUITE, "rooms", room)
        for side, samples in run.latency.items():
            for bucket, n in histogram(samples).items():
                report_recorder.count(SUITE, f"latency {side} {bucket}", n)
        if run.detected_after is not None:
            report_recorder.count(SUITE, "seconds to first difference", run.detected_after)
