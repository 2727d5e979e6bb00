"""Detection matrix: every fault of the reference catalogue, switched on for the go side.

One run per fault of the suites its category calls for (bench.suites.targets_for), ending
at the first go-side finding, and `clean_runs` runs with no fault, one per suite a fault
may use, share one pool of `workers` runs at a time, each with its own PostgreSQL and
backends. Order: the faults first, slowest first by the wall time each took in the
previous results (`expected`; a fault without one first, it may be slow), so the pool
ends on short runs; then the clean runs, longest first, each with what is left of the
budget (cut at the deadline, and listed so). Every finding of a clean run is a false
positive (both sides run the same code); their keys are the baseline, applied once all
runs are done: a fault run whose first go-side findings were all seen in a clean run is
not counted as a detection. Every run writes and reuses compiled modules in one cache
(`pycache/` of the work directory): with PYTHONDONTWRITEBYTECODE set, each run would
otherwise compile and assertion-rewrite every module again (~5 s of a ~20 s run).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.findings import finding_key
from bench.suites import (
    CHANNEL_SUITE,
    REPO,
    SuiteRun,
    contract_targets,
    fault_option,
    property_targets,
    run_suites,
    targets_for,
)

# fault catalogues: the API reference and the reference channel server
CATALOGUES = ("reference", "reference.channels")


@dataclass(frozen=True, slots=True, kw_only=True)
class DetectionSettings:
    profile: str = "ci"
    seed: int = 0
    workers: int = 2
    clean_runs: int = 1
    timeout: float = 600.0  # one run
    only: tuple[str, ...] = ()  # fault names; empty = the whole catalogue
    suite_args: tuple[str, ...] = ()  # pytest options of every run (e.g. a mixed stack)


def list_faults() -> list[dict[str, str]]:
    """`python -m <catalogue> --list-faults` of every CATALOGUES: name, category, summary."""
    rows = []
    for module in CATALOGUES:
        out = subprocess.run(
            [sys.executable, "-m", module, "--list-faults"],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        rows += [line.split("\t") for line in out.splitlines() if line.count("\t") >= 2]
    return [{"name": n, "category": c, "summary": s} for n, c, s, *_ in rows]


def all_targets() -> list[str]:
    props = [t for c in ("threading", "tally", "permission") for t in property_targets(c)]
    return contract_targets() + sorted(set(props)) + [CHANNEL_SUITE]


def clean_run(
    settings: DetectionSettings,
    work: Path,
    i: int,
    timeout: float,
    targets: list[str] | None = None,
) -> SuiteRun:
    """Fault-free run `i` of `targets` (every suite a fault may use), with its own seed."""
    chosen = targets or all_targets()
    return run_suites(
        f"clean-{i}" + ("" if targets is None else f"-{_suite_name(chosen[0])}"),
        chosen,
        work / f"clean-{i}" / ("all" if targets is None else _suite_name(chosen[0])),
        profile=settings.profile,
        seed=settings.seed + 1000 + i,
        timeout=timeout,
        extra=settings.suite_args,
        bytecode_cache=work / "pycache",
    )


def _suite_name(target: str) -> str:
    """`contracts/test_conformance.py::test_x[go]` -> `conformance`."""
    return target.split("::")[0].rsplit("/", 1)[-1].removeprefix("test_").removesuffix(".py")


def run_clean(settings: DetectionSettings, work: Path, deadline: float) -> list[SuiteRun]:
    """The clean runs alone, side by side (the mutation part's baseline without detection)."""

    def one(i: int) -> SuiteRun:
        left = max(60.0, deadline - time.monotonic())
        return clean_run(settings, work, i, min(settings.timeout * 2, left))

    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        return list(pool.map(one, range(settings.clean_runs)))


def expected_walls(previous: Mapping[str, Any] | None) -> dict[str, float]:
    """Run name -> wall seconds, from the detection part of earlier results (fault rows by
    fault name, clean runs by their `name`); empty without any."""
    if not isinstance(previous, Mapping):
        return {}
    rows = [r for r in previous.get("rows", []) or [] if isinstance(r, Mapping)]
    clean = [c for c in previous.get("clean_runs", []) or [] if isinstance(c, Mapping)]
    walls = {str(r["name"]): float(r["wall_s"]) for r in rows if r.get("wall_s") is not None}
    walls |= {str(c["name"]): float(c["wall_s"]) for c in clean if c.get("name")}
    return walls


def slowest_first(names: list[str], expected: Mapping[str, float]) -> list[str]:
    """Names by expected wall time, longest first; names never timed come first, in the
    order given (they may be slow)."""
    unknown = [n for n in names if n not in expected]
    known = sorted((n for n in names if n in expected), key=lambda n: -expected[n])
    return unknown + known


def fault_result(
    fault: dict[str, str], run: SuiteRun | None, baseline: set[str], missing: bool
) -> dict[str, Any]:
    """One row of the matrix."""
    row: dict[str, Any] = {**fault, "property_suite_missing": missing}
    if run is None:
        return {**row, "detected": None, "skipped": "time budget spent"}
    hit = run.first("detected")
    if hit and all(finding_key(f) in baseline for f in hit["findings"]):
        hit = None  # what stopped the run was seen in a clean run too: a false positive
    found = run.detected(baseline)
    ready = run.first("ready")
    row.update(
        targets=run.targets,
        wall_s=round(run.wall_s, 2),
        timed_out=run.timed_out,
        exit_status=run.status,
        setup_s=round(ready["setup_s"], 2) if ready else None,
        detected=bool(hit or found),
        examples_run=run.examples(),
        # the operations whose requests on the go side read the fault's switch: none means
        # the go side never ran the fault's code (behind a routing proxy: not ported)
        reached=run.reached,
    )
    if hit:
        row.update(
            by=hit["checks"],
            test=hit["nodeid"],
            time_to_detection_s=round(hit["s"], 2),
            examples_to_detection=hit["examples"],
            evidence=hit["findings"][:3],
        )
    elif found:  # written after the last check (e.g. at session end)
        row.update(
            by=sorted({f"{f['kind']}/{f['check']}" for f in found}),
            evidence=[
                {k: f.get(k) for k in ("kind", "check", "title", "operation")} for f in found[:3]
            ],
        )
    return row


CATEGORY_ORDER = ("permission", "tally", "threading")  # slower to find: first when untimed


def run_matrix(
    settings: DetectionSettings,
    work: Path,
    deadline: float,
    expected: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Every fault, then the clean runs, in one pool; runs past the deadline are skipped."""
    started = time.monotonic()
    expected = expected or {}
    # latency faults answer correctly, only later: the gates judge them (bench/shadow.py)
    listed = [f for f in list_faults() if f["category"] != "latency"]
    faults = [f for f in listed if not settings.only or f["name"] in settings.only]
    faults.sort(key=lambda f: f["category"] not in CATEGORY_ORDER)
    by_name = {f["name"]: f for f in faults}
    faults = [by_name[n] for n in slowest_first(list(by_name), expected)]
    plans = {f["name"]: targets_for(f["category"]) for f in faults}  # (targets, missing)
    suites = {
        f"clean-{i}-{_suite_name(t)}": (i, t)
        for i in range(settings.clean_runs)
        for t in all_targets()
    }
    cleans = slowest_first(list(suites), expected)

    def clean(name: str) -> SuiteRun | None:
        left = deadline - time.monotonic()
        if left < 30:
            return None
        i, target = suites[name]
        return clean_run(settings, work, i, min(settings.timeout * 4, left), [target])

    def fault_run(fault: dict[str, str]) -> SuiteRun | None:
        left = deadline - time.monotonic()
        if left < 30:
            return None
        return run_suites(
            fault["name"],
            plans[fault["name"]][0],
            work / "faults" / fault["name"],
            profile=settings.profile,
            seed=settings.seed,
            faults=(fault["name"],),
            fault_flag=fault_option(fault["category"]),
            stop=True,
            timeout=min(settings.timeout, left),
            extra=settings.suite_args,
            bytecode_cache=work / "pycache",
        )

    jobs: list[Any] = [lambda f=f: fault_run(f) for f in faults]
    jobs += [lambda n=n: clean(n) for n in cleans]
    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        done = list(pool.map(lambda job: job(), jobs))
    clean_runs: list[SuiteRun] = [r for r in done[len(faults) :] if r is not None]
    baseline = {k for run in clean_runs for k in run.finding_keys()}
    rows = [
        fault_result(f, run, baseline, plans[f["name"]][1])
        for f, run in zip(faults, done[: len(faults)], strict=True)
    ]
    not_run = [n for n, r in zip(cleans, done[len(faults) :], strict=True) if r is None]
    return summarize(rows, clean_runs, settings, time.monotonic() - started, not_run)


def reach(ran: list[dict[str, Any]]) -> dict[str, Any]:
    """Detections against whether the go side ran the fault's code at all (`reached`). A
    fault detected but never reached was reported for code the go side did not run: behind
    a routing proxy, a difference blamed on an operation Rails served."""
    reached = [r for r in ran if r.get("reached")]
    return {
        "reached": len(reached),
        "reached_and_detected": sum(bool(r["detected"]) for r in reached),
        "reached_not_detected": sorted(r["name"] for r in reached if not r["detected"]),
        "detected_not_reached": sorted(
            r["name"] for r in ran if r["detected"] and not r.get("reached")
        ),
        "not_reached": sorted(r["name"] for r in ran if not r.get("reached")),
    }


def summarize(
    rows: list[dict[str, Any]],
    clean: list[SuiteRun],
    settings: DetectionSettings,
    took: float,
    clean_not_run: list[str] | None = None,
) -> dict[str, Any]:
    import statistics

    ran = [r for r in rows if r["detected"] is not None]
    hits = [r for r in ran if r["detected"]]
    times = [r["time_to_detection_s"] for r in hits if "time_to_detection_s" in r]
    examples = [r["examples_to_detection"] for r in hits if "examples_to_detection" in r]
    by_category: dict[str, list[int]] = {}
    for r in ran:
        by_category.setdefault(r["category"], [0, 0])[0] += bool(r["detected"])
        by_category[r["category"]][1] += 1
    missing = sorted({r["category"] for r in rows if r["property_suite_missing"]})
    return {
        "profile": settings.profile,
        "seed": settings.seed,
        "suite_args": list(settings.suite_args),
        "workers": settings.workers,
        "faults": len(rows),
        "ran": len(ran),
        "detected": len(hits),
        "detection_pct": round(100 * len(hits) / len(ran), 1) if ran else None,
        "median_time_to_detection_s": round(statistics.median(times), 2) if times else None,
        "median_examples_to_detection": statistics.median(examples) if examples else None,
        "by_category": {c: {"detected": d, "ran": n} for c, (d, n) in sorted(by_category.items())},
        "property_suites_missing_for": missing,
        "reach": reach(ran),
        "clean_runs": [
            {
                "name": c.name,
                "targets": c.targets,
                "findings": len(c.findings),
                "keys": c.finding_keys(),
                "wall_s": round(c.wall_s, 1),
                "examples": c.examples(),
                "timed_out": c.timed_out,
            }
            for c in clean
        ],
        "clean_runs_not_run": clean_not_run or [],
        "false_positives": sum(len(c.findings) for c in clean),
        "seconds": round(took, 1),
        "rows": rows,
    }
