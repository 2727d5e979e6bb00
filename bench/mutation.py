"""Mutation score: mutmut's mutants of the reference backend's domain modules, run as the go side.

mutmut 3 writes every mutant of a file into one copy (`mutants/`) behind trampolines and
picks the live one from `MUTANT_UNDER_TEST`. Its own runner maps tests to mutants by
recording calls in the pytest process, which never sees the backend (a separate server
process), so it would mark every mutant "no tests". We therefore use mutmut for what it
does well (generating, naming, diffing mutants) in a scratch copy of `reference/`, sample
N names with a seed, and run each as a bug of the go side: the go backend starts from
`mutants/` with `MUTANT_UNDER_TEST=<name>`, the rails side stays the clean reference, and the
suites of the module's area (its property suites or the differential, then the go side's
conformance) run one process each, each with an equal share of the mutant's time, until the
first detection (bench.suites).
Killed: a new go-side finding; survived: the run ended without one; timeout: the run hit
its time limit without one. A timeout is not counted as a kill: a mutant that hangs the
backend is already killed by the harness (a request that times out is a finding), so a run
that hits the limit only means the suites found nothing in that time. A control run with
`MUTANT_UNDER_TEST=fail` (every mutated function raises) proves the go side really runs the
mutated copy.

Equivalent: a survivor or timeout that bench/equivalent_mutants.toml judges no request of the
slice can tell from the clean reference (with the reason), while its diff still makes the
change judged. Score = killed / (killed + survived + timeout), equivalent mutants left out, as
mutation scores are defined; the raw score (equivalent ones counted as not killed) is given
beside it. A judged mutant that was killed is reported as a wrong judgement.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.suites import REPO, SuiteRun, run_suites, targets_for

EQUIVALENT_FILE = REPO / "bench" / "equivalent_mutants.toml"
MIN_SUITE_S = 30.0  # a suite run's floor: its session starts both backends first
MODULES = {  # file to mutate -> the fault category whose suites check it
    "reference/domain/threading.py": "threading",
    "reference/domain/tallies.py": "tally",
    "reference/domain/permissions.py": "permission",
    "reference/serialize/core.py": "shape",
    "reference/serialize/polls.py": "shape",
}

GENERATE = """
import json, os, random, sys
from mutmut.__main__ import (copy_also_copy_files, copy_src_dir, create_mutants,
    setup_source_paths, walk_mutatable_files)
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.mutation.trampoline import set_mutant_under_test
n, seed = int(sys.argv[1]), int(sys.argv[2])
set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(2)
names = []
for path in walk_mutatable_files():
    data = SourceFileMutationData(path=path); data.load()
    names += [(str(path), key) for key in sorted(data.exit_code_by_key)]
sample = random.Random(seed).sample(names, min(n, len(names)))
by_file = {}
for path, _ in names: by_file[path] = by_file.get(path, 0) + 1
out = [{"file": p, "name": k, "diff": get_diff_for_mutant(k, path=p)} for p, k in sample]
print(json.dumps({"total": len(names), "by_file": by_file, "sample": out}))
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class MutationSettings:
    mutants: int = 40
    seed: int = 0
    profile: str = "ci"
    workers: int = 2
    timeout: float = 300.0  # one mutant's run


def generate(work: Path, settings: MutationSettings) -> dict[str, Any]:
    """A scratch copy of reference/, mutmut's mutants of MODULES in it, a seeded sample."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shutil.copytree(
        REPO / "reference", work / "reference", ignore=shutil.ignore_patterns("__pycache__")
    )
    only = ", ".join(json.dumps(m) for m in MODULES)
    (work / "pyproject.toml").write_text(
        f'[tool.mutmut]\nsource_paths = ["reference"]\nonly_mutate = [{only}]\n'
    )
    proc = subprocess.run(
        [sys.executable, "-c", GENERATE, str(settings.mutants), str(settings.seed)],
        cwd=work,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"mutmut could not generate mutants in {work}:\n{proc.stderr[-2000:]}")
    data: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return data


def run_mutant(
    name: str,
    file: str,
    work: Path,
    out: Path,
    settings: MutationSettings,
    baseline: set[str],
    timeout: float,
) -> list[SuiteRun]:
    """The mutant through the suites of its module's area, one process per suite, until the
    first kill. Each suite gets an equal share of what is left of `timeout` (a suite that ends
    early leaves its time to the next): under `ci` the differential alone outlasts a mutant's
    time, and conformance, which finds a 500 or a key the spec lacks in seconds, would never
    start."""
    targets, _ = targets_for(MODULES.get(file, "shape"))  # conformance of the go side too
    env = f"PYTHONPATH={work / 'mutants'} MUTANT_UNDER_TEST={name}"
    end = time.monotonic() + timeout
    runs: list[SuiteRun] = []
    for i, target in enumerate(targets):
        run = run_suites(
            f"{name}#{i}",
            [target],
            out / f"{i}",
            profile=settings.profile,
            seed=settings.seed,
            timeout=time_share(end - time.monotonic(), len(targets) - i),
            baseline=baseline,
            stop=True,
            extra=("--go-setenv", env),
        )
        runs.append(run)
        if status_of(run, baseline) == "killed":
            break
    return runs


def time_share(left: float, suites_left: int) -> float:
    """One suite's time: an equal share of what is left, at least a session's start-up."""
    return max(MIN_SUITE_S, left / max(1, suites_left))


def status_of(run: SuiteRun, baseline: set[str]) -> str:
    if run.first("detected") or run.detected(baseline):
        return "killed"
    return "timeout" if run.timed_out else "survived"


def verdict(runs: list[SuiteRun], baseline: set[str]) -> tuple[str, dict[str, Any], float]:
    """(status, the killing detection, seconds to it) over a mutant's suite runs: killed by
    any; else timeout when a suite hit its share; else survived."""
    before = 0.0
    for run in runs:
        if status_of(run, baseline) == "killed":
            hit = run.first("detected") or {}
            return "killed", hit, before + (hit.get("s") or run.wall_s)
        before += run.wall_s
    return ("timeout" if any(r.timed_out for r in runs) else "survived"), {}, before


@dataclass(frozen=True, slots=True)
class Judgement:
    """A mutant judged equivalent: `change` is a changed line of its diff (with its + or -)."""

    name: str
    change: str
    reason: str


def load_judgements(path: Path) -> list[Judgement]:
    """The `[[mutant]]` tables of `path` (none when it does not exist)."""
    if not path.exists():
        return []
    try:
        tables = tomllib.loads(path.read_text(encoding="utf-8")).get("mutant", [])
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    judged = []
    for i, table in enumerate(tables, start=1):
        missing = [k for k in ("name", "change", "reason") if not table.get(k)]
        if missing:
            raise ValueError(f"{path}: [[mutant]] number {i} lacks {', '.join(missing)}")
        judged.append(Judgement(table["name"], table["change"], table["reason"]))
    return judged


def _changed_lines(diff: str) -> str:
    return "\n".join(
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def judge(
    rows: list[dict[str, Any]], judgements: list[Judgement]
) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Rows with judged survivors and timeouts marked "equivalent" (with the reason); the
    names of judged mutants that were killed (wrong judgements) and of judgements whose
    mutant's diff no longer makes the change judged (stale: the row is left as it was)."""
    by_name = {j.name: j for j in judgements}
    judged, wrong, stale = [], [], []
    for row in rows:
        j = by_name.get(row["name"])
        if j is None:
            pass
        elif j.change not in _changed_lines(row.get("diff", "")):
            stale.append(row["name"])
        elif row["status"] == "killed":
            wrong.append(row["name"])
        elif row["status"] in ("survived", "timeout"):
            row = {**row, "status": "equivalent", "why": j.reason}
        judged.append(row)
    return judged, wrong, stale


def score(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts by status; the score without equivalent mutants and the raw score."""
    statuses = ("killed", "survived", "timeout", "equivalent", "not run")
    counts: dict[str, Any] = {s: sum(r["status"] == s for r in rows) for s in statuses}
    scored = counts["killed"] + counts["survived"] + counts["timeout"]
    raw = scored + counts["equivalent"]
    counts["score_pct"] = round(100 * counts["killed"] / scored, 1) if scored else None
    counts["raw_score_pct"] = round(100 * counts["killed"] / raw, 1) if raw else None
    return counts


def run_mutation(
    settings: MutationSettings, work: Path, baseline: set[str], deadline: float
) -> dict[str, Any]:
    """Generate, sample, run the control and every sampled mutant; score and survivors."""
    started = time.monotonic()
    generated = generate(work / "scratch", settings)
    scratch = work / "scratch"

    def one(index_mutant: tuple[int, dict[str, Any]]) -> dict[str, Any]:
        i, m = index_mutant
        left = deadline - time.monotonic()
        if left < 30:
            return {**m, "status": "not run", "why": "time budget spent"}
        runs = run_mutant(
            m["name"],
            m["file"],
            scratch,
            work / "runs" / f"{i:03d}",
            settings,
            baseline,
            min(settings.timeout, left),
        )
        status, hit, seconds = verdict(runs, baseline)
        return {
            **m,
            "status": status,
            "by": hit.get("checks", []),
            "time_to_kill_s": round(seconds, 1) if status == "killed" else None,
            "wall_s": round(sum(r.wall_s for r in runs), 1),
            "suites": [r.targets[0] for r in runs],
        }

    control_file = next(iter(MODULES))
    jobs = [
        (
            0,
            {
                "file": control_file,
                "name": "fail",
                "diff": "(control: every mutated function raises)",
            },
        )
    ]
    jobs += list(enumerate(generated["sample"], start=1))
    with ThreadPoolExecutor(max_workers=max(1, settings.workers)) as pool:
        rows = list(pool.map(one, jobs))
    control = rows[0]
    rows, wrong, stale = judge(rows[1:], load_judgements(EQUIVALENT_FILE))
    return {
        "tool": f"mutmut {_mutmut_version()}",
        "modules": list(MODULES),
        "profile": settings.profile,
        "seed": settings.seed,
        "generated": generated["total"],
        "generated_by_file": generated["by_file"],
        "sampled": len(rows),
        **score(rows),
        "control": control["status"],
        "survivors": [
            {k: r[k] for k in ("name", "file", "diff", "status")}
            for r in rows
            if r["status"] in ("survived", "timeout")
        ],
        "equivalent_judged": [
            {"name": r["name"], "why": r["why"]} for r in rows if r["status"] == "equivalent"
        ],
        "wrong_judgements": wrong,
        "stale_judgements": stale,
        "rows": rows,
        "seconds": round(time.monotonic() - started, 1),
    }


def _mutmut_version() -> str:
    from importlib.metadata import version

    return version("mutmut")
