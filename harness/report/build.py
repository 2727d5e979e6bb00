"""Merged records -> `Report` (pure): the one place that decides what the report says."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from harness.findings import Finding
from harness.gates import ContractTally, Gates, evaluate
from harness.latency import summarize
from harness.report.abilities import (
    BUILDABLE,
    OBSERVED,
    REACHABLE,
    SUITE,
    AbilityMatrix,
    build_matrix,
)
from harness.report.channels import LATENCY_PREFIX, channel_summary
from harness.report.coverage import compute_coverage
from harness.report.live import live_updates
from harness.report.model import (
    BackendCoverage,
    CheckResult,
    ExtractionIssue,
    ExtractionSummary,
    Report,
    RunInfo,
    SetAside,
    SuiteResult,
    group_findings,
)
from harness.report.parameter_coverage import compute_parameter_coverage
from harness.report.permission_cells import PERMISSION_CELLS, TABLE_SIZES, compute_permission_cells
from harness.report.porting import Porting, build_porting
from harness.report.recorder import Recorder
from harness.report.transitions import compute_transition_coverage

BACKENDS = ("rails", "go")
LOCKSTEP, COMPARED = "contracts/differential", "operations compared"  # the lockstep's record


def build_report(
    record: Recorder,
    findings: Iterable[Finding],
    *,
    spec: Mapping[str, Any] | None,
    extraction: Mapping[str, Any] | None = None,
    run: RunInfo | None = None,
    abilities: Mapping[str, Any] | None = None,
    gates: Gates | None = None,
) -> Report:
    """The report of a run from what its processes recorded and the findings they wrote."""
    observed = {o.backend for o in record.observations.values()}
    backends = [b for b in BACKENDS if b in observed or b in record.backends]
    backends += sorted(observed - set(backends))
    checks = tuple(sorted(record.checks.values(), key=lambda c: c.nodeid))
    findings = tuple(findings)
    coverage = compute_coverage(spec, record.observations.values(), backends) if spec else ()
    run = run or RunInfo()
    latency = summarize(record.pairs)
    ran = [c for c in checks if c.outcome != "skipped"]
    tally = ContractTally(
        passed=sum(1 for c in ran if c.outcome == "passed"),
        total=len(ran),
        findings=len(findings),
        unit="checks",
    )
    return Report(
        findings=group_findings(findings),
        coverage=coverage,
        suites=suite_results(checks, record.figures()),
        checks=checks,
        noise=tuple(sorted(record.noise.values(), key=lambda f: (f.source, f.key))),
        set_aside=set_aside(record),
        extraction=extraction_summary(extraction) if extraction else None,
        channels=channel_summary(record.figures()),
        run=run,
        porting=_porting(spec, run, findings, coverage, record) if spec and run.routes else None,
        abilities=ability_matrix(abilities, spec, record),
        permission_cells=compute_permission_cells(
            record.distinct.get((SUITE, TABLE_SIZES), set()),
            record.distinct.get((SUITE, PERMISSION_CELLS), set()),
        ),
        latency=latency,
        gates=evaluate(gates or Gates(), tally, latency),
        live=live_updates(record, findings),
        parameters=compute_parameter_coverage(spec, record.parameters, backends) if spec else None,
        transitions=(
            compute_transition_coverage(spec, record.observations.values(), backends)
            if spec and record.observations
            else None
        ),
    )


def ability_matrix(
    abilities: Mapping[str, Any] | None, spec: Mapping[str, Any] | None, record: Recorder
) -> AbilityMatrix | None:
    """The matrix when the spec comes with spec/abilities.yaml (`parity extract` writes it)."""
    if not abilities or not spec:
        return None
    return build_matrix(
        abilities,
        spec,
        record.distinct.get((SUITE, OBSERVED), set()),
        record.distinct.get((SUITE, REACHABLE), set()),
        record.distinct.get((SUITE, BUILDABLE), set()),
    )


def _porting(
    spec: Mapping[str, Any],
    run: RunInfo,
    findings: tuple[Finding, ...],
    coverage: tuple[BackendCoverage, ...],
    record: Recorder,
) -> Porting:
    go = next((c for c in coverage if c.backend == "go"), None)
    go_requests = {o.operation_id: o.requests for o in go.operations} if go else {}
    compared = record.distinct.get((LOCKSTEP, COMPARED), set())
    return build_porting(
        spec, dict(run.routes), findings, go_requests, (json.loads(c) for c in compared)
    )


def set_aside(record: Recorder) -> tuple[SetAside, ...]:
    """What suites did not make findings, with why; a known entry used nowhere is stale."""
    rows = [
        SetAside(
            suite=suite,
            category="stale known" if category == "known" and n == 0 else category,
            subject=subject,
            reason=reason,
            count=int(n),
        )
        for (suite, category, subject, reason), n in record.set_aside.items()
    ]
    return tuple(sorted(rows, key=lambda r: (r.suite, r.category, -r.count, r.subject)))


def suite_results(
    checks: Iterable[CheckResult], figures: Mapping[str, list[tuple[str, float]]]
) -> tuple[SuiteResult, ...]:
    """Tests counted per suite file, with the figures each suite recorded."""
    tally: dict[str, dict[str, float]] = {name: {} for name in figures}
    for check in checks:
        counts = tally.setdefault(check.suite, {})
        counts[check.outcome] = counts.get(check.outcome, 0) + 1
        counts["time"] = counts.get("time", 0) + check.duration_s
    return tuple(
        SuiteResult(
            suite=name,
            passed=int(c.get("passed", 0)),
            failed=int(c.get("failed", 0)),
            skipped=int(c.get("skipped", 0)),
            errors=int(c.get("error", 0)),
            duration_s=c.get("time", 0.0),
            metrics=tuple(
                m
                for m in figures.get(name, ())
                if not m[0].startswith(LATENCY_PREFIX) and m[0] != TABLE_SIZES  # sizes, not counts
            ),
        )
        for name, c in sorted(tally.items())
    )


def extraction_summary(data: Mapping[str, Any]) -> ExtractionSummary:
    """spec/extraction-report.json (`parity extract`) as the report shows it."""
    summary = data.get("summary") or {}
    numbers = {k.replace("_", " "): v for k, v in summary.items() if not isinstance(v, bool)}
    issues = [_issue(item) for item in data.get("diagnostics") or ()]
    issues += [
        _issue(item, f", resolved by {item.get('override', 'an override')}")
        for item in data.get("resolved_by_override") or ()
    ]
    return ExtractionSummary(
        counts=tuple((k, v) for k, v in numbers.items() if isinstance(v, int)),
        shares=tuple((k, v) for k, v in numbers.items() if isinstance(v, float)),
        issues=tuple(sorted(issues, key=lambda i: (i.kind, i.loc))),
    )


def _issue(item: Mapping[str, Any], note: str = "") -> ExtractionIssue:
    return ExtractionIssue(
        loc=str(item.get("where", "?")),
        kind=f"{item.get('kind', '?')}{note}",
        message=str(item.get("message", "")),
    )
