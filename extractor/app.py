"""SourceTree -> App: run every reader over its files (pure; reading happened in sources)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from extractor.cache import NO_CACHE, Cache
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
from extractor.sources import SourceFile, SourceTree

T = TypeVar("T")


def build_app(
    tree: SourceTree, env: str | None = None, cache: Cache = NO_CACHE
) -> tuple[App, list[Diagnostic]]:
    """Parse every file of the tree into one App; diagnostics keep file:line. Each file's
    facts come from `cache` when its text was read before."""
    diagnostics = list(tree.diagnostics)
    serializers: list[Serializer] = []
    constants: list[Constant] = []

    def facts(reader: Callable[[SourceFile], T], source: SourceFile) -> T:
        return cache.facts(reader.__name__, source.path, source.text, lambda: reader(source))

    for source in tree.serializers:
        found, consts, diags = facts(parse_serializers, source)
        serializers.extend(found)
        constants.extend(consts)
        diagnostics.extend(diags)
    enums: list[ModelEnum] = []
    permits: list[PermitList] = []
    for source in tree.models:
        model = facts(parse_models, source)
        enums.extend(model.enums)
        constants.extend(model.constants)
        permits.extend(model.permits)
        diagnostics.extend(model.diagnostics)
    controllers: list[Controller] = []
    for source in tree.controllers:
        found_c, diags = facts(parse_controllers, source)
        controllers.extend(found_c)
        diagnostics.extend(diags)
    services: list[ServiceMethod] = []
    for source in tree.services:
        found_s, diags = facts(parse_services, source)
        services.extend(found_s)
        diagnostics.extend(diags)
    tables: list[Table] = []
    if tree.schema is not None:
        tables, diags = facts(parse_schema, tree.schema)
        diagnostics.extend(diags)
    routes: list[Route] = []
    if tree.routes is not None:
        source, parts = tree.routes, tree.route_parts
        routes, diags = cache.facts(
            "parse_routes",
            source.path,
            "\0".join([str(env), str(tree.api_only), source.text, *(p.text for p in parts)]),
            lambda: parse_routes(source, env, parts, api_only=tree.api_only),
        )
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
