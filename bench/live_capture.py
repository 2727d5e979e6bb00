"""What publication capture costs the lockstep: request rate with and without it, one run.

Starts the embedded pair (a Redis per side), runs the lockstep state machine twice on the
same backends with the same derandomized examples, once without capture and once with it
(contracts.live_capture: subscriptions, a settle before each write, per-room comparison,
the fetchability and leak probes): one untimed warm-up round of each, then `ROUNDS` timed
rounds, the order alternating each round (so a drift of the machine's load falls on both).
Prints one JSON object: requests per second of each over the timed rounds, their ratio
(target >= 0.8, i.e. capture costs <= 20 %) and each round's ratio (the spread), and
the settle time per step, overall and by why the step waited. `--record` also keeps the run
in bench/results.json (key `live_capture`, with the other runs of the same code) and renders
bench/results.md and .html again.

    python bench/live_capture.py [EXAMPLES] [ROUNDS] [--record]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.page import render_markdown, render_page  # after sys.path
from contracts.live_capture import LiveStats
from contracts.live_findings import load_accepted_leaks
from contracts.live_session import LiveSession
from contracts.lockstep import LockstepMachine, LockstepRun
from harness.backends import Backends, provision
from harness.config import HarnessConfig

TARGET = 0.8
WARMUP = 1  # untimed rounds first
REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results.json"
CODE = ("contracts", "harness", "reference", "properties", "bench/live_capture.py")


def lockstep(backends: Backends, examples: int, live: bool) -> tuple[int, float, LiveStats]:
    """(requests, seconds, capture stats) of `examples` derandomized lockstep examples."""
    session = LiveSession.start(backends, load_accepted_leaks()) if live else None
    run = LockstepRun(backends=backends, live=session)
    started = time.perf_counter()
    try:
        run_state_machine_as_test(
            lambda: LockstepMachine(run),  # type: ignore[arg-type]  # a factory works; stubs want a class
            settings=settings(
                max_examples=examples,
                stateful_step_count=30,
                deadline=None,
                database=None,
                derandomize=True,
            ),
        )
    finally:
        if session is not None:
            session.close()
    took = time.perf_counter() - started
    return run.requests, took, session.stats if session else LiveStats()


def measure(examples: int, rounds: int, warmup: int = WARMUP) -> dict[str, object]:
    """`warmup` untimed rounds (the first runs pay for imports, connections and the
    databases' caches), then `rounds` timed ones, the order alternating each round."""
    totals = {False: [0, 0.0], True: [0, 0.0]}
    per_round: list[float] = []
    stats = LiveStats()
    with (
        tempfile.TemporaryDirectory(prefix="bench-live-", ignore_cleanup_errors=True) as run_dir,
        provision(
            HarnessConfig.from_sources({"run_dir": run_dir}, {}, dict(os.environ))
        ) as backends,
    ):
        for _ in range(warmup):
            for live in (False, True):
                lockstep(backends, examples, live)
        for i in range(rounds):
            rates = {}
            for live in (False, True) if i % 2 == 0 else (True, False):
                n, took, got = lockstep(backends, examples, live)
                totals[live][0] += n
                totals[live][1] += took
                rates[live] = n / took
                if live:
                    stats = got
            per_round.append(round(rates[True] / rates[False], 3))
    without, with_ = (totals[k][0] / totals[k][1] for k in (False, True))
    settle = [s * 1000 for s in stats.settle_s]
    return {
        "examples": examples,
        "rounds": rounds,
        "without_capture_rps": round(without, 1),
        "with_capture_rps": round(with_, 1),
        "ratio": round(with_ / without, 3),
        "ratio_per_round": per_round,
        "warmup_rounds": warmup,
        "target": TARGET,
        "messages_compared_last_round": stats.compared,
        "settle_ms_per_step": {
            "mean": round(statistics.fmean(settle), 2) if settle else None,
            "p95": round(sorted(settle)[int(0.95 * (len(settle) - 1))], 2) if settle else None,
            "max": round(max(settle), 2) if settle else None,
        },
        # why steps waited (contracts.live_expect): records due, a first message that may
        # come, nothing expected -> steps and seconds, last round
        "settle_by_reason": {
            why: {"steps": len(waits), "seconds": round(sum(waits), 3)}
            for why, waits in sorted(stats.waits.items())
        },
    }


def record(run: dict[str, object], argv: list[str], path: Path = RESULTS) -> None:
    """Keep `run` among the recorded runs of the same code in results.json (the last commit
    that changed what runs; runs of older code are dropped); render the pages."""
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%h", "--", *CODE],
        cwd=REPO,
        capture_output=True,
        text=True,
    ).stdout.strip()
    results = json.loads(path.read_text()) if path.exists() else {}
    kept = results.get("live_capture", {}).get("runs", [])
    run = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "command": " ".join(["python bench/live_capture.py", *argv]),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        **run,
    }
    runs = [r for r in kept if r.get("commit") == commit] + [run]
    results["live_capture"] = {"target": TARGET, "runs": runs}
    path.write_text(json.dumps(results, indent=1, sort_keys=True, default=str) + "\n")
    path.with_suffix(".html").write_text(render_page(results))
    path.with_suffix(".md").write_text(render_markdown(results))


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python bench/live_capture.py")
    p.add_argument("examples", nargs="?", type=int, default=15)
    p.add_argument("rounds", nargs="?", type=int, default=4)
    p.add_argument("--record", action="store_true", help="keep the run in bench/results.json")
    args = p.parse_args(argv)
    run = measure(args.examples, args.rounds)
    print(json.dumps(run))
    if args.record:
        record(run, argv)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
