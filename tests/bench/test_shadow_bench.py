"""bench/shadow.py's pure parts: replay's findings against the lockstep's, status fidelity."""

from __future__ import annotations

import json
from pathlib import Path

from bench.shadow import compare_with_lockstep, status_fidelity

DIFF = "extra_key at /discussions/*/author_name"


def test_replay_finding_the_lockstep_difference_on_more_operations_is_the_same_findings() -> None:
    compared = compare_with_lockstep(
        [f"GET /d | {DIFF}"], [f"GET /d | {DIFF}", f"POST /c | {DIFF}"]
    )
    assert compared["same findings as the lockstep"] is True
    assert compared[
        "replay findings the lockstep did not report, same difference on another operation"
    ] == [f"POST /c | {DIFF}"]


def test_a_lockstep_finding_replay_misses_is_not_the_same() -> None:
    compared = compare_with_lockstep([f"GET /d | {DIFF}"], [f"POST /c | {DIFF}"])
    assert compared["lockstep findings missing from replay"] == [f"GET /d | {DIFF}"]
    assert compared["same findings as the lockstep"] is False


def test_a_replay_finding_of_another_difference_is_unexplained() -> None:
    other = "GET /d | value at /discussions/*/title"
    compared = compare_with_lockstep([f"GET /d | {DIFF}"], [f"GET /d | {DIFF}", other])
    assert compared["replay findings unexplained"] == [other]
    assert compared["same findings as the lockstep"] is False


def test_status_fidelity_counts_per_operation_and_status(tmp_path: Path) -> None:
    def entry(label: str, status: int) -> dict[str, object]:
        return {
            "request": {"method": label.split()[0], "url": "http://x/"},
            "response": {"status": status},
            "_parity": {"label": label},
        }

    har = tmp_path / "a.har"
    entries = [entry("GET /d", 200), entry("GET /d", 404), entry("POST /c", 201)]
    har.write_text(json.dumps({"log": {"entries": entries}}))
    store = tmp_path / "store.jsonl"
    records = [("GET /d", 200), ("GET /d", 200), ("POST /c", 201)]
    store.write_text(
        "\n".join(json.dumps({"endpoint": e, "primary": [s, 1.0]}) for e, s in records)
        + "\n"
        + json.dumps({"dropped": {"GET /d": 1}})
        + "\n"
    )
    assert status_fidelity(har, store) == {
        "recorded": 3,
        "replayed": 3,
        "same status as recorded": 2,
    }
