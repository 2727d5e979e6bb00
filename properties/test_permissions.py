"""Permissions: random (actor, configuration, action) cells against the decision table.

Each example samples one cell of the permission oracle's table (`cells()`, restricted to
the worlds `permission_world` can build), seeds that world on both backends, sends every
read action as the actor (more cells of the same world, for free), then the cell's own
action, and compares each status with the oracle's decision: allowed (200) or the exact
denial (401/403/404); list actions must list the thread exactly when it is visible.
Distinct cells exercised are counted for the report ("permission cells"), against the
table's size per actor, world and action (harness.report.permission_cells).
"""

from __future__ import annotations

import re

import pytest
import yaml
from hypothesis import assume, given

from harness.backends import Backends
from harness.findings import FindingKind
from harness.http import ApiResponse
from harness.isolation import open_scope
from harness.report.abilities import BUILDABLE, OBSERVED, REACHABLE
from harness.report.permission_cells import PERMISSION_CELLS as EXERCISED_FIGURE
from harness.report.permission_cells import TABLE_SIZES, table_sizes
from properties.ability_check import SPEC, spec_operation
from properties.budget import budget
from properties.findings import Problem, PropertyRun, raise_if
from properties.oracles.permissions import Action, Cell, cells, decide
from properties.oracles.sign_in import expect, paths
from properties.permission_actions import (
    denied_probes,
    describe,
    prepare,
    reads_alongside,
    request_of,
)
from properties.permission_world import CellWorld, seeded, supported
from properties.sign_in_paths import judge, sign_in_world, walk
from properties.strategies import permission_cells

SUITE = "properties/permissions"
TABLE = tuple(cells())
CELLS = tuple(c for c in TABLE if supported(c))
SPEC_PATHS = tuple(
    yaml.load(
        SPEC.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )["paths"]
)  # libyaml: the pure-Python loader takes seconds on the spec
PERMISSION_CELLS = permission_cells(CELLS)
BUILDABLE_CELLS = frozenset(CELLS)
EXERCISED = pytest.StashKey[set[Cell]]()


def column(cell: Cell) -> str:
    """The ability matrix column of a cell's actor (harness.report.abilities.ROLES)."""
    return "author" if cell.actor.author else cell.actor.role.value


def ability_keys(table: tuple[Cell, ...]) -> set[tuple[str, str]]:
    """(column, spec operation) of every cell of the decision table: what the matrix can reach."""
    operations = {a: spec_operation(a, SPEC_PATHS) for a in {c.action for c in table}}
    return {(column(c), op) for c in table if (op := operations[c.action]) is not None}


def _who(cell: Cell) -> str:
    return f"{cell.actor} ({describe(cell.config)})"


# List actions: (root, the seeded id a listed record matches on, what the caller should see).
LISTS = {
    Action.DISCUSSION_LIST: ("discussions", "id", "the thread"),
    # permissions.md 3.2: only memberships in groups the caller belongs to (or subgroups of
    # groups they administer), so a non-member gets an empty list, a member G's memberships.
    Action.MEMBERSHIPS_INDEX: ("memberships", "group_id", "G's memberships"),
}


def _listed(world: CellWorld, cell: Cell, answer: ApiResponse) -> bool | None:
    """Whether a 200 list answer holds the cell's record (None: not a list action / not a list)."""
    if cell.action not in LISTS or answer.status != 200 or not isinstance(answer.body, dict):
        return None
    root, key, _ = LISTS[cell.action]
    target = world.ids["discussion:d" if cell.action == Action.DISCUSSION_LIST else "group:g"]
    return any(r.get(key) == target for r in answer.body.get(root) or [])


def check_cell(world: CellWorld, cell: Cell) -> tuple[list[Problem], int]:
    decision = decide(cell)
    method, path, params, body = request_of(world, cell)
    answer: ApiResponse = world.send(
        method,
        path,
        None if cell.actor.role.startswith("visitor") else "actor",
        params=(*params, *world.tokens),
        json=body,
    )
    got, want = answer.status, decision.status
    name, op = world.backend.name, f"{method} {path.split('/api/v1')[-1]}"
    problems = []
    if got != want:
        verb = (
            "could"
            if got < 300 <= want
            else "could not"
            if want < 300 <= got
            else "was refused differently for"
        )
        problems.append(
            Problem(
                backend=name,
                operation=op,
                title=f"{cell.actor} {verb} {cell.action.value} ({describe(cell.config)})",
                detail=f"{_who(cell)}: {cell.action.value} answered {got}, the decision table says {want} "
                f"({decision.detail or 'allowed'})",
                expected=want,
                actual=got,
                extra={
                    "actor": str(cell.actor),
                    "action": cell.action.value,
                    "config": describe(cell.config),
                },
            )
        )
    elif (shown := _listed(world, cell, answer)) is not None and shown != (
        decision.detail == "listed"
    ):
        problems.append(
            Problem(
                backend=name,
                operation=op,
                title=f"{cell.actor} {'sees' if shown else 'does not see'} {LISTS[cell.action][2]} ({describe(cell.config)})",
                detail=f"{_who(cell)}: {method} {path} {'listed' if shown else 'did not list'} {LISTS[cell.action][2]}; "
                f"the decision table says {decision.detail}",
                expected=decision.detail,
                actual="listed" if shown else "unlisted",
            )
        )
    return problems, got


def one_sided_setup(cell: Cell, failed: dict[str, str]) -> list[Problem]:
    """Setup the other backend did. A server error is a problem of the side that answered
    it; a refusal (4xx) is a difference of both: the world builder's step may be one the
    rules refuse (a revoked member writing the comment they are to delete), so the side
    that made the state can be the wrong one."""
    problems = []
    for name, why in sorted(failed.items()):
        status = re.search(r"answered (\d+)", why)
        server_error = status is not None and int(status.group(1)) >= 500
        problems.append(
            Problem(
                backend=name if server_error else "rails,go",
                title=f"setup of a {cell.action.value} cell refused on {name} only",
                detail=f"{_who(cell)}: {why}; the other backend made the same state",
                operation=re.sub(r"/\d+", "/{id}", why.split(" as ")[0]),
            )
        )
    return problems


def test_permissions_match_decision_table(
    backends: Backends, run_property: PropertyRun, request: pytest.FixtureRequest
) -> None:
    exercised = request.config.stash.setdefault(EXERCISED, set())
    for figure, table in ((REACHABLE, TABLE), (BUILDABLE, CELLS)):
        for role, operation in sorted(ability_keys(table)):
            run_property.recorder.cell(SUITE, figure, [role, operation])
    dimensions = (
        (str(c.actor), describe(c.config), c.action.value, c in BUILDABLE_CELLS) for c in TABLE
    )
    for size in table_sizes(dimensions):
        run_property.recorder.cell(SUITE, TABLE_SIZES, size)

    @budget("permissions")
    @given(cell=PERMISSION_CELLS)
    def permissions(cell: Cell) -> None:
        *reads, own = reads_alongside(cell)
        checked = [*reads, *denied_probes(cell), own]
        problems: list[Problem] = []
        with seeded(backends, cell) as worlds:
            for world in worlds.values():
                prepare(world, cell)
            failed = {name: w.setup_failed for name, w in worlds.items() if w.setup_failed}
            if failed and len(failed) < len(worlds):  # the other backend made that state
                raise_if(
                    "permission_table",
                    FindingKind.PERMISSION,
                    one_sided_setup(cell, failed),
                    [f"world: {describe(cell.config)}; actor {cell.actor}"],
                )
            assume(not failed)  # neither backend could make it: not this cell's question
            statuses: dict[Cell, dict[str, int]] = {}
            for one in checked:
                for name, world in worlds.items():
                    found, statuses.setdefault(one, {})[name] = check_cell(world, one)
                    problems += found
                exercised.add(one)
                run_property.recorder.cell(
                    SUITE,
                    EXERCISED_FIGURE,
                    [str(one.actor), describe(one.config), one.action.value],
                )
        for one, by in statuses.items():
            operation = spec_operation(one.action, SPEC_PATHS)
            if operation is not None:
                run_property.recorder.cell(
                    SUITE,
                    OBSERVED,
                    [column(one), operation, by["rails"], by["go"], decide(one).status],
                )
            if by["rails"] != by["go"]:
                problems.append(
                    Problem(
                        backend="rails,go",
                        title=f"the backends answer {one.action.value} differently",
                        detail=f"{_who(one)}: rails {by['rails']}, go {by['go']}",
                        extra={"rails": by["rails"], "go": by["go"]},
                    )
                )
        raise_if(
            "permission_table",
            FindingKind.PERMISSION,
            problems,
            [
                f"world: {describe(cell.config)}; actor {cell.actor}",
                *(f"{c.action.value} as {c.actor}" for c in checked),
            ],
        )

    run_property(permissions)


def test_sign_in_paths_match_devise(backends: Backends, run_property: PropertyRun) -> None:
    """Every sign-in path (properties.oracles.sign_in.paths: account state x typed email x
    password x session or HTTP Basic) on every backend, in browsers of its own, against
    what Devise answers and across backends. Not drawn: there are 36, all walked."""

    def walk_all() -> None:
        problems, walked = [], []
        with open_scope(backends, world=sign_in_world) as scope:
            assert scope.plan is not None, "open_scope always seeds its own plan"
            for path in paths():
                account = scope.plan.actors[path.account]
                got = {backend.name: walk(backend, path, account) for backend in backends}
                problems += judge(path, expect(path), got)
                walked.append(str(path))
                run_property.recorder.cell(SUITE, "sign-in paths", [str(path)])
        raise_if("sign_in_paths", FindingKind.PERMISSION, problems, walked)

    run_property(walk_all)
