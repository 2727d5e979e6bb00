"""Rollout gates: go / no-go on a run's measured values (pure).

The defaults are the plan's (shared/loomio/rollout.md): contract tests pass 100 %, candidate
(go) p95 <= 100 ms, the latency ratio go/rails no worse than the Rails baseline (upper bound
of its 95 % interval <= 1.0), 5xx rate <= 1 %. Set them with `--gate NAME=VALUE` (repeatable)
or a `[tool.parity.gates]` table in pyproject.toml; the option wins.

`ratio_tolerance`: two identical builds on one machine measure a ratio of 1.00 whose
interval straddles 1.0, so a bare "upper bound <= 1.0" would fail an identical candidate
almost every time (its upper bound is above 1.0 with probability ~97.5 %). The gate compares
the upper bound with `latency_ratio * (1 + ratio_tolerance)`; the default 5 % is about this
machine's run-to-run resolution (bench/README.md). `--gate ratio_tolerance=0` is the strict
reading. The ratio is gated over all pairs (upper bound) and for each operation with at
least `min_pairs` pairs: no operation may be significantly slower than the limit (its
family-wise interval, harness.latency, wholly above it). A pooled median barely moves when
one endpoint of twenty is slow; the per-operation test catches it, and the family-wise
level keeps thirty operations from raising false alarms.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.latency import LatencySummary


class GateError(HarnessError):
    """A gate option that cannot be read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Gates:
    """Thresholds; every gate is evaluated on every run that measured what it needs."""

    contract_pass: float = 1.0  # share of checks (or compared endpoints) without a finding
    candidate_p95_ms: float = 100.0
    latency_ratio: float = 1.0  # upper bound of the go/rails ratio's interval
    ratio_tolerance: float = 0.05
    error_rate_5xx: float = 0.01  # share of paired requests only go failed (5xx, no answer)
    min_pairs: int = 30  # an operation with fewer pairs is not gated on its own


@dataclass(frozen=True, slots=True, kw_only=True)
class GateResult:
    """One gate: its threshold and measured value as text, and the decision."""

    name: str
    threshold: str
    measured: str
    go: bool | None  # None: nothing measured (shown as n/a, never fails)

    @property
    def decision(self) -> str:
        return "n/a" if self.go is None else ("go" if self.go else "no-go")


@dataclass(frozen=True, slots=True, kw_only=True)
class ContractTally:
    """What the contract gate counts: units passed of units run, and findings."""

    passed: int
    total: int
    findings: int
    unit: str  # "checks" (a pytest run) or "endpoints" (shadow, replay)


def parse_gates(items: Sequence[str], table: Mapping[str, Any] | None = None) -> Gates:
    """Gates from `[tool.parity.gates]` then `NAME=VALUE` options; errors name the bad one."""
    gates = Gates()
    known = {f.name: f.type for f in fields(Gates)}
    pairs = [(str(k), v, f"[tool.parity.gates] {k}") for k, v in (table or {}).items()]
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise GateError(f"--gate {item!r}: write NAME=VALUE, e.g. --gate candidate_p95_ms=150")
        pairs.append((name.strip(), value.strip(), f"--gate {item}"))
    for name, value, where in pairs:
        if name not in known:
            raise GateError(f"{where}: unknown gate {name!r}; gates: {', '.join(sorted(known))}")
        try:
            number = int(value) if known[name] == "int" else float(value)
        except (TypeError, ValueError):
            raise GateError(f"{where}: {value!r} is not a number") from None
        gates = replace(gates, **{name: number})  # type: ignore[arg-type]  # typed by `known`
    return gates


def load_gates(items: Sequence[str], pyproject: Path) -> Gates:
    """`[tool.parity.gates]` of `pyproject` (when it exists), overridden by `--gate` items."""
    table: Mapping[str, Any] = {}
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise GateError(f"{pyproject}: {exc}") from None
        table = data.get("tool", {}).get("parity", {}).get("gates", {})
    return parse_gates(items, table)


def evaluate(
    gates: Gates, contract: ContractTally, latency: LatencySummary | None
) -> tuple[GateResult, ...]:
    """Each gate's decision on what the run measured."""
    return (
        _contract(gates, contract),
        _p95(gates, latency),
        _ratio(gates, latency),
        _errors(gates, latency),
    )


def verdict(results: Iterable[GateResult]) -> bool:
    """Go when no gate says no-go."""
    return all(r.go is not False for r in results)


def _contract(gates: Gates, tally: ContractTally) -> GateResult:
    threshold = f">= {gates.contract_pass:.0%}"
    if tally.total == 0 and tally.findings == 0:
        return GateResult(name="contract pass", threshold=threshold, measured="n/a", go=None)
    share = tally.passed / tally.total if tally.total else 0.0
    measured = (
        f"{share:.1%} ({tally.passed} of {tally.total} {tally.unit}; {tally.findings} findings)"
    )
    ok = share >= gates.contract_pass and (gates.contract_pass < 1.0 or tally.findings == 0)
    return GateResult(name="contract pass", threshold=threshold, measured=measured, go=ok)


def _p95(gates: Gates, latency: LatencySummary | None) -> GateResult:
    threshold = f"<= {gates.candidate_p95_ms:g} ms"
    if latency is None:
        return GateResult(name="go p95", threshold=threshold, measured="n/a", go=None)
    p95 = latency.overall.go.p95
    return GateResult(
        name="go p95",
        threshold=threshold,
        measured=f"{p95:.1f} ms ({latency.overall.pairs} requests)",
        go=p95 <= gates.candidate_p95_ms,
    )


def _ratio(gates: Gates, latency: LatencySummary | None) -> GateResult:
    """Overall: the upper bound of the interval within the limit (go as fast as rails).
    Per operation (>= min_pairs pairs): none significantly slower than the limit, i.e. no
    family-wise interval wholly above it (one slow endpoint barely moves a pooled median)."""
    limit = gates.latency_ratio * (1 + gates.ratio_tolerance)
    threshold = f"upper CI <= {gates.latency_ratio:g}" + (
        f" (+{gates.ratio_tolerance:.0%} tolerance: {limit:.3f})" if gates.ratio_tolerance else ""
    )
    threshold += "; no operation's family-wise CI above it"
    name = "latency ratio go/rails"
    overall = latency.overall.ratio if latency else None
    if latency is None or overall is None:
        return GateResult(name=name, threshold=threshold, measured="n/a", go=None)
    slower = [
        r
        for r in latency.operations
        if r.ratio_family and r.pairs >= gates.min_pairs and r.ratio_family.low > limit
    ]
    measured = f"{overall.estimate:.3f} [{overall.low:.3f}, {overall.high:.3f}] overall"
    measured += "".join(
        f"; {r.operation} {r.ratio_family.estimate:.2f} [{r.ratio_family.low:.2f}, "
        f"{r.ratio_family.high:.2f}] ({r.pairs} pairs)"
        for r in slower
        if r.ratio_family
    )
    return GateResult(
        name=name, threshold=threshold, measured=measured, go=overall.high <= limit and not slower
    )


def _errors(gates: Gates, latency: LatencySummary | None) -> GateResult:
    threshold = f"<= {gates.error_rate_5xx:.1%}"
    if latency is None:
        return GateResult(name="go 5xx rate", threshold=threshold, measured="n/a", go=None)
    overall = latency.overall
    return GateResult(
        name="go 5xx rate",
        threshold=threshold,
        measured=(
            f"{overall.go_only_5xx:.2%} where rails did not fail (go {overall.go.rate_5xx:.2%}, "
            f"rails {overall.rails.rate_5xx:.2%})"
        ),
        go=overall.go_only_5xx <= gates.error_rate_5xx,
    )
