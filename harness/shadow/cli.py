"""`parity shadow`, `parity replay`, `parity report`: argv in, exit code out.

Exit codes: 0 go (no finding, no gate says no-go), 1 no-go, 2 usage error.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import yaml

from harness.errors import HarnessError
from harness.gates import Gates, load_gates
from harness.noise import declared_noise
from harness.redact import redact, redact_url
from harness.report.files import write_report
from harness.report.model import Report, RunInfo, Verdict
from harness.shadow.diffy import Thresholds
from harness.shadow.proxy import ShadowSettings, serve
from harness.shadow.replay import ReplaySettings, replay
from harness.shadow.report import build_store_report
from harness.shadow.store import open_store, read_records
from harness.traffic import read_traffic

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO / "spec" / "openapi.yaml"
IGNORE = REPO / "contracts" / "ignore.yaml"


def _judging_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--spec", default=str(SPEC), help="names endpoints by the spec's paths")
    parser.add_argument(
        "--ignore",
        default=str(IGNORE),
        help="YAML file with `ignore: [JSON Pointer, ...]` left out of the comparison "
        "(default: contracts/ignore.yaml, the lockstep's)",
    )


def _report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--report", default="report", help="report directory")
    parser.add_argument(
        "--gate", action="append", default=[], metavar="NAME=VALUE", help="a gate threshold"
    )
    parser.add_argument(
        "--relative-threshold",
        type=float,
        default=Thresholds().relative,
        help="percent of a field's raw difference rate that must exceed its noise rate",
    )
    parser.add_argument(
        "--absolute-threshold",
        type=float,
        default=Thresholds().absolute,
        help="percentage points of an endpoint's requests by which raw must exceed noise",
    )


def _ignore_patterns(path: str) -> tuple[str, ...]:
    file = Path(path)
    if not file.is_file():
        return ()
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    patterns = data.get("ignore") or [] if isinstance(data, dict) else None
    if not isinstance(patterns, list):
        raise HarnessError(f"{file}: `ignore` must be a list of JSON Pointers")
    return tuple(f.pattern for f in declared_noise(str(p) for p in patterns))


def _url(value: str) -> str:
    if not value.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


def _backends(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--primary", type=_url, required=True, help="rails: answers the client")
    parser.add_argument("--candidate", type=_url, required=True, help="go: judged, never seen")
    parser.add_argument(
        "--secondary", type=_url, default=None, help="a second rails: its differences are noise"
    )
    parser.add_argument(
        "--mirror-writes",
        action="store_true",
        help="also send POST/PUT/PATCH/DELETE to the candidate and secondary; only when "
        "each runs on a database of its own (never the primary's)",
    )


def _check_writes(args: argparse.Namespace) -> None:
    if args.mirror_writes and args.primary in {args.candidate, args.secondary}:
        raise SystemExit(
            "--mirror-writes: the candidate or secondary is the primary itself; writes "
            "would be applied twice. Give each mirrored backend a database of its own."
        )


def _usage_errors(main: Callable[[list[str] | None], int]) -> Callable[[list[str] | None], int]:
    """A HarnessError (bad file, store, gate) is one line on stderr and exit 2."""

    @functools.wraps(main)
    def wrapped(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except HarnessError as exc:
            print(f"parity: {exc}", file=sys.stderr)
            return 2

    return wrapped


@_usage_errors
def shadow_main(argv: list[str] | None = None) -> int:
    """`parity shadow`: run the mirroring proxy until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(
        prog="parity shadow",
        description="Reverse proxy: the primary answers clients; copies go to the candidate "
        "(and a secondary for noise), judged into a store. `parity report --store` at any time.",
    )
    _backends(parser)
    _judging_options(parser)
    parser.add_argument("--listen", default="127.0.0.1:8090", help="HOST:PORT to serve on")
    parser.add_argument(
        "--store",
        default=".parity/shadow/store.jsonl",
        help="a file (default) or postgresql://… shared by several proxy instances",
    )
    parser.add_argument("--sample", type=float, default=1.0, help="share of requests mirrored")
    parser.add_argument("--queue", type=int, default=1000, help="mirrored requests waiting, max")
    parser.add_argument(
        "--queue-mib", type=int, default=64, help="bytes of mirrored requests waiting, max (MiB)"
    )
    parser.add_argument("--workers", type=int, default=16, help="mirrored requests in flight")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per mirrored request")
    parser.add_argument(
        "--loop",
        choices=["auto", "uvloop", "asyncio"],
        default="auto",
        help="the client path's event loop (auto: uvloop when installed)",
    )
    args = parser.parse_args(argv)
    _check_writes(args)
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit() or not 0 < args.sample <= 1:
        parser.error("--listen wants HOST:PORT and --sample a share in (0, 1]")
    settings = ShadowSettings(
        primary=args.primary,
        candidate=args.candidate,
        secondary=args.secondary,
        host=host or "127.0.0.1",
        port=int(port),
        store=args.store,
        sample=args.sample,
        mirror_writes=args.mirror_writes,
        queue_size=args.queue,
        queue_bytes=args.queue_mib * 1024 * 1024,
        workers=args.workers,
        timeout=args.timeout,
        spec=args.spec,
        ignore=_ignore_patterns(args.ignore),
        loop=args.loop,
    )
    open_store(settings.store).close()  # a bad store is a usage error now, not in the child
    return serve(settings)


@_usage_errors
def replay_main(argv: list[str] | None = None) -> int:
    """`parity replay FILE`: recorded traffic against both backends, then the report."""
    parser = argparse.ArgumentParser(
        prog="parity replay",
        description="Replay a HAR file (or an nginx access log's GET requests) against the "
        "primary, the candidate and an optional secondary; write the report.",
    )
    parser.add_argument("traffic", type=Path, help="a .har file or an nginx access log")
    _backends(parser)
    _judging_options(parser)
    _report_options(parser)
    parser.add_argument("--store", default=None, help="default: REPORT/replay-store.jsonl, fresh")
    parser.add_argument("--concurrency", type=int, default=4, help="reads in flight")
    parser.add_argument("--repeat", type=int, default=1, help="replay the recording N times")
    args = parser.parse_args(argv)
    _check_writes(args)
    traffic = read_traffic(args.traffic)
    store = args.store
    if store is None:
        store = str(Path(args.report) / "replay-store.jsonl")
        Path(store).unlink(missing_ok=True)
    settings = ReplaySettings(
        primary=args.primary,
        candidate=args.candidate,
        secondary=args.secondary,
        store=store,
        mirror_writes=args.mirror_writes,
        concurrency=args.concurrency,
        repeat=args.repeat,
        spec=args.spec,
        ignore=_ignore_patterns(args.ignore),
    )
    started, started_at = time.monotonic(), datetime.now(UTC).isoformat(timespec="seconds")
    counts = asyncio.run(replay(traffic, settings))
    if traffic.skipped:
        print(f"parity replay: {traffic.skipped} lines skipped: {traffic.why_skipped}")
    print("parity replay: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    run = RunInfo(
        started_at=started_at,
        duration_s=time.monotonic() - started,
        backends=_described(args),
        command=redact(" ".join(["parity replay", *(argv or sys.argv[1:])])),
    )
    return _write(store, args, "replay", run)


def _described(args: argparse.Namespace) -> tuple[tuple[str, str], ...]:
    sides = [("rails", args.primary), ("go", args.candidate)]
    if args.secondary:
        sides.append(("rails (secondary)", args.secondary))
    return tuple((name, redact_url(url)) for name, url in sides)


@_usage_errors
def report_main(argv: list[str] | None = None) -> int:
    """`parity report --store X`: the report of a shadow session (or replay) so far."""
    parser = argparse.ArgumentParser(
        prog="parity report", description="Write the report from a shadow or replay store."
    )
    parser.add_argument("--store", required=True, help="the file or postgresql://… written to")
    parser.add_argument("--source", default="shadow", choices=["shadow", "replay"])
    _report_options(parser)
    args = parser.parse_args(argv)
    return _write(
        args.store, args, args.source, RunInfo(command=f"parity report --source {args.source}")
    )


def _write(store: str, args: argparse.Namespace, source: str, run: RunInfo) -> int:
    gates = _gates(args.gate)
    opened = open_store(store)
    try:
        exchanges, dropped = read_records(opened)
    finally:
        opened.close()
    report = build_store_report(
        exchanges,
        dropped,
        source=source,
        thresholds=Thresholds(relative=args.relative_threshold, absolute=args.absolute_threshold),
        gates=gates,
        run=run,
    )
    out = Path(args.report)
    write_report(report, out)
    print(summary_line(report, source, out))
    return 0 if report.verdict is Verdict.PASS else 1


def _gates(items: list[str]) -> Gates:
    return load_gates(items, Path("pyproject.toml"))


def summary_line(report: Report, source: str, out: Path) -> str:
    """`parity replay: FAIL (2 findings; go/rails 1.03 [1.01, 1.05]; no-go: ...); report: …`."""
    parts = [f"{report.finding_count} finding{'s' if report.finding_count != 1 else ''}"]
    overall = report.latency.overall if report.latency else None
    if overall and overall.ratio:
        r = overall.ratio
        parts.append(f"go/rails {r.estimate:.2f} [{r.low:.2f}, {r.high:.2f}]")
    if report.gates_failed:
        parts.append("no-go: " + ", ".join(g.name for g in report.gates_failed))
    verdict = report.verdict.value.upper()
    return f"parity {source}: {verdict} ({'; '.join(parts)}); report: {out / 'index.html'}"
