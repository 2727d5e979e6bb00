"""Time `parity extract` on a Rails tree as a whole process: median wall and CPU seconds of
warm runs (a cache filled by the warm-up run) and cold runs (`--no-cache`), printed as JSON.

python bench/extract.py                                     # the bundled examples/loomio-mini
python bench/extract.py --rails-root /tmp/loomio --runs 7   # real Loomio: the issue's figure
python bench/extract.py --rails-root /tmp/loomio --vs /tmp/main-checkout

Each run is `CHECKOUT/parity extract RAILS_ROOT -o TMP/openapi.yaml` in a fresh process (the
command users run, its bootstrap shim included). CPU is the run's user + system time with
its children (the validation worker). With `--vs OTHER` (another checkout of this
repository, bootstrapped with `OTHER/parity --help`), the two alternate run by run and
`ratio` is the median of the per-pair ratios this/other, which holds while a shared
machine's speed drifts. A run whose output differs from the first run's is an error: warm
and cold must write the same bytes.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
MODES = {"warm": (), "cold": ("--no-cache",)}


@dataclass(frozen=True, slots=True)
class Run:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process and its children
    peak_kib: int  # the largest resident set of any child so far
    code: int  # exit code
    output: bytes  # the spec and the report it wrote


def run_once(
    rails_root: Path,
    env: str | None,
    out: Path,
    *,
    checkout: Path = PROJECT,
    extra: tuple[str, ...] = (),
) -> Run:
    """One `parity extract` in a fresh process."""
    cmd = [str(checkout / "parity"), "extract", str(rails_root), "-o", str(out), *extra]
    if env:
        cmd += ["--env", env]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=checkout, capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    report = out.with_name("extraction-report.json")
    written = b"".join(p.read_bytes() for p in (out, report) if p.exists())
    return Run(wall, cpu, after.ru_maxrss, proc.returncode, written)


def spread(values: list[float]) -> dict[str, float]:
    return {
        "min": round(min(values), 3),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


@contextmanager
def _scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="bench-extract-") as tmp:
        yield Path(tmp)


def measure(
    rails_root: Path, env: str | None, mode: str, checkouts: list[Path], runs: int
) -> dict[str, Any]:
    """`runs` counted runs of each checkout in turn (A B A B ...) after one warm-up each."""
    with _scratch() as tmp:
        series: list[list[Run]] = [[] for _ in checkouts]
        for _ in range(runs + 1):  # the first run of each checkout is its warm-up
            for k, checkout in enumerate(checkouts):
                # the same output path for every checkout: paths appear in the report
                extra = (*MODES[mode], "--cache-dir", str(tmp / f"cache{k}"))
                series[k].append(
                    run_once(
                        rails_root,
                        env,
                        tmp / "out" / "openapi.yaml",
                        checkout=checkout,
                        extra=extra,
                    )
                )
        out: dict[str, Any] = {}
        for checkout, every in zip(checkouts, series, strict=True):
            counted = every[1:]
            out[str(checkout)] = {
                "wall_s": spread([r.wall for r in counted]),
                "cpu_s": spread([r.cpu for r in counted]),
                "exit_codes": sorted({r.code for r in every}),
                "same_output": len({r.output for r in every}) == 1,  # the warm-up's too
            }
        if len(checkouts) > 1:
            pairs = list(zip(series[0][1:], series[1][1:], strict=True))
            out["ratio"] = {
                "wall": round(statistics.median(a.wall / b.wall for a, b in pairs), 3),
                "cpu": round(statistics.median(a.cpu / b.cpu for a, b in pairs), 3),
                "same_output_as_vs": series[0][0].output == series[1][0].output,
            }
        return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rails-root", type=Path, default=PROJECT / "examples" / "loomio-mini")
    parser.add_argument("--env", default=None)
    parser.add_argument("--runs", type=int, default=7, help="counted runs per mode (default 7)")
    parser.add_argument("--modes", default="warm,cold", help="warm, cold or both (default)")
    parser.add_argument(
        "--vs", type=Path, default=None, help="another checkout to pair with (ratio this/other)"
    )
    args = parser.parse_args(argv)
    modes = [m for m in args.modes.split(",") if m]
    if unknown := set(modes) - MODES.keys():
        parser.error(f"--modes: unknown {sorted(unknown)}; choose from warm, cold")
    checkouts = [PROJECT, *([args.vs.resolve()] if args.vs else [])]
    result = {
        "rails_root": str(args.rails_root),
        "runs": args.runs,
        **{m: measure(args.rails_root, args.env, m, checkouts, args.runs) for m in modes},
    }
    print(json.dumps(result, indent=2))
    ok = all(
        r[str(c)]["exit_codes"] == [0] and r[str(c)]["same_output"]
        for m in modes
        for r in [result[m]]
        for c in checkouts
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
