"""The permission suite's decision-table count: table, buildable and exercised cells per
actor, world and action, from the recorder's keys, in the report and its JSON."""

from __future__ import annotations

import json

from harness.report.abilities import SUITE
from harness.report.permission_cells import (
    PERMISSION_CELLS,
    TABLE_SIZES,
    compute_permission_cells,
    table_sizes,
)
from harness.report.recorder import Recorder

# a table of 5 cells: 2 actors x 2 worlds x 2 actions, one inapplicable; the secret world's
# cells cannot be seeded
TABLE = (
    ("member", "defaults", "discussion_show", True),
    ("member", "defaults", "poll_vote", True),
    ("member", "privacy='secret'", "discussion_show", False),
    ("visitor", "defaults", "discussion_show", True),
    ("visitor", "privacy='secret'", "discussion_show", False),
)


def keys(rows: list[list[object]]) -> set[str]:
    return {json.dumps(r) for r in rows}


def test_table_sizes_count_each_dimension_and_what_can_be_seeded() -> None:
    sizes = {(d, v): (n, b) for d, v, n, b in table_sizes(TABLE)}
    assert sizes[("actor", "member")] == (3, 2)
    assert sizes[("actor", "visitor")] == (2, 1)
    assert sizes[("world", "privacy='secret'")] == (2, 0)
    assert sizes[("action", "discussion_show")] == (4, 2)
    assert sizes[("action", "poll_vote")] == (1, 1)


def test_exercised_cells_are_counted_once_per_dimension_with_the_gaps() -> None:
    exercised = keys(
        [["member", "defaults", "discussion_show"], ["member", "defaults", "poll_vote"]]
    )
    cells = compute_permission_cells(keys(table_sizes(TABLE)), exercised)
    assert cells is not None
    assert (cells.table, cells.buildable, cells.exercised) == (5, 3, 2)
    assert cells.buildable_share == 2 / 3
    by = dict(cells.by)
    assert [(r.value, r.exercised) for r in by["actor"]] == [("member", 2), ("visitor", 0)]
    assert [r.value for r in cells.gaps("actor")] == ["visitor"]
    # a world no cell of which can be seeded is not a gap: nothing could exercise it
    assert [r.value for r in cells.gaps("world")] == []
    assert [r.value for r in by["world"]] == ["defaults", "privacy='secret'"]
    data = json.loads(cells.to_json())
    assert data["by"]["action"][0] == {
        "value": "discussion_show",
        "table": 4,
        "buildable": 2,
        "exercised": 1,
    }


def test_no_table_recorded_means_no_section() -> None:
    assert compute_permission_cells(set(), keys([["member", "defaults", "x"]])) is None


def test_report_shows_the_count_the_gaps_and_writes_the_json() -> None:
    from harness.report.build import build_report
    from harness.report.render import render_report

    recorder = Recorder()
    for size in table_sizes(TABLE):
        recorder.cell(SUITE, TABLE_SIZES, size)
    recorder.cell(SUITE, PERMISSION_CELLS, ["member", "defaults", "poll_vote"])
    files = render_report(build_report(recorder, [], spec=None))
    html = files["index.html"]
    assert 'id="permission-cells"' in html
    assert "1 / 3" in html and "1 / 5" in html
    assert "visitor" in html and "never exercised" in html
    assert "Permission cells exercised on both backends: 1 of the 3" in files["summary.md"]
    assert "actors never exercised: visitor" in files["summary.md"]
    assert json.loads(files["permission-cells.json"])["exercised"] == 1
