"""The detection matrix's order: faults slowest first by the previous results, then clean."""

from __future__ import annotations

from bench.detection import expected_walls, slowest_first


def test_untimed_runs_come_first_then_the_slowest() -> None:
    expected = {"a": 3.0, "b": 40.0, "c": 12.0}
    assert slowest_first(["a", "new", "b", "c", "other"], expected) == [
        "new",
        "other",
        "b",
        "c",
        "a",
    ]


def test_previous_results_give_each_runs_wall_time() -> None:
    previous = {
        "rows": [
            {"name": "f", "wall_s": 21.5},
            {"name": "skipped", "detected": None},
        ],
        "clean_runs": [{"name": "clean-0-differential", "wall_s": 500.0}, {"wall_s": 9.0}],
    }
    assert expected_walls(previous) == {"f": 21.5, "clean-0-differential": 500.0}
    assert expected_walls(None) == {}
