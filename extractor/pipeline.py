"""SourceTree -> OpenAPI document + report: the whole extraction, pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractor.actions import Action, ActionReader
from extractor.app import build_app
from extractor.errors import Diagnostic
from extractor.openapi import build_openapi, value_schema
from extractor.overrides import apply_overrides
from extractor.report import Summary, build_report, summarize
from extractor.resolve import Resolver
from extractor.sources import SourceTree


@dataclass(frozen=True, slots=True, kw_only=True)
class Extraction:
    document: dict[str, Any]
    report: dict[str, Any]
    summary: Summary
    diagnostics: tuple[Diagnostic, ...]


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
        t.name: {c.name: value_schema(resolver.column_type(c)) for c in t.columns}
        for t in app.tables
    }
    document = build_openapi(resolved, actions, columns, title)
    stale: list[Diagnostic] = []
    if overrides:
        document, stale, _ = apply_overrides(document, overrides, overrides_path)
    all_diagnostics = sorted(
        set(diagnostics + resolver.diagnostics + reader.diagnostics + stale),
        key=lambda d: (d.loc, d.kind.value, d.message),
    )
    summary = summarize(len(tree.serializers), resolved, len(app.routes), actions, all_diagnostics)
    report = build_report(summary, resolved, actions, all_diagnostics)
    return Extraction(
        document=document, report=report, summary=summary, diagnostics=tuple(all_diagnostics)
    )
