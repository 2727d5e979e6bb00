"""pytest plugin of the benchmarks (`-p bench.plugin`), loaded only by bench subprocesses.

- `--bench-profile NAME`: registers and loads the Hypothesis profile `bench`, which is
  profile NAME (dev, ci, nightly) without the shrink phase and without the example database:
  detection is timed up to the first failing example (shrinking is reporting cost) and no
  run replays an earlier run's failure from `.hypothesis/`.
- `--bench-out FILE`: JSON Lines of what the run saw: every Hypothesis run's statistics
  (examples by status, the index of the first failing one), the first detection, timings.
- `--bench-baseline FILE` + `--bench-stop`: a detection is a finding that implicates the go
  side and whose key (`finding_key`) is not in the baseline (the findings of clean runs);
  the session ends at the first one.
- `--bench-capture`: every HTTP exchange of the harness client is recorded in memory for
  `bench/probe_overhead.py` (the bare-loop replay).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.findings import detections, read_findings

CAPTURED: list[dict[str, Any]] = []  # --bench-capture: one record per HTTP exchange
_RUNNING = {"test": ""}  # node id of the test whose call phase runs now


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("bench", "loomio-parity benchmarks")
    group.addoption("--bench-profile", default=None, help="base Hypothesis profile of `bench`")
    group.addoption("--bench-out", default=None, help="JSON Lines file of bench records")
    group.addoption("--bench-baseline", default=None, help="JSON list of clean-run finding keys")
    group.addoption("--bench-stop", action="store_true", help="end the session at detection")
    group.addoption("--bench-capture", action="store_true", help="record HTTP exchanges")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    base = config.getoption("bench_profile")
    if base:
        from hypothesis import Phase, settings

        phases = [p for p in Phase if p is not Phase.shrink]
        settings.register_profile(
            "bench", parent=settings.get_profile(base), phases=phases, database=None
        )
    if config.getoption("bench_out"):
        config.pluginmanager.register(BenchRecorder(config), "bench-recorder")
    if config.getoption("bench_capture"):
        _capture_http()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    _RUNNING["test"] = item.nodeid
    try:
        return (yield)
    finally:
        _RUNNING["test"] = ""


class BenchRecorder:
    """Hypothesis statistics, detection watch and timings of one bench subprocess."""

    def __init__(self, config: pytest.Config) -> None:
        self.out = Path(config.getoption("bench_out"))
        self.stop = bool(config.getoption("bench_stop"))
        baseline = config.getoption("bench_baseline")
        self.baseline = set(json.loads(Path(baseline).read_text())) if baseline else set()
        report = config.getoption("report_dir", None)
        self.findings = Path(report) / "parts" if report else None
        self.started = time.perf_counter()
        self.first_call: float | None = None
        self.examples = 0  # examples run so far in this session (all tests)
        self.item = ""
        self.detected = False
        self.out.parent.mkdir(parents=True, exist_ok=True)
        self.out.write_text("")

    def write(self, record: dict[str, Any]) -> None:
        with self.out.open("a") as f:
            f.write(json.dumps(record, default=str) + "\n")

    @pytest.hookimpl(wrapper=True, trylast=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        from hypothesis.statistics import collector

        if self.first_call is None:
            self.first_call = time.perf_counter()
            self.write({"event": "ready", "setup_s": self.first_call - self.started})
        self.item = item.nodeid
        outer = collector.value
        start = time.perf_counter()
        try:
            with collector.with_value(lambda stats: self.statistics(stats, outer)):
                return (yield)
        finally:
            self.write({"event": "test", "nodeid": item.nodeid, "s": time.perf_counter() - start})
            if self.check() and self.stop:
                item.session.shouldstop = "bench: first detection"

    def statistics(self, stats: dict[str, Any], outer: Any) -> None:
        """One Hypothesis run ended: count its examples, then look for a detection."""
        cases = [
            c
            for phase in ("explicit", "reuse", "generate", "target")
            for c in stats.get(f"{phase}-phase", {}).get("test-cases", [])
        ]
        failing = next((i for i, c in enumerate(cases) if c["status"] == "interesting"), None)
        upto = cases if failing is None else cases[: failing + 1]
        self.write(
            {
                "event": "hypothesis",
                "nodeid": self.item,
                "examples": len(cases),
                "first_failing": failing,
                "examples_before": self.examples,
                "runtime_to_failure_s": sum(c["runtime"] + c["drawtime"] for c in upto)
                if failing is not None
                else None,
            }
        )
        self.examples += len(cases)
        if outer is not None:
            outer(stats)
        if self.check() and self.stop:  # inside a test of many runs (conformance operations)
            pytest.exit("bench: first detection", returncode=0)

    def check(self) -> bool:
        """True once, at the first new go-side finding (a detection), which is recorded."""
        if self.detected or self.findings is None or self.first_call is None:
            return False
        found = detections(read_findings(self.findings), self.baseline)
        if not found:
            return False
        self.detected = True
        self.write(
            {
                "event": "detected",
                "nodeid": self.item,
                "examples": self.examples,
                "s": time.perf_counter() - self.first_call,
                "checks": sorted({f"{f['kind']}/{f['check']}" for f in found}),
                "findings": [
                    {k: f.get(k) for k in ("kind", "check", "title", "operation", "backend")}
                    for f in found[:10]
                ],
            }
        )
        return True


def _capture_http() -> None:
    """Wrap BackendClient._call: keep method, URL, params, body, auth and time in HTTP."""
    from harness.client import BackendClient

    original = BackendClient._call

    def call(self: BackendClient, session: Any, request: Any, describe: str | None = None) -> Any:
        start = time.perf_counter()
        try:
            return original(self, session, request, describe)
        finally:
            CAPTURED.append(
                {
                    "backend": self.name,
                    "method": request.method,
                    "url": self.base_url + request.path,
                    "params": list(request.params),
                    "json": request.json,
                    "session": session,
                    "s": time.perf_counter() - start,
                    "at": start,
                    "suite": "test_differential" in _RUNNING["test"],
                }
            )

    BackendClient._call = call  # type: ignore[method-assign]  # measuring wrapper
