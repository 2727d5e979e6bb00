"""Run a contract suite as users do (a pytest subprocess) and read its findings files."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import settings

from harness.findings import findings_files, merge_findings

ROOT = Path(__file__).resolve().parents[2]
# These runs judge findings; the latency gates (tests/harness/test_gates.py, bench/shadow.py)
# would make their exit code depend on how busy the machine is.
LATENCY_GATES_OFF = [
    *("--gate", "candidate_p95_ms=1e9", "--gate", "latency_ratio=1e9"),
    *("--gate", "error_rate_5xx=1"),
]


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """One run: exit code, the findings of the suite's kind, wall time, output tail."""

    returncode: int
    findings: list[dict[str, Any]]
    seconds: float
    output: str


def profile_options(profile: str, shrink: bool = True) -> list[str]:
    """pytest options loading Hypothesis `profile`, derandomized (the same examples every
    run, so a detection holds on every run or on none); without `shrink`, the bench's
    profile of it: no shrink phase, the run ends at the first failing example (what a
    detection needs)."""
    if shrink:
        return [f"--hypothesis-profile={profile}", "--derandomize"]
    bench = ["-p", "bench.plugin", f"--bench-profile={profile}"]
    return [*bench, "--hypothesis-profile=bench", "--derandomize"]


def run_suite(
    suite: str,
    kind: str | None,
    tmp_path: Path,
    *args: str,
    profile: str | None = None,
    shrink: bool = True,
    timeout: float = 1800,
) -> SuiteRun:
    """`pytest SUITE --report DIR ARGS` from the repository root; findings of `kind` (every
    kind if None). The suite runs derandomized under `profile`, by default this session's
    (`--hypothesis-profile`); see profile_options for `shrink`."""
    profile = profile or settings.get_current_profile_name()
    report = tmp_path / "report"
    command = [sys.executable, "-m", "pytest", suite, "-p", "no:cacheprovider", "-q"]
    command += ["--report", str(report), *profile_options(profile, shrink)]
    command += ["--run-dir", str(tmp_path / "run"), *LATENCY_GATES_OFF, *args]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    # The suite's own findings files, not findings.json: they exist even if rendering fails.
    found = merge_findings(findings_files(report / "parts"))
    mine = [f.to_dict() for f in found if kind is None or f.kind == kind]
    return SuiteRun(done.returncode, mine, seconds, (done.stdout + done.stderr)[-4000:])


def catalogue(categories: Iterable[str]) -> list[tuple[str, str]]:
    """(fault, category) of the reference catalogue in `categories`."""
    wanted = set(categories)
    listed = subprocess.run(
        [sys.executable, "-m", "reference", "--list-faults"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    rows = [line.split("\t") for line in listed.splitlines() if line.strip()]
    return [(row[0], row[1]) for row in rows if len(row) >= 2 and row[1] in wanted]
