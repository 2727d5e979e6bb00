"""The permission suite's share of its decision table: the full cross product of actors,
worlds (configurations) and actions the rules name (shared/loomio/permissions.md), how
many of its cells the suite can seed, and how many it exercised on both backends, per
actor, per world and per action.

The suite (properties/test_permissions.py) records two kinds of distinct keys: every cell
it exercised, `[actor, world, action]` (PERMISSION_CELLS), and, once per run, the size of
the table along each dimension, `[dimension, value, in table, buildable]` (TABLE_SIZES).
Everything here is computed from those keys; the report shows it beside the ability
matrix and writes it as permission-cells.json.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PERMISSION_CELLS = "permission cells"  # [actor, world, action] of each exercised cell
TABLE_SIZES = "permission table"  # [dimension, value, cells in the table, buildable cells]
DIMENSIONS = ("actor", "world", "action")  # the order of a cell's key


@dataclass(frozen=True, slots=True)
class CellCount:
    value: str  # an actor, a world or an action
    table: int  # cells of the decision table with that value
    buildable: int  # of them, cells whose world the suite can seed
    exercised: int  # of them, cells the suite sent to both backends

    @property
    def share(self) -> float | None:
        return self.exercised / self.buildable if self.buildable else None

    @property
    def never(self) -> bool:
        """Buildable cells exist but none was exercised: a gap to close."""
        return self.buildable > 0 and self.exercised == 0


@dataclass(frozen=True, slots=True)
class PermissionCells:
    table: int
    buildable: int
    exercised: int
    by: tuple[tuple[str, tuple[CellCount, ...]], ...]  # (dimension, rows), DIMENSIONS order

    @property
    def buildable_share(self) -> float | None:
        return self.exercised / self.buildable if self.buildable else None

    @property
    def table_share(self) -> float | None:
        return self.exercised / self.table if self.table else None

    def gaps(self, dimension: str) -> tuple[CellCount, ...]:
        return tuple(r for d, rows in self.by if d == dimension for r in rows if r.never)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "table": self.table,
            "buildable": self.buildable,
            "exercised": self.exercised,
            "by": {
                dimension: [
                    {
                        "value": r.value,
                        "table": r.table,
                        "buildable": r.buildable,
                        "exercised": r.exercised,
                    }
                    for r in rows
                ]
                for dimension, rows in self.by
            },
        }
        return json.dumps(data, indent=1) + "\n"


def compute_permission_cells(
    sizes: Iterable[str], exercised: Iterable[str]
) -> PermissionCells | None:
    """From the recorder's JSON keys; None when the suite did not record its table."""
    table: dict[str, dict[str, tuple[int, int]]] = {d: {} for d in DIMENSIONS}
    for key in sizes:
        dimension, value, in_table, buildable = json.loads(key)
        table.setdefault(dimension, {})[value] = (int(in_table), int(buildable))
    if not table["actor"]:
        return None
    cells = {tuple(json.loads(key)) for key in exercised}
    counts = [Counter(cell[i] for cell in cells) for i in range(len(DIMENSIONS))]
    by = tuple(
        (
            dimension,
            tuple(
                CellCount(value, n, b, counts[i][value])
                for value, (n, b) in sorted(
                    table[dimension].items(), key=lambda item: (-item[1][1], item[0])
                )
            ),
        )
        for i, dimension in enumerate(DIMENSIONS)
    )
    actors = table["actor"].values()
    return PermissionCells(
        table=sum(n for n, _ in actors),
        buildable=sum(b for _, b in actors),
        exercised=len(cells),
        by=by,
    )


def table_sizes(cells: Iterable[tuple[str, str, str, bool]]) -> list[list[Any]]:
    """The TABLE_SIZES keys of a decision table given as (actor, world, action, buildable)."""
    sizes: dict[tuple[str, str], list[int]] = {}
    for cell in cells:
        for dimension, value in zip(DIMENSIONS, cell[:3], strict=True):
            n = sizes.setdefault((dimension, value), [0, 0])
            n[0] += 1
            n[1] += bool(cell[3])
    return [[d, v, n, b] for (d, v), (n, b) in sorted(sizes.items())]
