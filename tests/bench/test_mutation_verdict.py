"""A mutant's verdict over its suite runs, and each suite's share of its time (pure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.mutation import MIN_SUITE_S, time_share, verdict
from bench.suites import SuiteRun


def run(
    target: str, wall: float, *, detected_at: float | None = None, timed_out: bool = False
) -> SuiteRun:
    records: list[dict[str, Any]] = []
    if detected_at is not None:
        records.append({"event": "detected", "s": detected_at, "checks": ["differential/lockstep"]})
    return SuiteRun(
        name=target,
        targets=[target],
        status=1 if detected_at is not None else 0,
        wall_s=wall,
        timed_out=timed_out,
        out_dir=Path("."),
        records=records,
    )


def test_a_kill_by_a_later_suite_counts_the_earlier_suites_time() -> None:
    runs = [run("differential", 200.0, timed_out=True), run("conformance", 12.0, detected_at=8.0)]
    status, hit, seconds = verdict(runs, set())
    assert status == "killed" and hit["checks"] == ["differential/lockstep"]
    assert seconds == 208.0


def test_no_kill_is_a_timeout_when_a_suite_hit_its_share_else_a_survivor() -> None:
    assert verdict([run("a", 210.0, timed_out=True), run("b", 50.0)], set())[0] == "timeout"
    assert verdict([run("a", 100.0), run("b", 50.0)], set())[0] == "survived"


def test_each_suite_gets_an_equal_share_of_what_is_left_never_below_a_start_up() -> None:
    assert time_share(420.0, 2) == 210.0
    assert time_share(300.0, 1) == 300.0  # what the first suite left goes to the last
    assert time_share(10.0, 2) == MIN_SUITE_S
