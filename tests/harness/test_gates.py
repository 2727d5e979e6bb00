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
