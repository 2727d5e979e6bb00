"""config/routes.rb -> Route (the Rails routing mapper, statically expanded)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from tree_sitter import Node

from extractor import inflect
from extractor.errors import Diagnostic, DiagnosticKind, Severity
from extractor.model import Route
from extractor.ruby.nodes import (
    Parsed,
    arguments,
    block_body,
    call_name,
    name_of,
    options,
    parse,
    positional,
    receiver,
    statements,
    strings_of,
    text,
)
from extractor.sources import SourceFile

_VERBS = ("get", "post", "patch", "put", "delete")
_CANONICAL = frozenset({"index", "create", "new", "show", "update", "destroy"})
_PLURAL_ACTIONS = (
    ("index", "GET", ""),
    ("create", "POST", ""),
    ("new", "GET", "/new"),
    ("edit", "GET", "/:id/edit"),
    ("show", "GET", "/:id"),
    ("update", "PATCH", "/:id"),
    ("update", "PUT", "/:id"),
    ("destroy", "DELETE", "/:id"),
)
_SINGULAR_ACTIONS = (
    ("create", "POST", ""),
    ("new", "GET", "/new"),
    ("edit", "GET", "/edit"),
    ("show", "GET", ""),
    ("update", "PATCH", ""),
    ("update", "PUT", ""),
    ("destroy", "DELETE", ""),
)
_IGNORED = frozenset(
    {"mount", "root", "devise_for", "draw", "concern", "concerns", "direct", "resolve"}
)


@dataclass(frozen=True, slots=True)
class _Scope:
    """Where a routing call sits: path prefix, controller module, and, inside a resource
    block, its member (`/groups/:id`), collection (`/groups`) and nested (`/groups/:group_id`)
    paths and the member/collection level."""

    path: str = ""
    module: str = ""
    controller: str | None = None
    level: str | None = None
    member_path: str = ""
    collection_path: str = ""
    nested_path: str = ""


def parse_routes(
    source: SourceFile, env: str | None = None
) -> tuple[list[Route], list[Diagnostic]]:
    """Every route of routes.rb; with `env`, blocks guarded by `Rails.env` for other envs are left out."""
    parsed = parse(source)
    reader = _Reader(parsed, env)
    draw = _find_draw(parsed.root)
    reader.block(draw if draw is not None else parsed.root, _Scope())
    return reader.routes, list(parsed.diagnostics) + reader.diagnostics


def _find_draw(root: Node) -> Node | None:
    for stmt in statements(root):
        if stmt.type == "call" and call_name(stmt) == "draw":
            return block_body(stmt)
    return None


class _Reader:
    def __init__(self, parsed: Parsed, env: str | None) -> None:
        self.parsed = parsed
        self.env = env
        self.routes: list[Route] = []
        self.diagnostics: list[Diagnostic] = []

    def block(self, body: Node | None, scope: _Scope) -> None:
        for stmt in statements(body):
            self.statement(stmt, scope)

    def statement(self, stmt: Node, scope: _Scope) -> None:
        if stmt.type in ("if", "unless"):
            self.conditional(stmt, scope)
            return
        if stmt.type in ("if_modifier", "unless_modifier"):
            self.note(stmt, "conditional route (modifier form) kept for every environment")
            self.statement(stmt.named_children[0], scope)
            return
        if stmt.type not in ("call", "identifier"):
            self.note(stmt, "unknown routing statement; skipped")
            return
        name = call_name(stmt) or ""
        handler = getattr(self, f"on_{name}", None)
        if receiver(stmt) is not None and name != "routes":
            self.note(stmt, "unknown routing helper; skipped")
        elif name in _VERBS or name == "match":
            self.verb(stmt, scope, name)
        elif handler is not None:
            handler(stmt, scope)
        elif name in _IGNORED:
            self.note(stmt, f"`{name}` does not define API routes; skipped", Severity.INFO)
        elif block_body(stmt) is not None:
            self.note(
                stmt, f"unknown block helper `{name}`; its routes are read as plain", Severity.INFO
            )
            self.block(block_body(stmt), scope)
        else:
            self.note(
                stmt, f"unknown routing helper `{name}`; its routes are missing from the spec"
            )

    def conditional(self, stmt: Node, scope: _Scope) -> None:
        verdict = _env_condition(text(stmt.child_by_field_name("condition")), self.env)
        if stmt.type == "unless" and verdict is not None:
            verdict = not verdict
        consequence = stmt.child_by_field_name("consequence")
        alternative = stmt.child_by_field_name("alternative")
        if verdict is None:
            self.block(consequence, scope)
            self.block(alternative, scope)
        elif verdict:
            self.block(consequence, scope)
        elif alternative is not None:
            self.block(alternative, scope)

    def on_namespace(self, stmt: Node, scope: _Scope) -> None:
        args = positional(stmt)
        name = name_of(args[0]) if args else None
        if name is None:
            self.note(stmt, "namespace without a literal name; skipped")
            return
        opts = options(stmt)
        path = name_of(opts.get("path")) or name
        inner = _Scope(path=f"{scope.path}/{path}", module=_join(scope.module, name))
        self.block(block_body(stmt), inner)

    def on_scope(self, stmt: Node, scope: _Scope) -> None:
        args = positional(stmt)
        opts = options(stmt)
        path = name_of(args[0]) if args else name_of(opts.get("path"))
        module = name_of(opts.get("module"))
        inner = replace(
            scope,
            path=scope.path + ("/" + path.strip("/") if path else ""),
            module=_join(scope.module, module) if module else scope.module,
        )
        self.block(block_body(stmt), inner)

    def on_resources(self, stmt: Node, scope: _Scope) -> None:
        self.resource(stmt, scope, plural=True)

    def on_resource(self, stmt: Node, scope: _Scope) -> None:
        self.resource(stmt, scope, plural=False)

    def resource(self, stmt: Node, scope: _Scope, *, plural: bool) -> None:
        opts = options(stmt)
        for arg in positional(stmt):
            name = name_of(arg)
            if name is None:
                self.note(stmt, "resource without a literal name; skipped")
                continue
            base = scope.nested_path if scope.controller else scope.path
            path = f"{base}/{name_of(opts.get('path')) or name}"
            plural_name = name if plural else inflect.pluralize(name)
            controller = _join(scope.module, name_of(opts.get("controller")) or plural_name)
            param = name_of(opts.get("param")) or "id"
            table = _PLURAL_ACTIONS if plural else _SINGULAR_ACTIONS
            for action in _selected(opts, table):
                for act, verb, suffix in table:
                    if act == action:
                        self.add(
                            stmt, verb, path + suffix.replace(":id", f":{param}"), controller, act
                        )
            inner = _Scope(
                path=path,
                module=scope.module,
                controller=controller,
                member_path=f"{path}/:{param}" if plural else path,
                collection_path=path,
                nested_path=f"{path}/:{inflect.singularize(name)}_id" if plural else path,
            )
            self.block(block_body(stmt), inner)

    def on_member(self, stmt: Node, scope: _Scope) -> None:
        self.block(block_body(stmt), replace(scope, level="member"))

    def on_collection(self, stmt: Node, scope: _Scope) -> None:
        self.block(block_body(stmt), replace(scope, level="collection"))

    def verb(self, stmt: Node, scope: _Scope, verb: str) -> None:
        args = positional(stmt)
        opts = options(stmt)
        first = args[0] if args else None
        target_node = opts.get("to")
        rocket = next((a for a in arguments(stmt) if _is_rocket(a)), None)
        if first is None and rocket is not None:  # get 'x' => 'c#a'
            target_node = rocket.child_by_field_name("value")
            first = rocket.child_by_field_name("key")
        raw = name_of(first) if first is not None else None
        target = name_of(target_node)
        if target_node is not None and target is None:
            if call_name(target_node) == "redirect":
                self.note(stmt, "redirect; not an API route", Severity.INFO)
            else:  # a Rack endpoint such as `to: proc { [200, {}, ["ok"]] }`
                path = _clean(scope.path + "/" + (raw or "").lstrip("/"))
                self.add(stmt, verb.upper(), path, "", "(proc)")
            return
        if raw is None:
            self.note(stmt, "route without a literal path; skipped")
            return
        level = name_of(opts.get("on")) or scope.level
        action = name_of(opts.get("action"))
        controller = scope.controller
        if target and "#" in target:
            ctrl, action = target.split("#", 1)
            controller = _join(scope.module, ctrl)
        elif target:
            action = target
        action = action or raw.strip("/").split("/")[-1].lstrip(":")
        controller = controller or scope.module or None  # `namespace(:x) { get :y }` -> x#y
        if controller is None:
            self.note(stmt, f"route `{raw}` names no controller; skipped")
            return
        if level == "member":
            base = scope.member_path
        elif level == "collection":
            base = scope.collection_path
        else:
            base = scope.nested_path if scope.nested_path else scope.path
        canonical = level in ("member", "collection") and raw in _CANONICAL
        segment = "" if canonical else "/" + raw.lstrip("/")
        verbs = list(strings_of(opts.get("via")) or ()) if verb == "match" else [verb]
        for one in verbs:
            self.add(stmt, one.upper(), _clean(base + segment), controller, action)

    def add(self, stmt: Node, verb: str, path: str, controller: str, action: str) -> None:
        self.routes.append(
            Route(
                verb=verb,
                path=path or "/",
                controller=controller,
                action=action,
                loc=self.parsed.loc(stmt),
            )
        )

    def note(self, stmt: Node, message: str, severity: Severity = Severity.WARNING) -> None:
        snippet = " ".join(text(stmt).split())[:50]
        self.diagnostics.append(
            Diagnostic(
                loc=self.parsed.loc(stmt),
                kind=DiagnosticKind.UNSUPPORTED,
                message=f"{message}: `{snippet}`",
                severity=severity,
            )
        )


def _is_rocket(node: Node) -> bool:
    key = node.child_by_field_name("key") if node.type == "pair" else None
    return key is not None and key.type == "string"


def _selected(opts: dict[str, Node], table: tuple[tuple[str, str, str], ...]) -> list[str]:
    names = list(dict.fromkeys(a for a, _, _ in table))
    only = strings_of(opts.get("only")) if "only" in opts else None
    except_ = strings_of(opts.get("except")) if "except" in opts else None
    if only is not None:
        names = [n for n in names if n in only]
    if except_ is not None:
        names = [n for n in names if n not in except_]
    return names


def _join(module: str, name: str) -> str:
    return f"{module}/{name}" if module else name


def _clean(path: str) -> str:
    """Drop optional segments and the format suffix; collapse slashes."""
    while "(" in path:
        start = path.index("(")
        depth, end = 0, start
        for end in range(start, len(path)):
            depth += {"(": 1, ")": -1}.get(path[end], 0)
            if depth == 0:
                break
        path = path[:start] + path[end + 1 :]
    while "//" in path:
        path = path.replace("//", "/")
    return path.rstrip("/") or "/"


def _env_condition(condition: str, env: str | None) -> bool | None:
    """`!Rails.env.production?` with env=production -> False; None when not decidable."""
    if env is None:
        return None
    compact = condition.replace(" ", "").replace("(", "").replace(")", "")
    negate = compact.startswith("!")
    compact = compact.lstrip("!")
    if not compact.startswith("Rails.env.") or not compact.endswith("?"):
        return None
    verdict = compact[len("Rails.env.") : -1] == env
    return not verdict if negate else verdict
