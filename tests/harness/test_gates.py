"""Rollout gates: thresholds from options and pyproject, decisions on measured values."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.gates import (
    ContractTally,
    GateError,
    Gates,
    evaluate,
    load_gates,
    parse_gates,
    verdict,
)
from harness.latency import Pair, summarize

CLEAN = ContractTally(passed=10, total=10, findings=0, unit="checks")


def test_defaults_are_the_plans() -> None:
    assert parse_gates([]) == Gates(
        contract_pass=1.0, candidate_p95_ms=100.0, latency_ratio=1.0, error_rate_5xx=0.01
    )


def test_option_overrides_the_pyproject_table(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text("[tool.parity.gates]\ncandidate_p95_ms = 150\nmin_pairs = 5\n")
    gates = load_gates(["candidate_p95_ms=80"], pyproject)
    assert gates.candidate_p95_ms == 80 and gates.min_pairs == 5


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("p95", "write NAME=VALUE"),
        ("speed=3", "unknown gate 'speed'"),
        ("candidate_p95_ms=fast", "'fast' is not a number"),
    ],
)
def test_a_bad_gate_names_itself(item: str, message: str) -> None:
    with pytest.raises(GateError, match=message):
        parse_gates([item])


def latency(rails: float, go: float, n: int = 40, status: int = 200):  # type: ignore[no-untyped-def]
    return summarize(
        [
            Pair(
                operation="GET /a",
                rails_ms=rails * (1 + 0.02 * (i % 5)),
                go_ms=go * (1 + 0.02 * ((i * 2) % 5)),
                rails_status=200,
                go_status=status if i == 0 else 200,
            )
            for i in range(n)
        ]
    )


def decisions(results) -> dict[str, bool | None]:  # type: ignore[no-untyped-def]
    return {r.name: r.go for r in results}


def test_a_clean_fast_run_is_go() -> None:
    results = evaluate(Gates(), CLEAN, latency(5, 5))
    assert verdict(results), results
    assert set(decisions(results).values()) == {True}


def test_a_go_side_twice_as_slow_fails_the_ratio_gate_only() -> None:
    results = decisions(evaluate(Gates(), CLEAN, latency(5, 10)))
    assert results == {
        "contract pass": True,
        "go p95": True,
        "latency ratio go/rails": False,
        "go 5xx rate": True,
    }


def test_slow_and_failing_go() -> None:
    results = decisions(evaluate(Gates(), CLEAN, latency(150, 150, status=500)))
    assert results["go p95"] is False and results["go 5xx rate"] is False


def erring(rails_status: int, go_status: int, every: int = 20):  # type: ignore[no-untyped-def]
    """40 pairs; every `every`-th answered with these statuses (5 % of them at 20)."""
    return summarize(
        [
            Pair(
                operation="GET /events",
                rails_ms=10.0,
                go_ms=10.0,
                rails_status=rails_status if i % every == 0 else 200,
                go_status=go_status if i % every == 0 else 200,
            )
            for i in range(40)
        ]
    )


def test_a_500_rails_gives_too_is_parity_not_a_go_error() -> None:
    # the suites send Loomio's own 500s on purpose (an unbounded position_key read)
    both = evaluate(Gates(), CLEAN, erring(500, 500))
    assert decisions(both)["go 5xx rate"] is True
    measured = next(r.measured for r in both if r.name == "go 5xx rate")
    assert measured == "0.00% where rails did not fail (go 5.00%, rails 5.00%)"


@pytest.mark.parametrize("go_status", [500, 503, 0])
def test_a_5xx_or_no_answer_only_go_gives_is_no_go(go_status: int) -> None:
    assert decisions(evaluate(Gates(), CLEAN, erring(200, go_status)))["go 5xx rate"] is False
    assert decisions(evaluate(Gates(), CLEAN, erring(404, go_status)))["go 5xx rate"] is False


def test_a_finding_fails_the_contract_gate() -> None:
    results = evaluate(Gates(), ContractTally(passed=10, total=10, findings=1, unit="checks"), None)
    assert decisions(results)["contract pass"] is False
    assert not verdict(results)


def test_nothing_measured_is_not_applicable_and_never_fails() -> None:
    results = evaluate(Gates(), ContractTally(passed=0, total=0, findings=0, unit="checks"), None)
    assert {r.decision for r in results} == {"n/a"} and verdict(results)


def test_one_slow_operation_among_many_is_no_go_though_the_pooled_ratio_is_not() -> None:
    fast = [
        Pair(
            operation=f"GET /op{k}",
            rails_ms=10 + i % 5,
            go_ms=10 + (i * 3) % 5,
            rails_status=200,
            go_status=200,
        )
        for k in range(9)
        for i in range(40)
    ]
    slow = [
        Pair(
            operation="GET /slow",
            rails_ms=10 + i % 5,
            go_ms=60 + i % 5,
            rails_status=200,
            go_status=200,
        )
        for i in range(40)
    ]
    summary = summarize(fast + slow)
    assert summary is not None and summary.overall.ratio is not None
    assert summary.overall.ratio.high < 1.05  # the pooled median does not see it
    result = decisions(evaluate(Gates(), CLEAN, summary))
    assert result["latency ratio go/rails"] is False


def _operation(name: str, go_factor: float, n: int, spread: float) -> list[Pair]:
    """`n` pairs whose go/rails ratios spread evenly over go_factor * [1 - s, 1 + s]."""
    return [
        Pair(
            operation=name,
            rails_ms=10.0,
            go_ms=10.0 * go_factor * (1 - spread + 2 * spread * i / (n - 1)),
            rails_status=200,
            go_status=200,
        )
        for i in range(n)
    ]


def test_a_noisy_clean_operation_whose_interval_straddles_the_limit_passes() -> None:
    # like the recorded clean lockstep's DELETE /memberships: 0.95 [0.86, 1.06] at 80 pairs
    pairs = _operation("DELETE /m", 1.0, 80, 0.6)
    pairs += [p for k in range(5) for p in _operation(f"GET /op{k}", 1.0, 80, 0.1)]
    summary = summarize(pairs)
    assert summary is not None
    noisy = next(r for r in summary.operations if r.operation == "DELETE /m")
    assert noisy.ratio_family and noisy.ratio_family.low < 1.05 < noisy.ratio_family.high
    assert decisions(evaluate(Gates(), CLEAN, summary))["latency ratio go/rails"] is True


def test_an_operation_above_the_limit_at_95_percent_but_not_family_wise_passes() -> None:
    # six operations: one whose plain 95 % interval lies above 1.05 but whose
    # family-wise (Bonferroni, 99.2 %) interval reaches below it
    pairs = [p for k in range(5) for p in _operation(f"GET /op{k}", 1.0, 60, 0.1)]
    pairs += _operation("GET /edge", 1.13, 40, 0.25)
    summary = summarize(pairs)
    assert summary is not None
    edge = next(r for r in summary.operations if r.operation == "GET /edge")
    assert edge.ratio and edge.ratio_family
    assert edge.ratio.low > 1.05 >= edge.ratio_family.low, (edge.ratio, edge.ratio_family)
    assert decisions(evaluate(Gates(), CLEAN, summary))["latency ratio go/rails"] is True


def test_an_operation_below_min_pairs_is_not_gated_on_its_own() -> None:
    pairs = [p for k in range(5) for p in _operation(f"GET /op{k}", 1.0, 60, 0.1)]
    pairs += _operation("GET /rare", 5.0, 10, 0.1)  # 5x slower, 10 pairs < min_pairs
    summary = summarize(pairs)
    assert summary is not None and summary.overall.ratio is not None
    assert summary.overall.ratio.high <= 1.05
    results = evaluate(Gates(), CLEAN, summary)
    assert decisions(results)["latency ratio go/rails"] is True
    assert (
        decisions(evaluate(Gates(min_pairs=10), CLEAN, summary))["latency ratio go/rails"] is False
    )
