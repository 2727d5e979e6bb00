"""bench/live_capture.py --record: runs kept per code version, pages rendered (no timing)."""

from __future__ import annotations

import json
from pathlib import Path

from bench import live_capture

RUN = {
    "examples": 15,
    "rounds": 2,
    "without_capture_rps": 50.0,
    "with_capture_rps": 45.0,
    "ratio": 0.9,
    "settle_ms_per_step": {"mean": 1.0, "p95": 2.0, "max": 3.0},
    "settle_by_reason": {"due": {"steps": 3, "seconds": 0.1}, "none": {"steps": 2, "seconds": 0}},
}


def test_a_recorded_run_joins_the_same_codes_runs_and_drops_older_codes(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(
        json.dumps(
            {"meta": {"command": "python -m bench"}, "live_capture": {"runs": [{"commit": "0ld"}]}}
        )
    )
    live_capture.record(RUN, ["--record"], path)
    live_capture.record({**RUN, "ratio": 0.85}, ["--record"], path)
    runs = json.loads(path.read_text())["live_capture"]["runs"]
    assert [r["ratio"] for r in runs] == [0.9, 0.85]  # the older code's run is gone
    assert runs[0]["command"] == "python bench/live_capture.py --record"
    assert "| **0.85** |" in path.with_suffix(".md").read_text()
    assert "Publication capture" in path.with_suffix(".html").read_text()
