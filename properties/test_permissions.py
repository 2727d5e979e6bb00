"""Permissions: random (actor, configuration, action) cells against the decision table.

Each example samples one cell of the permission oracle's table (`cells()`, restricted to
the worlds `permission_world` can build), seeds that world on both backends, sends every
read action as the actor (more cells of the same world, for free), then the cell's own
action, and compares each status with the oracle's decision: allowed (200) or the exact
denial (401/403/404); list actions must list the thread exactly when it is visible.
Distinct cells exercised are counted for the report ("permission cells").
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from harness.backends import Backends
from harness.findings import FindingKind
from harness.http import ApiResponse
from properties.findings import Problem, PropertyRun, raise_if
from properties.oracles.permissions import Action, Cell, canonical, cells, decide, inapplicable
from properties.permission_actions import describe, prepare, request_of
from properties.permission_world import READS, CellWorld, seeded, supported

SUITE = "properties/permissions"
CELLS = tuple(c for c in cells() if supported(c))
EXERCISED = pytest.StashKey[set[Cell]]()


def _who(cell: Cell) -> str:
    return f"{cell.actor} ({describe(cell.config)})"


def check_cell(world: CellWorld, cell: Cell) -> tuple[list[Problem], int]:
    decision = decide(cell)
    method, path, params, body = request_of(world, cell)
    answer: ApiResponse = world.send(method, path, None if cell.actor.role.startswith("visitor") else "actor",
                                     params=params, json=body)  # fmt: skip
    got, want = answer.status, decision.status
    name, op = world.backend.name, f"{method} {path.split('/api/v1')[-1]}"
    problems = []
    if got != want:
        verb = "could" if got < 300 <= want else "could not" if want < 300 <= got else "was refused differently for"
        problems.append(Problem(
            backend=name, operation=op,
            title=f"{cell.actor} {verb} {cell.action.value} ({describe(cell.config)})",
            detail=f"{_who(cell)}: {cell.action.value} answered {got}, the decision table says {want} "
                   f"({decision.detail or 'allowed'})",
            expected=want, actual=got, extra={"actor": str(cell.actor), "action": cell.action.value,
                                              "config": describe(cell.config)}))  # fmt: skip
    elif cell.action == Action.DISCUSSION_LIST and decision.detail in ("listed", "unlisted") and isinstance(answer.body, dict):
        listed = any(d.get("id") == world.ids["discussion:d"] for d in answer.body.get("discussions", []))
        if listed != (decision.detail == "listed"):
            problems.append(Problem(
                backend=name, operation=op,
                title=f"{cell.actor} {'sees' if listed else 'does not see'} the thread in the list ({describe(cell.config)})",
                detail=f"{_who(cell)}: GET {path} listed {[d.get('id') for d in answer.body.get('discussions', [])]}, "
                       f"the thread is {world.ids['discussion:d']}",
                expected=decision.detail, actual="listed" if listed else "unlisted"))  # fmt: skip
    return problems, got


def test_permissions_match_decision_table(
    backends: Backends, run_property: PropertyRun, request: pytest.FixtureRequest
) -> None:
    exercised = request.config.stash.setdefault(EXERCISED, set())

    @given(cell=st.sampled_from(CELLS))
    def permissions(cell: Cell) -> None:
        extra = [canonical(Cell(cell.actor, cell.config, a)) for a in READS if a != cell.action]
        checked = [c for c in extra if inapplicable(c) is None and supported(c)] + [cell]
        problems: list[Problem] = []
        with seeded(backends, cell) as worlds:
            for world in worlds.values():
                prepare(world, cell)
            failed = [w.setup_failed for w in worlds.values() if w.setup_failed]
            assume(not failed)  # a state the API could not make: not this cell's question
            statuses: dict[Cell, dict[str, int]] = {}
            for one in checked:
                for name, world in worlds.items():
                    found, statuses.setdefault(one, {})[name] = check_cell(world, one)
                    problems += found
                exercised.add(one)
                run_property.recorder.cell(SUITE, "permission cells", [str(one.actor), describe(one.config), one.action.value])
        for one, by in statuses.items():
            if by["rails"] != by["go"]:
                problems.append(Problem(backend="rails,go", title=f"the backends answer {one.action.value} differently",
                                        detail=f"{_who(one)}: rails {by['rails']}, go {by['go']}",
                                        extra={"rails": by["rails"], "go": by["go"]}))  # fmt: skip
        raise_if("permission_table", FindingKind.PERMISSION, problems,
                 [f"world: {describe(cell.config)}; actor {cell.actor}",
                  *(f"{c.action.value} as {c.actor}" for c in checked)])  # fmt: skip

    run_property(permissions)
