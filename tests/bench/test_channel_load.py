"""bench/channel_load.py: a small real run of both sides, and its pure arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.channel_load import _percentiles, parse_args, ratios, run


def test_ratios_are_candidate_over_reference() -> None:
    reference = {"latency_ms": {"p50": 2.0, "p95": 4.0, "p99": None}, "deliveries_per_s": 100.0}
    candidate = {"latency_ms": {"p50": 1.0, "p95": 8.0, "p99": 3.0}, "deliveries_per_s": 50.0}
    assert ratios(reference, candidate) == {
        "latency_p50": 0.5,
        "latency_p95": 2.0,
        "latency_p99": None,
        "deliveries_per_s": 0.5,
    }
    assert _percentiles([1.0]) == {"p50": None, "p95": None, "p99": None, "max": None}
    assert _percentiles([float(i) for i in range(1, 101)])["p95"] == pytest.approx(95.05)


@pytest.mark.backend
def test_a_small_load_run_measures_both_sides_without_losses(tmp_path: Path) -> None:
    args = ["--sockets", "30", "--groups", "5", "--rate", "20", "--duration", "1"]
    result = run(parse_args([*args, "--drain", "1", "--run-dir", str(tmp_path)]))
    for side in ("rails", "go"):
        figures = result[side]
        assert figures["connected"] == figures["joined"] == figures["connected_at_end"] == 30
        assert figures["lost"] == 0 and figures["delivered"] == figures["expected_deliveries"] > 0
        assert figures["latency_ms"]["p50"] is not None and figures["server_cpu_pct"] is not None
    assert result["ratio_go_over_rails"]["deliveries_per_s"] == pytest.approx(1.0, abs=0.2)
