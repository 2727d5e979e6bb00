"""`python -m bench`: every benchmark figure, written to bench/results.json and bench/results.html.

    python -m bench                          # full run (<= 30 min on 2 cores)
    python -m bench --quick                  # smoke run: tiny sizes, dev profile
    python -m bench --only extraction --rails-root /tmp/loomio
    python -m bench --only detection --faults ids_as_strings,meta_root_missing

Parts (--only, comma-separated): extraction, overhead, detection, mutation, channels
(bench/channel_load.py: concurrent sockets, publish -> deliver latency per side). Each part has a
time budget (--budget-*); what did not fit is listed as skipped, never left out silently.
Scratch files (reports, logs of every run) go to --work (default .parity/bench).
"""

from __future__ import annotations

import argparse
import json
import platform
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.detection import DetectionSettings, expected_walls, run_clean, run_matrix
from bench.extract import run_once
from bench.mutation import MutationSettings, run_mutation
from bench.page import render_markdown, render_page
from bench.suites import REPO, run_suites, stop_all

PARTS = ("extraction", "overhead", "detection", "mutation", "channels")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--only", default=",".join(PARTS), help=f"parts to run ({','.join(PARTS)})")
    p.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, dev profile")
    p.add_argument("--out", type=Path, default=REPO / "bench" / "results.json")
    p.add_argument("--html", type=Path, default=None, help="page (default: OUT with .html)")
    p.add_argument("--work", type=Path, default=REPO / ".parity" / "bench")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=2, help="suite runs side by side")
    p.add_argument(
        "--rails-root",
        type=Path,
        action="append",
        default=[],
        help="also time extraction of this Rails tree (repeatable)",
    )
    p.add_argument("--extract-runs", type=int, default=3)
    p.add_argument("--profile", default="ci", help="Hypothesis profile of detection runs")
    p.add_argument("--faults", default="", help="only these faults (comma-separated)")
    p.add_argument("--clean-runs", type=int, default=1, help="fault-free runs (false positives)")
    p.add_argument(
        "--suite-args",
        default="",
        help="pytest options added to every detection run, shell-quoted "
        '(e.g. "--go-ported examples/routes/groups-and-discussions-reads.yaml")',
    )
    p.add_argument("--fault-timeout", type=float, default=300)
    p.add_argument("--mutants", type=int, default=40)
    p.add_argument("--mutation-profile", default="dev", help="Hypothesis profile of mutant runs")
    p.add_argument("--mutant-timeout", type=float, default=240)
    # the catalogue (86 faults) and its 6 clean runs took 28.4 min of 2 workers on a quiet
    # 2-core machine (session 8)
    p.add_argument("--budget-detection", type=float, default=35 * 60, help="seconds")
    p.add_argument("--budget-mutation", type=float, default=9 * 60, help="seconds")
    p.add_argument("--channel-sockets", type=int, default=2000, help="channels: sockets")
    p.add_argument("--channel-rate", type=float, default=50, help="channels: publications/s")
    p.add_argument("--channel-duration", type=float, default=60, help="channels: seconds")
    p.add_argument(
        "--channel-candidate-cmd",
        default=None,
        help="channels: the go side's channel server command (default: the reference)",
    )
    args = p.parse_args(argv)
    if args.quick:
        args.extract_runs, args.clean_runs, args.mutants = 1, 1, 2
        args.profile = args.mutation_profile = "dev"
        args.faults = args.faults or "ids_as_strings,position_key_width_4"
        args.fault_timeout = args.mutant_timeout = 180
        args.channel_sockets, args.channel_duration = 100, 3
    args.parts = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.parts) - set(PARTS)
    if unknown:
        p.error(f"--only: unknown part(s) {sorted(unknown)}; choose from {', '.join(PARTS)}")
    return args


def suite_args(text: str) -> tuple[str, ...]:
    """`--suite-args` as pytest options; a path to an existing file or directory (alone or
    after `=`) made absolute, since every suite runs in a directory of its own."""

    def absolute(token: str) -> str:
        flag, eq, value = token.rpartition("=") if token.startswith("-") else ("", "", token)
        if value and not value.startswith("-") and Path(value).exists():
            return f"{flag}{eq}{Path(value).resolve()}"
        return token

    return tuple(absolute(t) for t in shlex.split(text))


def bench_extraction(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Wall time and peak RSS of `parity extract` per tree (bench/extract.py's measurement)."""
    trees = [REPO / "examples" / "loomio-mini", *args.rails_root]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for tree in trees:
            runs = [
                run_once(tree, None, Path(tmp) / "openapi.yaml") for _ in range(args.extract_runs)
            ]
            walls = [r.wall for r in runs]
            rows.append(
                {
                    "rails_root": str(
                        tree.relative_to(REPO) if tree.is_relative_to(REPO) else tree
                    ),
                    "runs": len(runs),
                    "wall_s_median": round(statistics.median(walls), 3),
                    "wall_s_min": round(min(walls), 3),
                    "peak_rss_mib": round(max(r.peak_kib for r in runs) / 1024, 1),
                    "exit_codes": sorted({r.code for r in runs}),
                }
            )
    return rows


def bench_overhead(args: argparse.Namespace) -> dict[str, Any]:
    """Differential suite vs a bare loop of the same requests; isolation cost per example."""
    run = run_suites(
        "overhead",
        ["contracts/test_differential.py", "bench/probe_overhead.py"],
        args.work / "overhead",
        profile="dev",
        seed=args.seed,
        timeout=600,
        extra=("--bench-capture",),
    )
    figures = run.first("overhead")
    if figures is None:
        return {"error": f"no figures; see {run.out_dir / 'pytest.log'}", "exit_status": run.status}
    out = {
        k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items() if k != "event"
    }
    out["ratio_bare_over_suite"] = round(figures["bare_rps"] / figures["suite_rps"], 2)
    out["http_share_pct"] = round(100 * figures["http_s"] / figures["suite_s"], 1)
    out["isolation_ms"] = {
        k: {s: round(v, 1) for s, v in d.items()} for k, d in figures["isolation_ms"].items()
    }
    return out


def bench_channels(args: argparse.Namespace) -> dict[str, Any]:
    """Channel server load, reference vs candidate in one run (bench/channel_load.py)."""
    from bench import channel_load

    argv = [
        *("--sockets", str(args.channel_sockets), "--rate", str(args.channel_rate)),
        *("--duration", str(args.channel_duration), "--run-dir", str(args.work / "channels")),
        *(("--go-channel-cmd", args.channel_candidate_cmd) if args.channel_candidate_cmd else ()),
    ]
    return channel_load.run(channel_load.parse_args(argv))


def main(argv: list[str] | None = None) -> int:
    """Run the parts; Ctrl-C or SIGTERM stops every suite run in progress (each runs in a
    session of its own: the signal does not reach it) and ends with 130 and what was saved."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _stopped)
    try:
        return _run(args, argv)
    except KeyboardInterrupt:
        return 130


def _stopped(signum: int, frame: Any) -> None:
    stopped = stop_all()
    name = signal.Signals(signum).name
    print(f"bench: {name}: {stopped} suite run(s) stopped", file=sys.stderr, flush=True)
    raise KeyboardInterrupt(name)


def _run(args: argparse.Namespace, argv: list[str] | None) -> int:
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    started = time.monotonic()
    results: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["meta"] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}",
        "command": "python -m bench " + " ".join(sys.argv[1:] if argv is None else argv),
        "quick": args.quick,
        "parts": args.parts,
    }
    if "extraction" in args.parts:
        results["extraction"] = _progress("extraction", lambda: bench_extraction(args))
        _save(args, results)
    if "overhead" in args.parts:
        results["overhead"] = _progress("overhead", lambda: bench_overhead(args))
        _save(args, results)
    baseline: set[str] = set()
    if "detection" in args.parts:
        det = DetectionSettings(
            profile=args.profile,
            seed=args.seed,
            workers=args.workers,
            clean_runs=args.clean_runs,
            timeout=args.fault_timeout,
            only=tuple(f for f in args.faults.split(",") if f),
            suite_args=suite_args(args.suite_args),
        )
        deadline = time.monotonic() + args.budget_detection
        expected = expected_walls(results.get("detection"))  # the previous run's, to order
        results["detection"] = _progress(
            "detection", lambda: run_matrix(det, args.work / "detection", deadline, expected)
        )
        _save(args, results)
        clean_runs = results["detection"].get("clean_runs", [])
        baseline = {k for c in clean_runs for k in c["keys"]}
    if "channels" in args.parts:
        results["channels"] = _progress("channels", lambda: bench_channels(args))
        _save(args, results)
    if "mutation" in args.parts:
        if "detection" not in args.parts:  # the baseline: findings of a fault-free run
            clean = run_clean(
                DetectionSettings(
                    profile=args.mutation_profile,
                    seed=args.seed,
                    workers=1,
                    timeout=args.mutant_timeout,
                ),
                args.work / "mutation-clean",
                time.monotonic() + args.mutant_timeout,
            )
            baseline = {k for c in clean for k in c.finding_keys()}
        mut = MutationSettings(
            mutants=args.mutants,
            seed=args.seed,
            profile=args.mutation_profile,
            workers=args.workers,
            timeout=args.mutant_timeout,
        )
        deadline = time.monotonic() + args.budget_mutation
        results["mutation"] = _progress(
            "mutation", lambda: run_mutation(mut, args.work / "mutation", baseline, deadline)
        )
    results["meta"]["seconds"] = round(time.monotonic() - started, 1)
    html = _save(args, results)
    print(f"bench: {results['meta']['seconds']} s; {args.out} and {html}")
    return 0


def _save(args: argparse.Namespace, results: dict[str, Any]) -> Path:
    """results.json, the page and the Markdown, after every part (an interrupted run keeps
    what it has)."""
    args.out.write_text(json.dumps(results, indent=1, sort_keys=True, default=str) + "\n")
    html: Path = args.html or args.out.with_suffix(".html")
    html.write_text(render_page(results))
    args.out.with_suffix(".md").write_text(render_markdown(results))
    return html


def _progress(name: str, step: Any) -> Any:
    """Run one part; a part that crashes is recorded as its error, the others still run."""
    start = time.monotonic()
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    try:
        result = step()
    except Exception as exc:  # one broken part must not lose the others' figures
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(f"bench: {name} done in {time.monotonic() - start:.0f} s", file=sys.stderr, flush=True)
    return result


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


if __name__ == "__main__":
    raise SystemExit(main())
