"""SourceTree -> App: run every reader over its files (pure; reading happened in sources)."""

from __future__ import annotations

from extractor.errors import Diagnostic
from extractor.model import (
    App,
    Constant,
    Controller,
    ModelEnum,
    PermitList,
    Route,
    Serializer,
    ServiceMethod,
    Table,
)
from extractor.ruby.controllers import parse_controllers
from extractor.ruby.models import parse_models
from extractor.ruby.routes import parse_routes
from extractor.ruby.schema import parse_schema
from extractor.ruby.serializers import parse_serializers
from extractor.ruby.services import parse_services
from extractor.sources import SourceTree


def build_app(tree: SourceTree, env: str | None = None) -> tuple[App, list[Diagnostic]]:
    """Parse every file of the tree into one App; diagnostics keep file:line."""
    diagnostics = list(tree.diagnostics)
    serializers: list[Serializer] = []
    constants: list[Constant] = []
    for source in tree.serializers:
        found, consts, diags = parse_serializers(source)
        serializers.extend(found)
        constants.extend(consts)
        diagnostics.extend(diags)
    enums: list[ModelEnum] = []
    permits: list[PermitList] = []
    for source in tree.models:
        facts = parse_models(source)
        enums.extend(facts.enums)
        constants.extend(facts.constants)
        permits.extend(facts.permits)
        diagnostics.extend(facts.diagnostics)
    controllers: list[Controller] = []
    for source in tree.controllers:
        found_c, diags = parse_controllers(source)
        controllers.extend(found_c)
        diagnostics.extend(diags)
    services: list[ServiceMethod] = []
    for source in tree.services:
        found_s, diags = parse_services(source)
        services.extend(found_s)
        diagnostics.extend(diags)
    tables: list[Table] = []
    if tree.schema is not None:
        tables, diags = parse_schema(tree.schema)
        diagnostics.extend(diags)
    routes: list[Route] = []
    if tree.routes is not None:
        routes, diags = parse_routes(tree.routes, env, tree.route_parts, api_only=tree.api_only)
        diagnostics.extend(diags)
    app = App(
        serializers=tuple(serializers),
        tables=tuple(tables),
        routes=tuple(routes),
        controllers=tuple(controllers),
        services=tuple(services),
        enums=tuple(enums),
        constants=tuple(constants),
        permits=tuple(permits),
    )
    return app, diagnostics
