"""The ability matrix (pure): rows (model, action) of spec/abilities.yaml, columns the actor
roles of permissions.md, each cell what the permission suite proved on both backends.

The permission suite records, per request it checked, `[role, operation, rails status,
go status, oracle status]` ("ability observations") and, once per run, every
`[role, operation]` its decision table holds ("ability reachable") and those of them its
world builder can seed ("ability buildable"). An operation's `x-rails-abilities` in the
spec say which rows it checks; a reachable cell never observed is part of the
permission-coverage gap: `gap` when the suite could have sent it, `unbuilt` when its world
cannot be seeded yet (a token holder, a poll guest).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SUITE = "properties/permissions"
OBSERVED = "ability observations"
REACHABLE = "ability reachable"
BUILDABLE = "ability buildable"
# permissions.md section 1; "author" holds every role's cells as the author of the target
ROLES = (
    "visitor",
    "visitor_with_token",
    "non_member",
    "member",
    "admin",
    "pending_member",
    "revoked_member",
    "parent_member",
    "subgroup_member",
    "discussion_guest",
    "revoked_guest",
    "poll_guest",
    "site_admin",
    "author",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixCell:
    """One (model, action, role): reachable by the suite's table, and what was seen."""

    role: str
    reachable: bool
    buildable: bool = False
    requests: int = 0
    allowed: tuple[int, int, int] = (0, 0, 0)  # rails, go, oracle: requests answered < 300
    mismatches: int = 0  # requests where a backend's status differed from the oracle's

    @property
    def exercised(self) -> bool:
        return self.requests > 0

    @property
    def state(self) -> str:
        if self.mismatches:
            return "mismatch"
        if self.exercised:
            return "proved"
        if self.buildable:
            return "gap"
        return "unbuilt" if self.reachable else "unreached"

    def verdict(self, side: int) -> str:
        allowed = self.allowed[side]
        return f"{allowed}✓ {self.requests - allowed}✗"


@dataclass(frozen=True, slots=True, kw_only=True)
class MatrixRow:
    model: str
    action: str
    condition: str
    atoms_only: bool
    rules: tuple[str, ...]
    operations: tuple[str, ...]
    cells: tuple[MatrixCell, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class AbilityMatrix:
    roles: tuple[str, ...]
    rows: tuple[MatrixRow, ...]

    def _cells(self, state: str | None = None) -> list[tuple[MatrixRow, MatrixCell]]:
        return [(r, c) for r in self.rows for c in r.cells if state is None or c.state == state]

    @property
    def reachable(self) -> int:
        return sum(c.reachable or c.exercised for _, c in self._cells())

    @property
    def buildable(self) -> int:
        return sum(c.buildable or c.exercised for _, c in self._cells())

    @property
    def exercised(self) -> int:
        return sum(c.exercised for _, c in self._cells())

    @property
    def exercised_share(self) -> float | None:
        """Of the cells the suite can build: the figure it is answerable for."""
        return self.exercised / self.buildable if self.buildable else None

    @property
    def reachable_share(self) -> float | None:
        return self.exercised / self.reachable if self.reachable else None

    @property
    def mismatched(self) -> int:
        return len(self._cells("mismatch"))

    @property
    def gap(self) -> list[tuple[str, str, str]]:
        """Cells the suite can build but never exercised: the permission-coverage gap."""
        return [(r.model, r.action, c.role) for r, c in self._cells("gap")]

    @property
    def unbuilt(self) -> list[tuple[str, str, str]]:
        """Cells of the decision table whose world the suite cannot seed yet."""
        return [(r.model, r.action, c.role) for r, c in self._cells("unbuilt")]

    @property
    def rows_in_slice(self) -> tuple[MatrixRow, ...]:
        """Rows some operation of the spec checks."""
        return tuple(r for r in self.rows if r.operations)

    def to_json(self) -> str:
        document = {
            "roles": list(self.roles),
            "reachable": self.reachable,
            "buildable": self.buildable,
            "exercised_on_both_backends": self.exercised,
            "mismatched": self.mismatched,
            "gap": [{"model": m, "action": a, "role": r} for m, a, r in self.gap],
            "unbuilt": [{"model": m, "action": a, "role": r} for m, a, r in self.unbuilt],
            "rows": [
                {
                    "model": r.model,
                    "action": r.action,
                    "condition": r.condition,
                    "atoms_only": r.atoms_only,
                    "rules": list(r.rules),
                    "operations": list(r.operations),
                    "cells": {
                        c.role: {
                            "state": c.state,
                            "requests": c.requests,
                            "allowed": dict(zip(("rails", "go", "oracle"), c.allowed, strict=True)),
                            "mismatches": c.mismatches,
                        }
                        for c in r.cells
                    },
                }
                for r in self.rows
            ],
        }
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def operation_rows(spec: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """`PATCH /api/v1/comments/{id}` -> the (model, action) rows its `x-rails-abilities` name."""
    out: dict[str, list[tuple[str, str]]] = {}
    for path, item in (spec.get("paths") or {}).items():
        for method, op in item.items():
            if isinstance(op, dict):
                rows = [
                    (e["model"], e["action"])
                    for e in op.get("x-rails-abilities", ())
                    if "model" in e
                ]
                out[f"{method.upper()} {path}"] = rows
    return out


def build_matrix(
    abilities: Mapping[str, Any],
    spec: Mapping[str, Any],
    observations: Iterable[str],
    reachable: Iterable[str],
    buildable: Iterable[str] = (),
) -> AbilityMatrix:
    """The matrix from spec/abilities.yaml, the spec and the suite's recorded JSON keys."""
    rows_of = operation_rows(spec)
    seen: dict[tuple[str, str, str], list[tuple[int, int, int]]] = {}
    for key in observations:
        role, operation, *statuses = json.loads(key)
        for model, action in rows_of.get(operation, ()):
            seen.setdefault((model, action, role), []).append(
                (statuses[0], statuses[1], statuses[2])
            )
    can_reach, can_build = _cells_of(reachable, rows_of), _cells_of(buildable, rows_of)
    rows = tuple(
        MatrixRow(
            model=c["model"],
            action=c["action"],
            condition=c["text"],
            atoms_only=c["atoms_only"],
            rules=tuple(c["rules"]),
            operations=tuple(c["operations"]),
            cells=tuple(
                _cell(
                    role,
                    seen.get((c["model"], c["action"], role), []),
                    (c["model"], c["action"], role) in can_reach,
                    (c["model"], c["action"], role) in can_build,
                )
                for role in ROLES
            ),
        )
        for c in abilities.get("cells", ())
    )
    return AbilityMatrix(roles=ROLES, rows=rows)


def _cells_of(
    keys: Iterable[str], rows_of: Mapping[str, list[tuple[str, str]]]
) -> set[tuple[str, str, str]]:
    """(model, action, role) of recorded `[role, operation]` keys."""
    return {
        (model, action, role)
        for key in keys
        for role, operation in [json.loads(key)]
        for model, action in rows_of.get(operation, ())
    }


def _cell(
    role: str, statuses: list[tuple[int, int, int]], reachable: bool, buildable: bool
) -> MatrixCell:
    allowed = tuple(sum(s[i] < 300 for s in statuses) for i in range(3))
    return MatrixCell(
        role=role,
        reachable=reachable,
        buildable=buildable,
        requests=len(statuses),
        allowed=allowed,  # type: ignore[arg-type]  # three sides
        mismatches=sum(s[0] != s[2] or s[1] != s[2] for s in statuses),
    )
