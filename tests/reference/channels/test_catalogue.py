"""The channel server's fault catalogue: the faults issue 15 names, listed by its CLI."""

from __future__ import annotations

import subprocess
import sys

EXPECTED = {
    "channel_claimed_groups",
    "channel_unknown_token_rejected",
    "channel_inner_records",
    "channel_numbers_reencoded",
    "channel_reconnect_drops",
    "channel_malformed_crash",
    "channel_room_prefix_typo",
    "channel_no_notice",
}


def test_list_faults_prints_the_channel_catalogue() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reference.channels", "--list-faults"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert {r[0] for r in rows} == EXPECTED
    assert {r[1] for r in rows} == {"channel"}


def test_an_unknown_fault_is_a_usage_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "reference.channels", "--port", "1", "--faults", "nope"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "unknown fault" in done.stderr
