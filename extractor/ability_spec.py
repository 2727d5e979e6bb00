"""Abilities + operations -> spec/abilities.yaml and `x-rails-abilities` (pure), and its schema.

cells:
- model: Comment
  action: update
  rules: [app/models/ability/comment.rb:11]
  atoms_only: true
  condition: {all: [{not: {atom: state, name: closed, of: discussion}}, ...]}
  operations: [PATCH /api/v1/comments/{id}]
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema_rs

from extractor import inflect
from extractor.abilities import (
    Abilities,
    Checked,
    CheckFinder,
    Reached,
    atoms_only,
    read_abilities,
    unchecked_reason,
)
from extractor.ability_model import AbilityRule
from extractor.cache import NO_CACHE, Cache
from extractor.errors import Diagnostic, ExtractorError
from extractor.sources import SourceTree

SCHEMA = Path(__file__).with_name("abilities.schema.json")


@dataclass(frozen=True, slots=True)
class InvalidAbilities(ExtractorError):
    """spec/abilities.yaml breaks extractor/abilities.schema.json (a bug in the extractor)."""

    where: str
    reason: str

    def __str__(self) -> str:
        return (
            f"spec/abilities.yaml at {self.where}: {self.reason}. Nothing was written; "
            "report the bug with the ability file this place comes from."
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Operation:
    """One operation of the spec (`GET /api/v1/discussions/{id}`) and what it checks."""

    method: str
    path: str
    rails_action: str
    reached: Reached

    @property
    def name(self) -> str:
        return f"{self.method.upper()} {self.path}"


def ability_entries(checks: Iterable[Checked], known: frozenset[str]) -> list[dict[str, Any]]:
    """`x-rails-abilities` of one operation: each (model, action) once, first place kept."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for c in checks:
        model = c.model if c.model in known else None
        entry: dict[str, Any] = (
            {"model": model, "action": c.action}
            if model
            else {"subject": c.check.subject, "action": c.action}
        )
        entry["how"] = c.check.how
        if c.check.optional:
            entry["optional"] = True
        entry["at"] = str(c.check.loc)
        key = (model or f"?{c.check.subject}", c.action)
        known_entry = out.get(key)
        if known_entry is None or (known_entry.get("optional") and not c.check.optional):
            out[key] = entry  # a check every request makes wins over a conditional one
    return list(out.values())


def _rule_entry(rule: AbilityRule) -> dict[str, Any]:
    return {
        "at": str(rule.loc),
        "end_line": rule.end_line,
        "kind": rule.kind,
        "model": rule.model,
        "actions": list(rule.actions),
        "module": rule.module,
        "atoms_only": atoms_only(rule.condition),
        "condition": rule.condition.to_dict(),
        "text": str(rule.condition),
        "source": rule.source,
    }


def abilities_document(
    abilities: Abilities, operations: list[Operation], known: frozenset[str]
) -> dict[str, Any]:
    """spec/abilities.yaml: rules, the cells they make, which operations reach each cell."""
    reaching: dict[tuple[str, str], set[str]] = {}
    for op in operations:
        for entry in ability_entries(op.reached.checks, known):
            if "model" in entry:
                reaching.setdefault((entry["model"], entry["action"]), set()).add(op.name)
    keys = {(r.model, a) for r in abilities.rules for a in r.actions} | set(reaching)
    cells = [_cell(abilities, m, a, sorted(reaching.get((m, a), ()))) for m, a in sorted(keys)]
    unchecked = [
        _unchecked_entry(op, abilities)
        for op in operations
        if not any("model" in e for e in ability_entries(op.reached.checks, known))
    ]
    rules = [_rule_entry(r) for r in abilities.rules]
    parsed = sum(r["atoms_only"] for r in rules)
    checked = len(operations) - len(unchecked)
    return {
        "source": "app/models/ability",
        "summary": {
            "ability_files": len(abilities.files),
            "ability_rules": len(rules),
            "ability_rules_atoms_only": parsed,
            "ability_rules_atoms_only_share": round(parsed / len(rules), 4) if rules else 1.0,
            "ability_cells": len(cells),
            "ability_cells_atoms_only": sum(c["atoms_only"] for c in cells),
            "operations_checked": checked,
            "operations_checked_share": round(checked / len(operations), 4) if operations else 1.0,
            "operations_unchecked": len(unchecked),
            "operations_unchecked_by_design": sum("review" not in u for u in unchecked),
            "operations_to_review": sum("review" in u for u in unchecked),
        },
        "composition": list(abilities.composition),
        "aliases": [
            {"name": a.name, "actions": list(a.actions), "at": str(a.loc)}
            for a in abilities.aliases
        ],
        "rules": rules,
        "cells": cells,
        "unchecked_operations": sorted(unchecked, key=lambda u: u["operation"]),
    }


def _unchecked_entry(op: Operation, abilities: Abilities) -> dict[str, Any]:
    """An operation that checks no ability, with why (read from its code)."""
    why = unchecked_reason(op.reached, op.rails_action.partition("#")[2], abilities)
    entry: dict[str, Any] = {
        "operation": op.name,
        "rails_action": op.rails_action,
        "reason": why.reason,
    }
    if why.review:
        entry["review"] = True
    return entry


def _cell(abilities: Abilities, model: str, action: str, operations: list[str]) -> dict[str, Any]:
    rules = abilities.rules_for(model, action)
    condition = abilities.condition(model, action)
    return {
        "model": model,
        "action": action,
        "rules": [str(r.loc) for r in rules],
        "atoms_only": atoms_only(condition),
        "condition": condition.to_dict(),
        "text": str(condition) if rules else "no rule: always denied",
        "operations": operations,
    }


@cache
def _validator() -> Any:
    """The schema, checked in Rust (jsonschema-rs: ~2 ms on Loomio's 216 entries)."""
    return jsonschema_rs.validator_for(json.loads(SCHEMA.read_text(encoding="utf-8")))


def validate_abilities(document: dict[str, Any]) -> None:
    """Raise InvalidAbilities naming the first place where the document breaks its schema."""
    error = next(iter(_validator().iter_errors(document)), None)
    if error is not None:
        where = "/".join(str(p) for p in error.instance_path) or "(root)"
        raise InvalidAbilities(where, error.message)


def add_abilities(
    document: dict[str, Any], abilities: Abilities, finder: CheckFinder, known: frozenset[str]
) -> dict[str, Any]:
    """Set `x-rails-abilities` on every operation that checks one; spec/abilities.yaml."""
    operations: list[Operation] = []
    for path, item in document.get("paths", {}).items():
        for method, op in item.items():
            controller, _, action = str(op.get("x-rails-action", "")).partition("#")
            if not action:
                continue
            reached = finder.reach(controller, action)
            operations.append(
                Operation(
                    method=method, path=path, rails_action=op["x-rails-action"], reached=reached
                )
            )
            entries = ability_entries(reached.checks, known)
            if entries:
                op["x-rails-abilities"] = entries
    return abilities_document(abilities, operations, known)


def extract_abilities(
    tree: SourceTree, document: dict[str, Any], tables: Iterable[str], cache: Cache = NO_CACHE
) -> tuple[dict[str, Any] | None, list[Diagnostic]]:
    """spec/abilities.yaml of a tree (None when it has no app/models/ability) + diagnostics;
    `document`'s operations get their `x-rails-abilities`."""
    abilities = read_abilities(tree.models, cache)
    if not abilities.files:
        return None, []
    known = frozenset(
        {r.model for r in abilities.rules}
        | {inflect.camelize(inflect.singularize(t)) for t in tables}
    )
    result = add_abilities(document, abilities, CheckFinder.from_tree(tree, cache), known)
    validate_abilities(result)
    return result, list(abilities.diagnostics)
