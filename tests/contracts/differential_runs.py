"""Run the lockstep differential suite as users do (a pytest subprocess), read its findings."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.findings import findings_files, merge_findings

ROOT = Path(__file__).resolve().parents[2]
SUITE = "contracts/test_differential.py"
DETECTED_CATEGORIES = ("shape", "type", "null", "envelope", "status", "ordering")


@dataclass(frozen=True, slots=True)
class SuiteRun:
    """One run: exit code, its differential findings, wall time, output tail."""

    returncode: int
    findings: list[dict[str, Any]]
    seconds: float
    output: str


def run_differential(
    tmp_path: Path, *args: str, profile: str = "dev", timeout: float = 1800
) -> SuiteRun:
    """`pytest contracts/test_differential.py --report DIR ARGS` from the repository root."""
    report = tmp_path / "report"
    command = [sys.executable, "-m", "pytest", SUITE]
    command += ["-p", "no:cacheprovider", "-q", "--report", str(report)]
    command += [f"--hypothesis-profile={profile}", "--run-dir", str(tmp_path / "run"), *args]
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    seconds = time.monotonic() - started
    # The suite's own findings files, not findings.json: they exist even if rendering fails.
    found = merge_findings(findings_files(report / "parts"))
    differential = [f.to_dict() for f in found if f.kind == "differential"]
    return SuiteRun(done.returncode, differential, seconds, (done.stdout + done.stderr)[-4000:])


def catalogue() -> list[tuple[str, str]]:
    """(fault, category) of the reference catalogue the differential suite must detect."""
    listed = subprocess.run(
        [sys.executable, "-m", "reference", "--list-faults"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    rows = [line.split("\t") for line in listed.splitlines() if line.strip()]
    return [(row[0], row[1]) for row in rows if len(row) >= 2 and row[1] in DETECTED_CATEGORIES]
