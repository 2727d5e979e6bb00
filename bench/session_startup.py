"""How long the embedded default takes to come up (and down): PostgreSQL, template, two backends.

    python bench/session_startup.py [--runs 5]

Prints JSON: median/min/max seconds until both backends answer (provision entered) and until
everything is torn down. Target (issue 3): up in <= 5 s on an idle 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from harness.backends import provision
from harness.config import HarnessConfig

ROOT = Path(__file__).resolve().parent.parent


def one_session(run_dir: Path) -> tuple[float, float]:
    """(seconds until ready, seconds to tear down) of one embedded session."""
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith(("RAILS_", "GO_", "PARITY_"))
    }
    config = HarnessConfig.from_sources({"run_dir": str(run_dir)}, {}, environ, rootdir=ROOT)
    started = time.monotonic()
    with provision(config):
        ready = time.monotonic() - started
        stopping = time.monotonic()
    return ready, time.monotonic() - stopping


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    ups, downs = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="parity-bench-") as tmp:
            up, down = one_session(Path(tmp))
        ups.append(up)
        downs.append(down)
    result = {
        "runs": args.runs,
        "ready_s": {"median": statistics.median(ups), "min": min(ups), "max": max(ups)},
        "teardown_s": {"median": statistics.median(downs), "min": min(downs), "max": max(downs)},
        "load_average": os.getloadavg()[0],
    }
    json.dump(result, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
