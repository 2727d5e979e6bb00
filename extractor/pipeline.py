"""SourceTree -> OpenAPI document + report: the whole extraction, pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractor.ability_spec import extract_abilities
from extractor.actions import Action, ActionReader
from extractor.app import build_app
from extractor.errors import Diagnostic
from extractor.model import Loc
from extractor.openapi import build_openapi, column_schema, schema_name
from extractor.overrides import Applied, apply_overrides, pointer_of
from extractor.report import Summary, build_report, summarize
from extractor.resolve import Resolved, Resolver
from extractor.sources import SourceTree


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction:
    document: dict[str, Any]
    report: dict[str, Any]
    summary: Summary
    diagnostics: tuple[Diagnostic, ...]  # still open; what `parity extract` prints
    resolved: tuple[tuple[Diagnostic, Loc], ...] = ()  # and the override that settles each
    abilities: dict[str, Any] | None = None  # spec/abilities.yaml (None: no app/models/ability)


def in_spec(action: Action) -> bool:
    """API routes (`api/...` controllers) and Rack endpoints such as `/up` become operations."""
    return action.route.controller.startswith("api/") or action.route.action == "(proc)"


def extract(
    tree: SourceTree,
    *,
    env: str | None,
    overrides: Any = None,
    overrides_path: str = "spec/overrides.yaml",
    title: str = "Loomio API",
) -> Extraction:
    """Parse, resolve, describe actions, build the document, apply overrides, report."""
    app, diagnostics = build_app(tree, env)
    resolver = Resolver(app)
    resolved = resolver.resolve_all()
    reader = ActionReader(app, frozenset(s.name for s in app.serializers))
    actions = [a for a in (reader.describe(r) for r in app.routes) if in_spec(a)]
    columns = {
        t.name: {
            c.name: column_schema(resolver.column_type(c), c.limit, c.sql_type) for c in t.columns
        }
        for t in app.tables
    }
    document = build_openapi(resolved, actions, columns, title)
    abilities, ability_diagnostics = extract_abilities(tree, document, (t.name for t in app.tables))
    stale: list[Diagnostic] = []
    applied: list[Applied] = []
    if overrides:
        document, stale, applied = apply_overrides(document, overrides, overrides_path)
    all_diagnostics = sorted(
        set(diagnostics + resolver.diagnostics + reader.diagnostics + stale + ability_diagnostics),
        key=lambda d: (d.loc, d.kind.value, d.message),
    )
    settled = settled_by_overrides(all_diagnostics, resolved, applied)
    still_open = [d for d in all_diagnostics if d not in settled]
    summary = summarize(
        len(tree.serializers), resolved, len(app.routes), actions, still_open, len(settled)
    )
    report = build_report(summary, resolved, actions, still_open, settled)
    if abilities is not None:
        report["summary"].update(abilities["summary"])
    return Extraction(
        document=document,
        report=report,
        summary=summary,
        diagnostics=tuple(still_open),
        resolved=tuple(settled.items()),
        abilities=abilities,
    )


def settled_by_overrides(
    diagnostics: list[Diagnostic], resolved: list[Resolved], applied: list[Applied]
) -> dict[Diagnostic, Loc]:
    """Untyped-attribute warnings whose property an override sets in every schema that
    has it (`Poll/properties/results`), with the first such override."""
    pointers: dict[tuple[Loc, str], list[str]] = {}
    for r in resolved:
        for f in r.fields:
            if not f.type.known:
                pointer = pointer_of(
                    ["components", "schemas", schema_name(r.name), "properties", f.key]
                )
                pointers.setdefault((f.loc, f.key), []).append(pointer)
    out: dict[Diagnostic, Loc] = {}
    for d in diagnostics:
        found = [
            next((a.loc for a in applied if a.covers(p)), None)
            for p in pointers.get((d.loc, d.subject), [])
            if d.subject
        ]
        if found and all(loc is not None for loc in found):
            out[d] = min(loc for loc in found if loc is not None)
    return out
