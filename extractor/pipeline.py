"""SourceTree -> OpenAPI document + report: the whole extraction, pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractor.actions import Action, ActionReader, action_loc
from extractor.app import build_app
from extractor.cache import NO_CACHE, Cache
from extractor.errors import Diagnostic, DiagnosticKind
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


def in_spec(
    action: Action, paths: tuple[str, ...] = (), json_controllers: frozenset[str] = frozenset()
) -> bool:
    """With `--paths`, the routes under those prefixes. Otherwise the routes of the JSON
    API: under an API-looking path (`/api/...`, `/v1/...`, `.json`), drawn with
    `defaults: {format: :json}`, whose action evidently renders JSON or whose controller
    does in another routed action (`movies#destroy` next to `movies#index`) or inherits
    ActionController::API; and Rack endpoints such as `/up` (no controller at all)."""
    path = action.route.path
    if paths:
        return any(path == p.rstrip("/") or path.startswith(p.rstrip("/") + "/") for p in paths)
    return (
        api_looking(path)
        or action.route.json
        or action.answer.json
        or action.json_controller
        or action.route.controller in json_controllers
        or action.route.action == "(proc)"
    )


def api_looking(path: str) -> bool:
    """`/api/...`, `/v2/...`, `/x.json`: a path a JSON API is drawn under (`/help/api`,
    an HTML page about the API, is not)."""
    first = path.strip("/").split("/")[0]
    return (
        path.endswith(".json")
        or first == "api"
        or first.startswith("api.")
        or (first[:1] == "v" and first[1:].isdigit())
    )


def unknown_answers(actions: list[Action]) -> list[Diagnostic]:
    """Operations whose body the extractor cannot tell: kept with an untyped 200."""
    return [
        Diagnostic(
            loc=action_loc(a),
            kind=DiagnosticKind.UNRESOLVED,
            message=f"{a.route.to}: cannot tell what it renders"
            + (f" ({a.answer.note})" if a.answer.note else "")
            + "; documented as an untyped 200. Describe it in spec/overrides.yaml.",
        )
        for a in actions
        if a.answer.kind in ("opaque", "jbuilder")
    ]


def extract(
    tree: SourceTree,
    *,
    env: str | None,
    overrides: Any = None,
    overrides_path: str = "spec/overrides.yaml",
    title: str = "Loomio API",
    paths: tuple[str, ...] = (),
    cache: Cache = NO_CACHE,
) -> Extraction:
    """Parse, resolve, describe actions, build the document, apply overrides, report."""
    app, diagnostics = build_app(tree, env, cache)
    resolver = Resolver(app)
    resolved = resolver.resolve_all()
    reader = ActionReader(app, frozenset(s.name for s in app.serializers), frozenset(tree.views))
    described = [reader.describe(r) for r in app.routes]
    json_controllers = frozenset(a.route.controller for a in described if a.answer.json)
    actions = [a for a in described if in_spec(a, paths, json_controllers)]
    columns = {
        t.name: {
            c.name: column_schema(resolver.column_type(c), c.limit, c.sql_type) for c in t.columns
        }
        for t in app.tables
    }
    document = build_openapi(resolved, actions, columns, title)
    stale: list[Diagnostic] = []
    applied: list[Applied] = []
    if overrides:
        document, stale, applied = apply_overrides(document, overrides, overrides_path)
    all_diagnostics = sorted(
        set(
            diagnostics
            + resolver.diagnostics
            + reader.diagnostics
            + stale
            + unknown_answers(actions)
        ),
        key=lambda d: (d.loc, d.kind.value, d.message),
    )
    settled = settled_by_overrides(all_diagnostics, resolved, applied)
    still_open = [d for d in all_diagnostics if d not in settled]
    summary = summarize(
        len(tree.serializers), resolved, len(app.routes), actions, still_open, len(settled)
    )
    report = build_report(summary, resolved, actions, still_open, settled)
    return Extraction(
        document=document,
        report=report,
        summary=summary,
        diagnostics=tuple(still_open),
        resolved=tuple(settled.items()),
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
