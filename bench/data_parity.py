"""What comparing both databases costs the lockstep: the same examples with and without it.

Starts the embedded pair once, then runs the lockstep state machine three times on the same
derandomized examples (the same draws, so the same requests): without data parity, with it
(rows read, named, compared, invariants checked after each example), without again. Prints one
JSON object: both wall times, the seconds spent inside the comparison in the first run,
and two overheads: measured (with / without - 1) and attributed (comparison seconds over
the rest of the same run, which machine load skews less). The target is <= 0.30.

    python bench/data_parity.py [EXAMPLES]
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from contracts.lockstep import LockstepMachine, LockstepRun  # after sys.path
from harness.backends import Backends, provision
from harness.config import HarnessConfig
from harness.data_check import DataParity


def lockstep(backends: Backends, examples: int, data: DataParity | None) -> tuple[float, int]:
    """Wall seconds of `examples` derandomized lockstep examples, and requests sent."""
    run = LockstepRun(backends=backends, data=data)
    started = time.perf_counter()
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
    return time.perf_counter() - started, run.requests


def measure(examples: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        config = HarnessConfig.from_sources(
            {"run_dir": tmp}, {}, dict(os.environ), rootdir=Path.cwd()
        )
        with provision(config) as backends:
            parity = DataParity.from_backends(backends)
            try:
                # without, with, without: the mean of the two runs without brackets the one
                # with, so warming up and load drifting over the run cancel out
                before, again = lockstep(backends, examples, None)
                with_s, requests = lockstep(backends, examples, parity)
                after, _ = lockstep(backends, examples, None)
                without_s = (before + after) / 2
            finally:
                parity.close()
    comparing = parity.figures.get("seconds comparing", 0.0)
    return {
        "examples": examples,
        "requests_with": requests,
        "requests_without": again,
        "with_s": round(with_s, 2),
        "without_s": round(without_s, 2),
        "comparing_s": round(comparing, 2),
        "rows_compared": parity.figures.get("rows compared", 0),
        "overhead_measured": round(with_s / without_s - 1, 3),
        "overhead_attributed": round(comparing / (with_s - comparing), 3),
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 50)))
