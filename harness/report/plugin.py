"""The report's pytest plugin: records what the run saw and writes the report at its end.

Registered by `harness.report.options` only when `--report DIR` is given. Every process
keeps a `Recorder`; an xdist worker writes it as `DIR/parts/part-<worker>.json` (after each
test, so a worker that dies still counts); the controller, or the only process, merges
every part with the findings files and writes the report in `pytest_sessionfinish`, also
when the session was interrupted or ended early: then the verdict says so.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from harness import events
from harness.findings import Finding, FindingKind, FindingsWriter
from harness.gates import Gates
from harness.redact import redact, redact_command
from harness.report.files import report_from_parts, with_history, write_atomic, write_report
from harness.report.model import CheckResult, Report, RunInfo
from harness.report.porting import HISTORY_FILE
from harness.report.recorder import Recorder
from harness.spec import parse_yaml

MESSAGE_LIMIT = 4000  # characters of a failed test's text kept for the report
_WORKER_CRASH = re.compile(r"^worker '[^']+' crashed while running '[^']+'$")
VERSIONS = ("loomio-parity", "pytest", "hypothesis", "schemathesis", "pytest-xdist")


class ReportPlugin:
    """Collects observations and test outcomes; writes the report files at session end."""

    def __init__(
        self, config: pytest.Config, out_dir: Path, spec_path: Path, gates: Gates | None = None
    ) -> None:
        self.config = config
        self.gates = gates or Gates()
        self.out_dir = out_dir
        self.parts_dir = out_dir / "parts"
        self.spec_path = spec_path
        workerinput: dict[str, Any] | None = getattr(config, "workerinput", None)
        self.worker_id = str(workerinput["workerid"]) if workerinput else "main"
        self.is_worker = workerinput is not None
        self.recorder = Recorder()
        self.started = time.monotonic()
        self.started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.report: Report | None = None
        self.parts_dir.mkdir(parents=True, exist_ok=True)
        if not self.is_worker:  # parts of an earlier run must not count in this one
            for stale in self.parts_dir.glob("*"):
                stale.unlink()
        self.findings = FindingsWriter.for_worker(self.parts_dir, self.worker_id)
        self._unsubscribe = events.subscribe(self.backend_failed)

    def backend_failed(self, failure: events.BackendFailure) -> None:
        """A backend died, hung or became unreachable: a finding (harness.events)."""
        self.findings.write(
            Finding.create(
                kind=FindingKind.BACKEND_FAILURE,
                check="liveness",
                title=f"{failure.backend} backend {failure.kind}",
                operation=failure.request,
                backend=failure.backend,
                detail=failure.message(),
            )
        )

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: absent without xdist
    def pytest_configure_node(self, node: Any) -> None:
        """Workers write where the controller reads, whatever their working directory."""
        node.workerinput["parity_report_dir"] = str(self.out_dir)
        node.workerinput["parity_spec"] = str(self.spec_path)

    @property
    def distributes(self) -> bool:
        """Whether this is an xdist controller (known only once xdist has configured)."""
        return self.config.pluginmanager.has_plugin("dsession")

    # -- recording -------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Test outcomes, recorded where the test ran: that process knows the secrets to mask.

        An xdist controller sees every report too; its record only counts for tests whose
        worker wrote none (the worker crashed), see `Recorder.merge`.
        """
        nodeid = _check_id(report)
        known = self.recorder.checks.get(nodeid)
        message = known.message if known else ""
        if report.failed or (report.skipped and not message):
            message = mask_secrets(_message(report))[:MESSAGE_LIMIT]
        if self.distributes and not _WORKER_CRASH.match(message):
            message = ""  # the worker's record has the text, masked with the worker's secrets
        self.recorder.check(
            CheckResult(
                nodeid=nodeid,
                outcome=_outcome(report, known.outcome if known else "passed"),
                duration_s=(known.duration_s if known else 0.0) + report.duration,
                message=message,
            )
        )

    def pytest_runtest_logfinish(self) -> None:
        if self.is_worker and self.recorder.dirty:
            self.write_part()

    # -- writing ---------------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)  # before xdist tells the controller this worker is done
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self._unsubscribe()
        self.findings.close()
        if not self.is_worker:
            ended = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
            processes = 1 + len(list(self.parts_dir.glob("part-gw*.json")))
            run = self.run_info(ended or bool(session.shouldstop), int(exitstatus), processes)
            self.recorder.runs.append(run)
        self.write_part()
        if self.is_worker:
            return
        self.report = with_history(
            report_from_parts([self.parts_dir], self.spec_path, self.gates),
            self.out_dir / HISTORY_FILE,
        )
        write_report(self.report, self.out_dir)
        failing = self.report.finding_count or self.report.gates_failed
        if failing and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # findings, no-go gates fail it

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.report is None:
            return
        verdict = self.report.verdict.value.upper()
        terminalreporter.write_sep("-", "loomio-parity report")
        terminalreporter.write_line(
            f"{verdict}: {self.report.finding_count} findings{latency_note(self.report)}; "
            f"report: {self.out_dir / 'index.html'}"
        )

    def write_part(self) -> None:
        """This process' record as `parts/part-<id>.json` (atomic: never read half-written)."""
        write_atomic(self.parts_dir / f"part-{self.worker_id}.json", self.recorder.to_json())
        self.recorder.dirty = False

    def _configured_backends(self) -> dict[str, str]:
        """How each side was reached, from the harness configuration (when it is loaded)."""
        # Imported here: importing a plugin module before pytest registers it would keep
        # pytest from rewriting its asserts (a warning, an error under -W error).
        from harness.plugins.options import CONFIG_KEY

        if CONFIG_KEY not in self.config.stash:
            return {}
        described = {}
        for side in self.config.stash[CONFIG_KEY].sides:
            where = side.url or side.image or side.cmd or "reference backend"
            faults = f" with faults {', '.join(side.faults)}" if side.faults else ""
            ported = f"; ported: {side.ported} ({side.ported_mode})" if side.ported else ""
            described[side.name] = redact(f"{side.mode}: {where}{faults}{ported}")
        return described

    def run_info(self, interrupted: bool, exit_status: int, processes: int) -> RunInfo:
        option = self.config.getoption
        seed = option("hypothesis_seed", None)
        return RunInfo(
            started_at=self.started_at,
            duration_s=time.monotonic() - self.started,
            profile=str(option("hypothesis_profile", None) or "default")
            + (" (derandomized)" if option("derandomize", False) else ""),
            seeds=tuple(sorted({*self.recorder.seeds, *([str(seed)] if seed else [])})),
            versions=(("python", sys.version.split()[0]), *_versions()),
            backends=tuple(
                sorted({**self._configured_backends(), **self.recorder.backends}.items())
            ),
            command=redact_command(["pytest", *self.config.invocation_params.args]),
            processes=processes,
            interrupted=interrupted,
            exit_status=exit_status,
            routes=self._routes(),
        )

    def _routes(self) -> tuple[tuple[str, str], ...]:
        """A partial port's routing, per operation of the spec (none without a manifest)."""
        from harness.plugins.options import CONFIG_KEY  # see _configured_backends

        config = self.config.stash.get(CONFIG_KEY, None)
        if config is None or config.go.ported is None or not self.spec_path.is_file():
            return ()
        from harness.report.coverage import declared_operations
        from harness.routing.manifest import load_manifest, targets_of

        spec = parse_yaml(self.spec_path.read_text(encoding="utf-8"))
        targets = targets_of(load_manifest(config.go.ported), declared_operations(spec))
        return tuple(sorted((op, target.label) for op, target in targets.items()))


def latency_note(report: Report) -> str:
    """`, go/rails 1.02 [0.99, 1.05], gates no-go: go p95` for a summary line."""
    note = ""
    if report.latency and report.latency.overall.ratio:
        r = report.latency.overall.ratio
        note += f", go/rails {r.estimate:.2f} [{r.low:.2f}, {r.high:.2f}]"
    latency_gates = [g.name for g in report.gates_failed if g.name != "contract pass"]
    if latency_gates:  # the contract gate fails exactly when findings or checks do
        note += ", gates no-go: " + ", ".join(latency_gates)
    return note


def mask_secrets(text: str) -> str:
    """A test's failure text with the report's redaction and every secret this process
    registered (actor passwords live only in the worker that seeded them)."""
    return redact(text)


def _check_id(report: pytest.TestReport) -> str:
    """The test's node id; a subtest's adds its description: `…::test_x[go] [GET /a]`."""
    context = getattr(report, "context", None)  # pytest's SubtestReport
    if context is None:
        return report.nodeid
    kwargs = ", ".join(f"{k}={v}" for k, v in (context.kwargs or {}).items())
    parts = [f"[{context.msg}]" if context.msg is not None else "", f"({kwargs})" if kwargs else ""]
    return f"{report.nodeid} {' '.join(p for p in parts if p) or '(subtest)'}"


def _outcome(report: pytest.TestReport, so_far: str) -> str:
    if report.when == "call":
        return report.outcome
    if report.failed:
        return "error"  # setup or teardown failed
    return "skipped" if report.skipped else so_far


def _message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2])  # (file, line, "Skipped: reason")
    return report.longreprtext


def _versions() -> Iterator[tuple[str, str]]:
    for name in VERSIONS:
        try:
            yield name, metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
