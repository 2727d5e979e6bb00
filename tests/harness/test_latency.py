"""Paired latency: percentiles, the Hodges–Lehmann ratio and its interval, pairing."""

from __future__ import annotations

import math

import pytest

from harness.http import ApiRequest, ApiResponse
from harness.latency import Pair, PairingObserver, hodges_lehmann, percentile, summarize


def test_percentile_interpolates_between_ranks() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10], 99) == 10
    assert percentile([1, 2, 3, 4, 5], 100) == 5


def test_hodges_lehmann_of_a_symmetric_sample_is_its_centre() -> None:
    ratio = hodges_lehmann([-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 4.0])
    assert ratio.estimate == 1.0
    assert ratio.low < 1.0 < ratio.high


def test_hodges_lehmann_resists_one_outlier() -> None:
    values = [0.0] * 20 + [50.0]
    assert hodges_lehmann(values).estimate == 0.0


def test_interval_narrows_with_more_pairs() -> None:
    few = hodges_lehmann([math.sin(i) for i in range(20)])
    many = hodges_lehmann([math.sin(i) for i in range(400)])
    assert (many.high - many.low) < (few.high - few.low)


def pairs(operation: str, rails: float, go: float, n: int, go_status: int = 200) -> list[Pair]:
    return [
        Pair(
            operation=operation,
            rails_ms=rails * (1 + 0.01 * (i % 7)),
            go_ms=go * (1 + 0.01 * ((i * 3) % 7)),
            rails_status=200,
            go_status=go_status,
        )
        for i in range(n)
    ]


def test_a_slower_go_has_a_ratio_above_one_with_its_interval() -> None:
    summary = summarize(pairs("GET /a", 10, 20, 50) + pairs("GET /b", 10, 10, 50))
    assert summary is not None
    slow = summary.operations[0]
    assert slow.operation == "GET /a" and slow.ratio is not None
    assert 1.9 < slow.ratio.low <= slow.ratio.estimate <= slow.ratio.high < 2.1
    assert summary.overall.pairs == 100


def test_error_rates_per_side() -> None:
    summary = summarize(pairs("GET /a", 10, 10, 3) + pairs("GET /a", 10, 10, 1, go_status=503))
    assert summary is not None
    assert summary.overall.go.rate_5xx == 0.25 and summary.overall.rails.rate_5xx == 0.0


def test_no_pairs_no_summary() -> None:
    assert summarize([]) is None


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def answer(ms: float, status: int = 200) -> ApiResponse:
    return ApiResponse(status=status, elapsed_ms=ms)


@pytest.mark.parametrize(
    ("gap_s", "paired"),
    [(0.0, True), (0.005, True), (0.5, False)],
    ids=["same", "overlap", "apart"],
)
def test_answers_pair_when_their_time_spans_overlap(gap_s: float, paired: bool) -> None:
    found: list[Pair] = []
    clock = Clock()
    observe = PairingObserver(found.append, clock=clock)
    request = ApiRequest(method="GET", path="/x", label="GET /x")
    observe("go", request, answer(10))  # 99.990 .. 100.000
    clock.now += gap_s
    observe("rails", request, answer(10))
    assert bool(found) is paired
    if paired:
        assert found[0] == Pair(
            operation="GET /x", rails_ms=10, go_ms=10, rails_status=200, go_status=200
        )


def test_two_answers_of_one_side_never_pair() -> None:
    found: list[Pair] = []
    observe = PairingObserver(found.append, clock=Clock())
    request = ApiRequest(method="GET", path="/x")
    observe("rails", request, answer(10))
    observe("rails", request, answer(10))
    assert found == []
