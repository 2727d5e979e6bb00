"""Detections against where the go side reached each fault (PARITY_FAULT_TRACE)."""

from __future__ import annotations

from pathlib import Path

from bench.detection import reach
from bench.suites import reached_operations


def test_the_trace_gives_the_operations_once_each(tmp_path: Path) -> None:
    trace = tmp_path / "fault-trace.jsonl"
    trace.write_text(
        '{"fault": "f", "operation": "GET /api/v1/groups"}\n'
        '{"fault": "f", "operation": ""}\n'
        '{"fault": "f", "operation": "GET /api/v1/groups"}\n'
        '{"fault": "f", "oper'  # a line being written when the run was stopped
    )
    assert reached_operations(trace) == ["", "GET /api/v1/groups"]
    assert reached_operations(tmp_path / "none.jsonl") == []


def test_a_detection_the_go_side_never_reached_is_named() -> None:
    rows = [
        {"name": "ported_hit", "detected": True, "reached": ["GET /api/v1/groups"]},
        {"name": "ported_missed", "detected": False, "reached": ["GET /api/v1/events"]},
        {"name": "unported", "detected": False, "reached": []},
        {"name": "blamed_wrongly", "detected": True, "reached": []},
    ]
    assert reach(rows) == {
        "reached": 2,
        "reached_and_detected": 1,
        "reached_not_detected": ["ported_missed"],
        "detected_not_reached": ["blamed_wrongly"],
        "not_reached": ["blamed_wrongly", "unported"],
    }
