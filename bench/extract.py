"""Time `parity extract` on a Rails tree: wall time and peak RSS per run, printed as JSON.

python bench/extract.py                         # the bundled examples/loomio-mini
python bench/extract.py --rails-root /tmp/loomio --env production --runs 5
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def run_once(rails_root: Path, env: str | None, out: Path) -> tuple[float, int, int]:
    """One extraction in a fresh process: (wall seconds, peak RSS in KiB, exit code)."""
    cmd = [sys.executable, "-m", "extractor", str(rails_root), "-o", str(out)]
    if env:
        cmd += ["--env", env]
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=PROJECT, capture_output=True, check=False)
    wall = time.perf_counter() - start
    peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before)
    return wall, peak, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rails-root", type=Path, default=PROJECT / "examples" / "loomio-mini")
    parser.add_argument("--env", default=None)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        results = [
            run_once(args.rails_root, args.env, Path(tmp) / "openapi.yaml")
            for _ in range(args.runs)
        ]
    walls = [w for w, _, _ in results]
    print(
        json.dumps(
            {
                "rails_root": str(args.rails_root),
                "runs": args.runs,
                "exit_codes": [rc for _, _, rc in results],
                "wall_s": {
                    "min": round(min(walls), 3),
                    "median": round(statistics.median(walls), 3),
                    "max": round(max(walls), 3),
                },
                "peak_rss_kib": max(p for _, p, _ in results),
            },
            indent=2,
        )
    )
    return 0 if all(rc == 0 for _, _, rc in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
