"""Find and read the Ruby files of a Rails tree -> SourceFile(path, text)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractor.errors import Diagnostic, DiagnosticKind, MissingRailsRoot
from extractor.model import Loc


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Ruby file: its path relative to RAILS_ROOT (posix) and its text."""

    path: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceTree:
    """The files the extractor reads, grouped by the construct they hold."""

    serializers: tuple[SourceFile, ...]
    controllers: tuple[SourceFile, ...]
    services: tuple[SourceFile, ...]
    models: tuple[SourceFile, ...]
    schema: SourceFile | None
    routes: SourceFile | None
    diagnostics: tuple[Diagnostic, ...]
    route_parts: tuple[SourceFile, ...] = ()  # config/routes/*.rb, for `draw(:name)`
    views: tuple[str, ...] = ()  # app/views/**/*.jbuilder, relative to app/views (not read)
    api_only: bool = False  # `config.api_only = true`: resources draw no new/edit


_GROUPS = {
    "serializers": "app/serializers",
    "controllers": "app/controllers",
    "services": "app/services",
    "models": "app/models",
    "route_parts": "config/routes",
}


def read_tree(root: Path) -> SourceTree:
    """Read every file the extractor understands; unreadable files become diagnostics."""
    if not root.is_dir():
        raise MissingRailsRoot(str(root), "directory")
    if not (root / "app").is_dir():
        raise MissingRailsRoot(str(root), "app/ directory")
    diagnostics: list[Diagnostic] = []
    groups: dict[str, tuple[SourceFile, ...]] = {}
    for group, folder in _GROUPS.items():
        paths = sorted((root / folder).rglob("*.rb")) if (root / folder).is_dir() else []
        files = (_read(root, p, diagnostics) for p in paths)
        groups[group] = tuple(f for f in files if f is not None)
    return SourceTree(
        serializers=groups["serializers"],
        controllers=groups["controllers"],
        services=groups["services"],
        models=groups["models"],
        schema=_read_optional(root, "db/schema.rb", diagnostics),
        routes=_read_optional(root, "config/routes.rb", diagnostics),
        diagnostics=tuple(diagnostics),
        route_parts=groups["route_parts"],
        views=tuple(
            p.relative_to(root / "app" / "views").as_posix()
            for p in sorted((root / "app" / "views").rglob("*.jbuilder"))
        ),
        api_only=_api_only(root / "config" / "application.rb"),
    )


def _api_only(application: Path) -> bool:
    """`config.api_only = true` in config/application.rb (a Rails API app)."""
    try:
        lines = application.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return any(line.split("#", 1)[0].replace(" ", "") == "config.api_only=true" for line in lines)


def _read_optional(root: Path, rel: str, diagnostics: list[Diagnostic]) -> SourceFile | None:
    path = root / rel
    if not path.exists():
        diagnostics.append(
            Diagnostic(
                loc=Loc(rel, 0),
                kind=DiagnosticKind.UNREADABLE,
                message=f"{rel} not found; the spec will lack what it defines.",
            )
        )
        return None
    return _read(root, path, diagnostics)


def _read(root: Path, path: Path, diagnostics: list[Diagnostic]) -> SourceFile | None:
    rel = path.relative_to(root).as_posix()
    try:
        return SourceFile(rel, path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        diagnostics.append(
            Diagnostic(
                loc=Loc(rel, 0),
                kind=DiagnosticKind.UNREADABLE,
                message=f"cannot read file ({reason}); skipped. Check its permissions/encoding.",
            )
        )
        return None
