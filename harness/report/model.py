"""The typed input of the report: everything `render_report` shows, and nothing else.

Built at the end of a run from the merged findings, observations and test outcomes
(see `harness.report.plugin`), or in a test by hand. Frozen and tuple-based, so a
`Report` is a value: the same report renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from harness.findings import Finding
from harness.gates import GateResult
from harness.latency import LatencySummary
from harness.noise import NoiseField
from harness.report.channels import ChannelSummary

if TYPE_CHECKING:  # porting builds on coverage, which builds on this module; the matrix
    # builds its rows from plain data; report.live on the recorder: only for the annotations
    from harness.report.abilities import AbilityMatrix
    from harness.report.live import LiveUpdates
    from harness.report.parameter_coverage import ParameterCoverage
    from harness.report.permission_cells import PermissionCells
    from harness.report.porting import Porting
    from harness.report.transitions import TransitionCoverage


class Verdict(Enum):
    """PASS only when the run completed and found nothing."""

    PASS = "pass"
    FAIL = "fail"
    INCOMPLETE = "incomplete"  # nothing found, but the run did not really run (see verdict)


def share(part: int, whole: int) -> float | None:
    """part/whole, or None when there is nothing to cover (shown as "n/a", not 100%)."""
    return part / whole if whole else None


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusCoverage:
    """One status code of one operation: documented in the spec, and how often it was seen."""

    status: str
    documented: bool
    seen: int


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationCoverage:
    """One documented operation on one backend.

    Properties are JSON Pointer templates prefixed by the status they belong to:
    `200 /discussions/*/title` (`*` an array item, `{key}` a map key).
    """

    method: str
    path: str
    operation_id: str
    requests: int
    statuses: tuple[StatusCoverage, ...]
    declared: tuple[str, ...]
    observed: tuple[str, ...]  # declared properties seen in at least one response
    undeclared: tuple[str, ...]  # seen in a response, absent from the spec

    @property
    def exercised(self) -> bool:
        return self.requests > 0

    @property
    def missed(self) -> tuple[str, ...]:
        seen = set(self.observed)
        return tuple(p for p in self.declared if p not in seen)

    @property
    def property_share(self) -> float | None:
        return share(len(self.observed), len(self.declared))

    @property
    def statuses_documented(self) -> int:
        return sum(1 for s in self.statuses if s.documented)

    @property
    def statuses_covered(self) -> int:
        return sum(1 for s in self.statuses if s.documented and s.seen)

    @property
    def statuses_undocumented(self) -> tuple[str, ...]:
        return tuple(s.status for s in self.statuses if s.seen and not s.documented)


@dataclass(frozen=True, slots=True, kw_only=True)
class UnmatchedRequests:
    """Requests whose method and path match no operation of the spec."""

    method: str
    path: str
    requests: int


@dataclass(frozen=True, slots=True, kw_only=True)
class BackendCoverage:
    """The spec's operations as exercised on one backend (`rails` or `go`)."""

    backend: str
    operations: tuple[OperationCoverage, ...]
    unmatched: tuple[UnmatchedRequests, ...] = ()

    @property
    def requests(self) -> int:
        return sum(o.requests for o in self.operations) + sum(u.requests for u in self.unmatched)

    @property
    def exercised(self) -> int:
        return sum(1 for o in self.operations if o.exercised)

    @property
    def operation_share(self) -> float | None:
        return share(self.exercised, len(self.operations))

    @property
    def statuses_documented(self) -> int:
        return sum(o.statuses_documented for o in self.operations)

    @property
    def statuses_covered(self) -> int:
        return sum(o.statuses_covered for o in self.operations)

    @property
    def status_share(self) -> float | None:
        return share(self.statuses_covered, self.statuses_documented)

    @property
    def statuses_undocumented(self) -> int:
        return sum(len(o.statuses_undocumented) for o in self.operations)

    @property
    def properties_declared(self) -> int:
        return sum(len(o.declared) for o in self.operations)

    @property
    def properties_observed(self) -> int:
        return sum(len(o.observed) for o in self.operations)

    @property
    def property_share(self) -> float | None:
        return share(self.properties_observed, self.properties_declared)


@dataclass(frozen=True, slots=True, kw_only=True)
class FindingGroup:
    """Findings with one kind, check, operation and title (`value at /discussions/*/title`).

    Findings of one group differ only by the record they were found on; the first one is
    shown in full, the others by their detail and repro.
    """

    kind: str
    check: str
    operation: str
    title: str
    findings: tuple[Finding, ...]

    @property
    def key(self) -> str:
        return " ".join(p for p in (self.kind, self.check, self.operation, self.title) if p)

    @property
    def first(self) -> Finding:
        return self.findings[0]


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckResult:
    """One pytest test (a check) as it ended: passed, failed, skipped or error."""

    nodeid: str
    outcome: str
    duration_s: float = 0.0
    message: str = ""

    @property
    def suite(self) -> str:
        """`properties/test_tallies.py::test_x[rails]` -> `properties/tallies`."""
        path = self.nodeid.split("::", 1)[0]
        folder, _, name = path.rpartition("/")
        stem = name.removesuffix(".py").removeprefix("test_")
        return f"{folder.rsplit('/', 1)[-1]}/{stem}" if folder else stem


@dataclass(frozen=True, slots=True, kw_only=True)
class SuiteResult:
    """The tests of one suite file, counted, plus the figures the suite recorded.

    `metrics` come from `ReportRecorder.metric` (e.g. `("permission cells", 64)`).
    """

    suite: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    errors: int = 0
    duration_s: float = 0.0
    metrics: tuple[tuple[str, float], ...] = ()

    @property
    def ok(self) -> bool:
        return not (self.failed or self.errors)


DATA_SUITE = "contracts/data-parity"  # the figures harness/data_check.py records
DATA_NOISE_PREFIX = "data "  # its noise patterns: `data /users/*/last_seen_at`
DATA_SKIPPED = "skipped: "  # a figure naming why the databases were not compared


@dataclass(frozen=True, slots=True, kw_only=True)
class DataParitySummary:
    """The data-parity section: what was compared, what was left out and why, what broke."""

    figures: tuple[tuple[str, float], ...]
    skipped: tuple[str, ...]  # why a side's database was not compared
    noise: tuple[NoiseField, ...]  # columns that may differ legitimately (learned, declared)
    differences: int  # findings of the row comparison
    violations: int  # findings of Loomio's invariants


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionIssue:
    """An attribute left untyped or a construct the extractor cannot read, with its place."""

    loc: str  # `app/serializers/user_serializer.rb:14`
    kind: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ExtractionSummary:
    """What `parity extract` wrote in spec/extraction-report.json, as the report shows it."""

    counts: tuple[tuple[str, int], ...] = ()
    shares: tuple[tuple[str, float], ...] = ()
    issues: tuple[ExtractionIssue, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RunInfo:
    """Run metadata: what ran, where, with which seeds, and how long."""

    started_at: str = ""
    duration_s: float = 0.0
    profile: str = ""
    seeds: tuple[str, ...] = ()
    versions: tuple[tuple[str, str], ...] = ()  # ("loomio-parity", "0.1.0"), ("rails", image…)
    backends: tuple[tuple[str, str], ...] = ()  # ("rails", "http://127.0.0.1:3000")
    command: str = ""
    processes: int = 1  # pytest processes whose records were merged (xdist workers, shards)
    interrupted: bool = False
    exit_status: int = 0
    routes: tuple[tuple[str, str], ...] = ()  # a partial port: (operationId, "go"/"rails"/…)


def combine_runs(runs: Iterable[RunInfo]) -> RunInfo:
    """Shards of one run (a CI matrix) as one: first start, longest, any interruption."""
    runs = sorted(runs, key=lambda r: r.started_at)
    if not runs:
        return RunInfo()
    return RunInfo(
        started_at=runs[0].started_at,
        duration_s=max(r.duration_s for r in runs),
        profile=",".join(sorted({r.profile for r in runs if r.profile})),
        seeds=tuple(sorted({s for r in runs for s in r.seeds})),
        versions=runs[0].versions,
        backends=tuple(sorted({b for r in runs for b in r.backends})),
        command=" ; ".join(r.command for r in runs),
        processes=sum(r.processes for r in runs),
        interrupted=any(r.interrupted for r in runs),
        exit_status=max(r.exit_status for r in runs),
        routes=tuple(sorted({route for r in runs for route in r.routes})),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class SetAside:
    """Failures a suite did not make findings, and why (`characterization`: the reference
    answers the same case the same way; `known`: a declared entry matched them; `stale
    known`: a declared entry that matched nothing in this run)."""

    suite: str
    category: str
    subject: str
    reason: str
    count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """The whole report. `verdict` is derived: no field can contradict the findings."""

    findings: tuple[FindingGroup, ...] = ()
    coverage: tuple[BackendCoverage, ...] = ()
    suites: tuple[SuiteResult, ...] = ()
    checks: tuple[CheckResult, ...] = ()
    noise: tuple[NoiseField, ...] = ()
    set_aside: tuple[SetAside, ...] = ()
    extraction: ExtractionSummary | None = None
    channels: ChannelSummary | None = None  # the channel suite's section, when it ran
    run: RunInfo = RunInfo()
    porting: Porting | None = None  # a partial port's progress (harness.report.porting)
    abilities: AbilityMatrix | None = None  # spec/abilities.yaml x the permission suite
    permission_cells: PermissionCells | None = None  # the decision table's cells exercised
    latency: LatencySummary | None = None  # paired latency go/rails (harness.latency)
    gates: tuple[GateResult, ...] = ()  # rollout gates on this run (harness.gates)
    source: str = "pytest"  # what produced the findings: pytest, shadow, replay
    live: LiveUpdates | None = None  # the lockstep's publication capture (report.live)
    parameters: ParameterCoverage | None = None  # declared parameters sent / effective
    transitions: TransitionCoverage | None = None  # state changes made / refused, per backend

    @property
    def finding_count(self) -> int:
        return sum(len(g.findings) for g in self.findings)

    @property
    def failed_checks(self) -> int:
        return sum(1 for c in self.checks if c.outcome in {"failed", "error"})

    @property
    def gates_failed(self) -> tuple[GateResult, ...]:
        return tuple(g for g in self.gates if g.go is False)

    @property
    def verdict(self) -> Verdict:
        """FAIL on any finding, failed check or no-go gate; INCOMPLETE when the run did not
        really run (interrupted, every check skipped, pytest ended with a usage or internal
        error)."""
        if self.findings or self.failed_checks or self.gates_failed:
            return Verdict.FAIL
        return Verdict.INCOMPLETE if self.why_incomplete else Verdict.PASS

    @property
    def why_incomplete(self) -> str:
        """Why the run cannot vouch for the backends, or "" when it can."""
        if self.run.interrupted:
            return "run interrupted: partial report"
        if self.checks and all(c.outcome == "skipped" for c in self.checks):
            return "every check was skipped"
        if self.run.exit_status not in (0, 1):
            return f"pytest ended with exit status {self.run.exit_status}"
        return ""

    @property
    def operation_rows(self) -> tuple[tuple[str, tuple[OperationCoverage, ...]], ...]:
        """`GET /api/v1/groups/{id}` with its coverage on each backend, side by side."""
        if not self.coverage:
            return ()
        rows = zip(*(c.operations for c in self.coverage), strict=True)
        return tuple((f"{ops[0].method} {ops[0].path}", ops) for ops in rows)

    @property
    def findings_by_kind(self) -> tuple[tuple[str, tuple[FindingGroup, ...]], ...]:
        """The groups under their kind, kinds in the order of `group_findings`."""
        by_kind: dict[str, list[FindingGroup]] = {}
        for group in self.findings:
            by_kind.setdefault(group.kind, []).append(group)
        return tuple((kind, tuple(groups)) for kind, groups in by_kind.items())

    @property
    def data_parity(self) -> DataParitySummary | None:
        """The data-parity section, or None when no run compared or skipped databases."""
        suite = next((s for s in self.suites if s.suite == DATA_SUITE), None)
        if suite is None:
            return None
        data = [f for g in self.findings if g.kind == "data" for f in g.findings]
        invariants = sum(1 for f in data if f.check == "data_invariant")
        return DataParitySummary(
            figures=tuple(m for m in suite.metrics if not m[0].startswith(DATA_SKIPPED)),
            skipped=tuple(
                m[0].removeprefix(DATA_SKIPPED)
                for m in suite.metrics
                if m[0].startswith(DATA_SKIPPED)
            ),
            noise=tuple(n for n in self.noise if n.pattern.startswith(DATA_NOISE_PREFIX)),
            differences=len(data) - invariants,
            violations=invariants,
        )

    @property
    def kinds(self) -> tuple[tuple[str, int], ...]:
        """Finding counts by kind, in order of first appearance."""
        counts: dict[str, int] = {}
        for group in self.findings:
            counts[group.kind] = counts.get(group.kind, 0) + len(group.findings)
        return tuple(counts.items())


# What QA reads first: a dead backend, then the two backends disagreeing, then Loomio's
# rules broken, then one backend against the spec.
KIND_ORDER = (
    "backend_failure",
    "differential",
    "data",
    "channel",
    "permission",
    "tally",
    "threading",
)


def group_findings(findings: Iterable[Finding]) -> tuple[FindingGroup, ...]:
    """Findings grouped by kind, check, operation and title; most urgent kinds first."""
    groups: dict[tuple[str, str, str, str], list[Finding]] = {}
    for f in findings:
        groups.setdefault((str(f.kind), f.check, f.operation, f.title), []).append(f)
    return tuple(
        FindingGroup(kind=kind, check=check, operation=op, title=title, findings=tuple(found))
        for (kind, check, op, title), found in sorted(groups.items(), key=_urgency)
    )


def _urgency(item: tuple[tuple[str, str, str, str], list[Finding]]) -> tuple[int, tuple[str, ...]]:
    key = item[0]
    rank = KIND_ORDER.index(key[0]) if key[0] in KIND_ORDER else len(KIND_ORDER)
    return rank, key
