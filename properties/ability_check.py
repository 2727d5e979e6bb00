"""Cross-check the hand-written permission oracle against the extracted ability rules.

For every cell of the oracle's decision table whose action's operation checks abilities
(`x-rails-abilities` in spec/openapi.yaml) made of atoms only (spec/abilities.yaml), the
extracted conditions are evaluated on the cell's world (oracles.ability_eval) and compared
with `decide(cell)`. A disagreement is a bug in the oracle, in the extraction, or a Loomio
quirk; properties/ABILITIES.md settles each one from the Ruby.

    python -m properties.ability_check [--spec spec/openapi.yaml] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from properties.oracles.ability_eval import Context, Unknown, evaluate
from properties.oracles.permission_rules import Facts
from properties.oracles.permissions import ENDPOINTS, Action, Cell, cells, decide

SPEC = Path(__file__).resolve().parents[1] / "spec" / "openapi.yaml"


def spec_operation(action: Action, paths: Iterable[str]) -> str | None:
    """`PATCH /api/v1/discussions/{id}`: the spec operation an oracle action is sent to."""
    method, template = ENDPOINTS[action]
    wanted = template.partition("?")[0].split("/")
    for path in paths:
        parts = path.split("/")
        if len(parts) == len(wanted) and all(
            a == b or (a.startswith("{") and b.startswith("{"))
            for a, b in zip(parts, wanted, strict=True)
        ):
            return f"{method} {path}"
    return None


def checked_cells(spec: Mapping[str, Any], operation: str) -> list[tuple[str, str]]:
    """The (model, action) cells an operation always checks (optional loads left out)."""
    method, _, path = operation.partition(" ")
    op = spec.get("paths", {}).get(path, {}).get(method.lower(), {})
    return [
        (e["model"], e["action"])
        for e in op.get("x-rails-abilities", ())
        if "model" in e and not e.get("optional")
    ]


@dataclass(frozen=True, slots=True)
class Disagreement:
    cell: Cell
    operation: str
    checks: tuple[tuple[str, str], ...]
    extracted: bool
    oracle: int
    oracle_detail: str

    def __str__(self) -> str:
        checks = ", ".join(f"{m}#{a}" for m, a in self.checks)
        return (
            f"{self.cell.actor} / {self.cell.action.value} ({_describe(self.cell)}): "
            f"{self.operation} checks {checks} -> extracted {'allow' if self.extracted else 'deny'}, "
            f"oracle {self.oracle} {self.oracle_detail}"
        )


@dataclass(slots=True)
class CrossCheck:
    compared: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    actions: set[str] = field(default_factory=set)


def _describe(cell: Cell) -> str:
    from properties.permission_actions import describe  # the suite's wording of a config

    return describe(cell.config)


def cross_check(
    spec: Mapping[str, Any], abilities: Mapping[str, Any], table: Iterable[Cell] | None = None
) -> CrossCheck:
    """Compare every cell of the oracle's table with the extracted conditions."""
    conditions = {(c["model"], c["action"]): c["condition"] for c in abilities.get("cells", ())}
    paths = list(spec.get("paths", {}))
    result = CrossCheck()
    for cell in cells() if table is None else table:
        operation = spec_operation(cell.action, paths)
        checks = checked_cells(spec, operation) if operation else []
        decision = decide(cell)
        if not checks:
            result.skipped["the operation checks no ability"] += 1
            continue
        if decision.status not in (200, 403):
            result.skipped[f"the oracle answers {decision.status} (not an ability decision)"] += 1
            continue
        facts = Facts(cell.actor, cell.config)
        try:
            extracted = all(
                evaluate(conditions.get((m, a), {"value": False}), m, Context(facts, conditions, m))
                for m, a in checks
            )
        except Unknown as exc:
            result.skipped[f"not in the world model: {exc}"] += 1
            continue
        result.compared += 1
        result.actions.add(cell.action.value)
        if extracted != decision.allowed:
            assert operation is not None
            result.disagreements.append(
                Disagreement(
                    cell, operation, tuple(checks), extracted, decision.status, decision.detail
                )
            )
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the cross-check; exit 1 when the oracle and the rules disagree."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spec", type=Path, default=SPEC, help="spec; abilities.yaml is read next to it"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args(argv)
    spec = yaml.safe_load(args.spec.read_text(encoding="utf-8"))
    abilities_path = args.spec.with_name("abilities.yaml")
    if not abilities_path.exists():
        print(
            f"{abilities_path}: not found; run `parity extract -o {args.spec}` first",
            file=sys.stderr,
        )
        return 2
    result = cross_check(spec, yaml.safe_load(abilities_path.read_text(encoding="utf-8")))
    if args.json:
        document = {
            "compared": result.compared,
            "actions": sorted(result.actions),
            "disagreements": [str(d) for d in result.disagreements],
            "skipped": dict(sorted(result.skipped.items())),
        }
        print(json.dumps(document, indent=2))
    else:
        for d in result.disagreements:
            print(d)
        print(
            f"{result.compared} oracle cells compared over {len(result.actions)} actions: "
            f"{len(result.disagreements)} disagreements; {sum(result.skipped.values())} not comparable"
        )
    return 1 if result.disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
