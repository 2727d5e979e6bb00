"""Which suites a fault category calls for, and one suite run in a pytest subprocess.

Suites are discovered, not listed: every `contracts/test_*.py` (the conformance suite on
the go side only: the rails side is the clean reference), and per property category the
`properties/test_*.py` files whose names match its patterns. A suite added later is
picked up by the next bench run; a category without its property suite is reported as
`missing` and runs the contract suites alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.findings import detections, finding_key, read_findings
from harness.processes import descendants, running
from reference.faults import TRACE_ENV

REPO = Path(__file__).resolve().parent.parent
CONTRACT_CATEGORIES = ("shape", "type", "null", "envelope", "status", "ordering")
# what is stored: the lockstep differential compares both databases after each example
DATA_CATEGORIES = ("data",)
# categories only the lockstep sees: its publication capture (contracts/live_capture.py)
LOCKSTEP_CATEGORIES = ("live",)
# faults of the reference channel server (python -m reference.channels): its own suite
CHANNEL_CATEGORIES = ("channel",)
CHANNEL_SUITE = "contracts/channels/test_rooms.py"
PROPERTY_PATTERNS = {
    "threading": ("test_thread*.py",),
    "tally": ("test_tall*.py", "test_poll*.py", "test_vote*.py"),
    "permission": ("test_permission*.py", "test_access*.py"),
}
# A timed-out run: SIGINT (pytest tears the backends down), SIGTERM (the harness handles it
# like SIGINT), SIGKILL (the run's watchdog, harness.processes, still stops what it started);
# then whatever the run started must be gone within CLEANUP_S, or it is killed here.
STOP_SEQUENCE = ((signal.SIGINT, 20.0), (signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0))
CLEANUP_S = 15.0
# Runs in progress. Each is a session of its own (a terminal's Ctrl-C does not reach it), so
# a bench that is stopped stops them itself (`stop_all`) and starts no other.
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()
_STOPPED = threading.Event()
# the go side of the conformance suite (its tests are parametrized by side)
CONFORMANCE_GO = "contracts/test_conformance.py::test_operation_conforms_to_spec[go]"


def contract_targets() -> list[str]:
    """The lockstep differential first (fastest to see a difference), then the rest."""
    files = sorted(p.relative_to(REPO).as_posix() for p in (REPO / "contracts").glob("test_*.py"))
    files.sort(key=lambda f: f != "contracts/test_differential.py")
    return [CONFORMANCE_GO if f == CONFORMANCE_GO.split("::")[0] else f for f in files]


def property_targets(category: str) -> list[str]:
    found: set[str] = set()
    for pattern in PROPERTY_PATTERNS.get(category, ()):
        found |= {p.relative_to(REPO).as_posix() for p in (REPO / "properties").glob(pattern)}
    return sorted(found)


def targets_for(category: str) -> tuple[list[str], bool]:
    """(pytest targets in run order, whether a property suite the category needs is missing)."""
    if category in CHANNEL_CATEGORIES:
        return [CHANNEL_SUITE], False
    contracts = contract_targets()
    if category in CONTRACT_CATEGORIES:
        return contracts, False
    if category in DATA_CATEGORIES:
        return [t for t in contracts if t.endswith("test_differential.py")], False
    props = property_targets(category)
    differential = [t for t in contracts if t.endswith("test_differential.py")]
    if category in LOCKSTEP_CATEGORIES:
        return differential, False
    if not props:
        return contracts, True
    return props + differential, False


def fault_option(category: str) -> str:
    """The pytest option that switches a fault of `category` on for the go side."""
    return "--go-channel-faults" if category in CHANNEL_CATEGORIES else "--go-faults"


@dataclass(slots=True, kw_only=True)
class SuiteRun:
    """What one subprocess did: exit status, wall time, bench records, findings."""

    name: str
    targets: list[str]
    status: int
    wall_s: float
    timed_out: bool
    out_dir: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    reached: list[str] = field(default_factory=list)  # operations that read a fault's switch

    def first(self, event: str) -> dict[str, Any] | None:
        return next((r for r in self.records if r.get("event") == event), None)

    def examples(self) -> int:
        return sum(r["examples"] for r in self.records if r.get("event") == "hypothesis")

    def finding_keys(self) -> list[str]:
        return sorted({finding_key(f) for f in self.findings})

    def detected(self, baseline: set[str]) -> list[dict[str, Any]]:
        return detections(self.findings, baseline)


def run_suites(
    name: str,
    targets: list[str],
    out_dir: Path,
    *,
    profile: str,
    seed: int,
    timeout: float,
    faults: tuple[str, ...] = (),
    fault_flag: str = "--go-faults",
    baseline: set[str] | None = None,
    stop: bool = False,
    extra: tuple[str, ...] = (),
    bytecode_cache: Path | None = None,
) -> SuiteRun:
    """Run `targets` with the report and bench plugins in a fresh process (own backends).
    `bytecode_cache`: compiled modules (and pytest's rewritten test modules) are written
    there and reused by the next run, even where PYTHONDONTWRITEBYTECODE is set."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pytest", *(str(REPO / t) for t in targets)]
    cmd += ["-p", "harness.report.options", "-p", "bench.plugin", "-p", "no:cacheprovider"]
    cmd += [f"--rootdir={REPO}", "-c", str(REPO / "pyproject.toml"), "-q", "--tb=no"]
    cmd += ["--report", str(out_dir / "report"), "--run-dir", str(out_dir / "run")]
    cmd += [f"--bench-profile={profile}", "--hypothesis-profile=bench"]
    cmd += [f"--hypothesis-seed={seed}", "--bench-out", str(out_dir / "bench.jsonl")]
    if faults:
        cmd += [fault_flag, ",".join(faults)]
    if baseline is not None:
        (out_dir / "baseline.json").write_text(json.dumps(sorted(baseline)))
        cmd += ["--bench-baseline", str(out_dir / "baseline.json")]
    if stop:
        cmd.append("--bench-stop")
    cmd += list(extra)
    (out_dir / "command.txt").write_text(shlex.join(cmd) + "\n")
    # cwd outside the repository: `python -m reference` there imports the installed package
    # (or PYTHONPATH's copy, for mutants), never a `reference/` of the current directory.
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    trace = out_dir / "fault-trace.jsonl"  # reference/faults.py: where the fault was reached
    trace.unlink(missing_ok=True)
    env[TRACE_ENV] = str(trace)
    if bytecode_cache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(bytecode_cache)
    if _STOPPED.is_set():
        raise KeyboardInterrupt(f"bench stopped: {name} not started")
    start = time.perf_counter()
    with open(out_dir / "pytest.log", "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=out_dir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        with _LIVE_LOCK:
            _LIVE.add(proc)
        try:
            if _STOPPED.is_set():  # stopped while it was starting: stop_all did not see it
                _stop(proc)
            status, timed_out = proc.wait(timeout=timeout), False
        except subprocess.TimeoutExpired:
            _stop(proc)
            status, timed_out = -1, True
        finally:
            with _LIVE_LOCK:
                _LIVE.discard(proc)
    wall = time.perf_counter() - start
    records = _records(out_dir / "bench.jsonl")
    findings = read_findings(out_dir / "report")
    return SuiteRun(
        name=name,
        targets=targets,
        status=status,
        wall_s=wall,
        timed_out=timed_out,
        out_dir=out_dir,
        records=records,
        findings=findings,
        reached=reached_operations(trace),
    )


def reached_operations(trace: Path) -> list[str]:
    """The operations whose requests read a switched-on fault's switch (PARITY_FAULT_TRACE
    lines); "" for a read outside any request (a background thread, the channel server)."""
    if not trace.is_file():
        return []
    found = set()
    for line in trace.read_text().splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            found.add(str(json.loads(line)["operation"]))
    return sorted(found)


def stop_all() -> int:
    """Stop every run in progress, side by side, as a timed-out one is stopped (`_stop`);
    no run starts afterwards. How many were running."""
    _STOPPED.set()
    with _LIVE_LOCK:
        live = list(_LIVE)
    stoppers = [threading.Thread(target=_stop, args=(proc,)) for proc in live]
    for thread in stoppers:
        thread.start()
    for thread in stoppers:
        thread.join()
    return len(live)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a timed-out run (STOP_SEQUENCE), then make sure nothing it started survives."""
    started = descendants(proc.pid) - {proc.pid}  # servers leave its group: find them now
    for sig, grace in STOP_SEQUENCE:
        try:
            os.killpg(proc.pid, sig)
            proc.wait(timeout=grace)
            break
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            break
    deadline = time.monotonic() + CLEANUP_S
    while any(map(running, started)) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in filter(running, started):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
