"""contracts.channels.run.Script against real reference channel servers: directed scripts
for what random ones reach rarely (recovery across a window), and that a fault is seen."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from contracts.channels.client import LoopThread
from contracts.channels.oracle import Entry
from contracts.channels.run import ChannelFailure, ChannelRun, Script
from harness.channel_config import ChannelConfig
from harness.channels import provision_channels

pytestmark = pytest.mark.backend
WINDOW = 1.0


@pytest.fixture
def script(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Script]:
    cli = {"channel_recovery_seconds": str(WINDOW), **getattr(request, "param", {})}
    with provision_channels(ChannelConfig.from_sources(cli, {}, {}), tmp_path, environ={}) as pair:
        loop = LoopThread()
        run = ChannelRun(pair=pair, loop=loop, window=WINDOW)
        script = Script(run)
        try:
            yield script
        finally:
            script.finish()
            loop.close()


def _resume_after(script: Script, *, wait: bool) -> None:
    script.boot("tok", Entry(id=5, group_ids=(7,)))
    script.connect("s0", "tok", ())
    script.drop("s0")
    script.publish({"room": "group-7", "records": {"events": [{"id": 1}]}})
    if wait:
        script.outlast_window(WINDOW)
    script.reconnect("s0", resume=True)
    script.publish({"room": "group-7", "records": {"events": [{"id": 2}]}})


def test_a_resume_inside_the_window_gets_the_gap(script: Script) -> None:
    _resume_after(script, wait=False)
    assert [d.data["records"]["events"][0]["id"] for d in script.tabs["go"]["s0"].deliveries] == [
        1,
        2,
    ]


def test_a_resume_past_the_window_starts_afresh(script: Script) -> None:
    _resume_after(script, wait=True)
    assert [d.data["records"]["events"][0]["id"] for d in script.tabs["go"]["s0"].deliveries] == [2]


@pytest.mark.parametrize(
    "script", [{"go_channel_setenv": "PARITY_CHANNEL_RECOVERY_SECONDS=1800"}], indirect=True
)
def test_a_server_that_keeps_sessions_past_the_window_is_seen(script: Script) -> None:
    with pytest.raises(ChannelFailure, match=r"room_oracle \(go\)"):
        _resume_after(script, wait=True)


@pytest.mark.parametrize(
    "script", [{"go_channel_faults": "channel_reconnect_drops"}], indirect=True
)
def test_dropping_the_gap_on_a_recovery_is_seen(script: Script) -> None:
    with pytest.raises(ChannelFailure, match=r"room_oracle \(go\)"):
        _resume_after(script, wait=False)
