"""Meta-tests of the property suites: a clean embedded pair gives no findings, and every
threading, tally and permission fault of the reference catalogue on the go side is found.

Each case runs the suite in a subprocess (`pytest properties/test_<suite>.py --go-faults
NAME`) with its own run directory and reads the findings it wrote. A representative fault
per category runs by default; the whole catalogue is marked `slow`. `-s` prints a table
row (fault -> suite -> detected -> seconds) per case. Every run is derandomized
(`--derandomize`): a detection holds on every run or on none.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITE_OF = {
    "threading": "test_threading.py",
    "tally": "test_tallies.py",
    "permission": "test_permissions.py",
}
REPRESENTATIVE = {
    "child_count_not_recounted",
    "tally_question_stance_counts_null",  # found within seconds under dev (4 of 4 runs)
    # found in 1 example; guest_cannot_read (~44 examples) was missed now and then under dev
    # and runs with the slow set
    "comment_on_closed_discussion",
}


def catalogue() -> list[tuple[str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "reference", "--list-faults"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [line.split("\t") for line in out.splitlines() if line.strip()]
    return [(name, category) for name, category, *_ in rows if category in SUITE_OF]


def run_suite(
    suite: str, run_dir: Path, *extra: str, profile: str = "dev", shrink: bool = True
) -> tuple[list[dict], float, str]:
    """Findings, seconds and output of the suite run under `profile`; without `shrink`, the
    bench's profile of it (no shrink phase: the run ends at the first failing example)."""
    started = time.perf_counter()
    profiles = ["--hypothesis-profile", profile]
    if not shrink:
        profiles = [
            "-p",
            "bench.plugin",
            f"--bench-profile={profile}",
            "--hypothesis-profile=bench",
        ]
    command = [
        sys.executable,
        "-m",
        "pytest",
        f"properties/{suite}",
        "-q",
        "-p",
        "no:cacheprovider",
        "--run-dir",
        str(run_dir),
        *profiles,
        # the same examples every run: a detection holds on every run or on none (drawn at
        # random, dev's few examples missed a fault now and then)
        "--derandomize",
        *extra,
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200)
    elapsed = time.perf_counter() - started
    findings = [
        json.loads(line)
        for f in sorted((run_dir / "findings").glob("*.jsonl"))
        for line in f.read_text().splitlines()
        if line.strip()
    ]
    return findings, elapsed, done.stdout[-3000:]


@pytest.mark.backend
@pytest.mark.parametrize("suite", sorted(SUITE_OF.values()))
def test_clean_pair_has_no_findings(
    suite: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    findings, elapsed, output = run_suite(suite, tmp_path, profile=_profile(pytestconfig))
    print(f"| (none) | {suite} | {len(findings)} findings | {elapsed:.0f}s |")
    assert findings == [], output


def _cases(representative: bool) -> list:
    marks = [] if representative else [pytest.mark.slow]
    return [
        pytest.param(name, category, id=name, marks=marks)
        for name, category in catalogue()
        if (name in REPRESENTATIVE) == representative
    ]


def _profile(config: pytest.Config, default: str = "dev") -> str:
    """The suites run under this session's `--hypothesis-profile`, else `default`."""
    return config.getoption("hypothesis_profile", None) or default


def _check_detected(
    name: str, category: str, tmp_path: Path, profile: str, shrink: bool = True
) -> None:
    suite = SUITE_OF[category]
    findings, elapsed, output = run_suite(
        suite, tmp_path, "--go-faults", name, profile=profile, shrink=shrink
    )
    on_go = [f for f in findings if "go" in f["backend"].split(",") and f["kind"] == category]
    titles = sorted({f["title"] for f in on_go})
    print(f"| {name} | {suite} | {'yes' if on_go else 'NO'} | {elapsed:.0f}s | {titles[:3]} |")
    assert on_go, f"{name}: no {category} finding on go\n{output}"
    assert not [f for f in findings if f["backend"] == "rails"], "the clean rails side got findings"


@pytest.mark.backend
@pytest.mark.parametrize(("name", "category"), _cases(True))
def test_representative_fault_is_detected(
    name: str, category: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    _check_detected(name, category, tmp_path, _profile(pytestconfig))


@pytest.mark.backend
@pytest.mark.parametrize(("name", "category"), _cases(False))
def test_every_fault_is_detected(
    name: str, category: str, tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    # ci unless told: each fault must be found within ci's examples, and without shrinking,
    # as in the detection bench (the representative faults show the shrunk findings). dev's 25
    # derandomized examples never build the one world some permission faults need (a secret
    # group, a discarded thread, a parent group's member).
    profile = _profile(pytestconfig, default="ci")
    _check_detected(name, category, tmp_path, profile, shrink=False)
