"""The ability matrix (pure): rows (model, action) of spec/abilities.yaml, columns the actor
roles of permissions.md, each cell what the permission suite proved on both backends.

The permission suite records, per request it checked, `[role, operation, rails status,
go status, oracle status]` ("ability observations") and, once per run, every
`[role, operation]` its decision table can build ("ability reachable"). An operation's
`x-rails-abilities` in the spec say which rows it checks; a reachable cell never observed
is part of the permission-coverage gap.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SUITE = "properties/permissions"
OBSERVED = "ability observations"
REACHABLE = "ability reachable"
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
        return "gap" if self.reachable else "unreached"

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
    def exercised(self) -> int:
        return sum(c.exercised for _, c in self._cells())

    @property
    def exercised_share(self) -> float | None:
        return self.exercised / self.reachable if self.reachable else None

    @property
    def mismatched(self) -> int:
        return len(self._cells("mismatch"))

    @property
    def gap(self) -> list[tuple[str, str, str]]:
        """Reachable cells the suite never exercised: the permission-coverage gap."""
        return [(r.model, r.action, c.role) for r, c in self._cells("gap")]

    @property
    def rows_in_slice(self) -> tuple[MatrixRow, ...]:
        """Rows some operation of the spec checks."""
        return tuple(r for r in self.rows if r.operations)

    def to_json(self) -> str:
        document = {
            "roles": list(self.roles),
            "reachable": self.reachable,
            "exercised_on_both_backends": self.exercised,
            "mismatched": self.mismatched,
            "gap": [{"model": m, "action": a, "role": r} for m, a, r in self.gap],
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
) -> AbilityMatrix:
    """The matrix from spec/abilities.yaml, the spec and the suite's recorded JSON keys."""
    rows_of = operation_rows(spec)
    seen: dict[tuple[str, str, str], list[tuple[int, int, int]]] = {}
    for key in observations:
        role, operation, *statuses = json.loads(key)
        for model, action in rows_of.get(operation, ()):
            seen.setdefault((model, action, role), []).append((statuses[0], statuses[1], statuses[2]))
    can_reach = {
        (model, action, role)
        for key in reachable
        for role, operation in [json.loads(key)]
        for model, action in rows_of.get(operation, ())
    }
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
                )
                for role in ROLES
            ),
        )
        for c in abilities.get("cells", ())
    )
    return AbilityMatrix(roles=ROLES, rows=rows)


def _cell(role: str, statuses: list[tuple[int, int, int]], reachable: bool) -> MatrixCell:
    allowed = tuple(sum(s[i] < 300 for s in statuses) for i in range(3))
    return MatrixCell(
        role=role,
        reachable=reachable,
        requests=len(statuses),
        allowed=allowed,  # type: ignore[arg-type]  # three sides
        mismatches=sum(s[0] != s[2] or s[1] != s[2] for s in statuses),
    )
