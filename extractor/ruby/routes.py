"""config/routes.rb (+ config/routes/*.rb it draws) -> Route: the routing DSL evaluated
statically with the mapper's rules (extractor/ruby/mapper.py).

Read: namespace, scope (path/module/as/only/except/defaults/format/shallow_path),
controller, defaults, constraints (blocks and options), shallow, resources/resource with
their options (only, except, param, as, path, controller, module, shallow, concerns,
path_names), member/collection/new, nested resources, verb routes (`get 'x' => 'c#a'`,
`get :x, to: 'c#a'`, `match ..., via:`), root, concern/concerns, draw, `if Rails.env...`,
loops over literal lists, versionist's `api_version`. Redirects, mounted apps and gem helpers (devise_for,
ActiveAdmin.routes, use_doorkeeper, ...) are reported with file:line, never operations.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tree_sitter import Node

from extractor import inflect
from extractor.errors import Diagnostic, DiagnosticKind, Severity
from extractor.model import Route
from extractor.ruby import mapper
from extractor.ruby.mapper import Dynamic, Scope, Sym
from extractor.ruby.nodes import Parsed, block_body, call_name, parse, receiver, statements, text
from extractor.sources import SourceFile

_VERBS = frozenset({"get", "post", "patch", "put", "delete", "options"})
# helpers that only wrap routes (devise's authenticate, a constraints-like gem block)
_TRANSPARENT = frozenset(
    {"devise_scope", "authenticate", "authenticated", "unauthenticated", "localized"}
)
_NOT_ROUTES = frozenset({"direct", "resolve", "default_url_options", "require", "get_redirect"})

Vars = dict[str, Any]


def parse_routes(
    source: SourceFile,
    env: str | None = None,
    parts: tuple[SourceFile, ...] = (),
    *,
    api_only: bool = False,
) -> tuple[list[Route], list[Diagnostic]]:
    """Every route Rails would draw from routes.rb (and the config/routes/*.rb it `draw`s);
    with `env`, blocks guarded by `Rails.env` for other environments are left out."""
    reader = _Reader(env=env, api_only=api_only, parts={p.path: p for p in parts})
    parsed = reader.open(source)
    draw = _find_draw(parsed.root)
    reader.block(draw if draw is not None else parsed.root, Scope(), {})
    return reader.routes, reader.diagnostics


def _find_draw(root: Node) -> Node | None:
    for stmt in statements(root):
        if stmt.type == "call" and call_name(stmt) == "draw" and receiver(stmt) is not None:
            return block_body(stmt)
    return None


@dataclass(slots=True)
class _Args:
    """A call's arguments evaluated: positional values, symbol-keyed options, and the
    `'path' => 'c#a'` / `App => '/at'` pairs (keys that are not symbols), in order."""

    positional: list[Any]
    options: dict[str, Any]
    pairs: list[tuple[Any, Any]]


@dataclass(slots=True, kw_only=True)
class _Reader:
    env: str | None
    api_only: bool
    parts: dict[str, SourceFile]
    routes: list[Route] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    concerns: dict[str, tuple[Node, Parsed, tuple[str, ...]]] = field(default_factory=dict)
    parsed: Parsed | None = None
    drawing: tuple[str, ...] = ()

    def open(self, source: SourceFile) -> Parsed:
        self.parsed = parse(source)
        self.diagnostics.extend(self.parsed.diagnostics)
        return self.parsed

    # -- statements -------------------------------------------------------------------------

    def block(self, body: Node | None, scope: Scope, vars: Vars) -> None:
        for stmt in statements(body):
            self.statement(stmt, scope, vars)

    def statement(self, stmt: Node, scope: Scope, vars: Vars) -> None:
        if stmt.type in ("if", "unless"):
            self.conditional(stmt, scope, vars)
        elif stmt.type in ("if_modifier", "unless_modifier"):
            self.note(stmt, "conditional route (modifier form) kept for every environment")
            self.statement(stmt.named_children[0], scope, vars)
        elif stmt.type in ("method", "assignment", "singleton_method", "class", "module"):
            self.note(stmt, "Ruby code in the routes file; not evaluated", Severity.INFO)
        elif stmt.type not in ("call", "identifier"):
            self.note(stmt, "unknown routing statement; skipped")
        else:
            self.call(stmt, scope, vars)

    def call(self, stmt: Node, scope: Scope, vars: Vars) -> None:
        name = call_name(stmt) or ""
        recv = receiver(stmt)
        if recv is not None:
            self.receiver_call(stmt, name, recv, scope, vars)
            return
        handler = getattr(self, f"on_{name}", None)
        args = self.args(stmt, vars)
        if name in _VERBS or name == "match":
            self.match(stmt, scope, args, name)
        elif handler is not None:
            handler(stmt, scope, vars, args)
        elif name in _TRANSPARENT:
            self.block(block_body(stmt), scope, vars)
        elif name in _NOT_ROUTES:
            self.note(stmt, f"`{name}` draws no route", Severity.INFO)
        elif name.startswith(("devise_", "use_")) or block_body(stmt) is None:
            self.note(
                stmt,
                f"routing helper `{name}` (a gem's or the app's own) draws routes the "
                "extractor cannot see; they are not in the spec",
            )
        else:
            self.note(stmt, f"unknown block helper `{name}`; its routes are read as plain")
            self.block(block_body(stmt), scope, vars)

    def receiver_call(self, stmt: Node, name: str, recv: Node, scope: Scope, vars: Vars) -> None:
        values = self.value(recv, vars)
        if name in ("each", "each_with_index") and isinstance(values, list):
            params = _block_params(stmt)
            for value in values:  # `%w(a b).each { |page| get page }`
                bound = vars | ({params[0]: value} if params else {})
                self.block(block_body(stmt), scope, bound)
            return
        self.note(
            stmt,
            f"routing helper `{text(recv)}.{name}` (a gem's, or a loop over a value the "
            "extractor cannot read) draws routes it cannot see; they are not in the spec",
        )

    def conditional(self, stmt: Node, scope: Scope, vars: Vars) -> None:
        verdict = _env_condition(text(stmt.child_by_field_name("condition")), self.env)
        if stmt.type == "unless" and verdict is not None:
            verdict = not verdict
        consequence = stmt.child_by_field_name("consequence")
        alternative = stmt.child_by_field_name("alternative")
        if verdict is None or verdict:
            self.block(consequence, scope, vars)
        if verdict is None or not verdict:
            self.block(alternative, scope, vars)

    # -- scoping ----------------------------------------------------------------------------

    def on_namespace(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        name = _first_name(args)
        if name is None:
            self.note(stmt, "namespace without a literal name; its routes are skipped")
            return
        outer = mapper.nested(scope) if scope.resource_scope else scope
        self.block(block_body(stmt), mapper.namespace(outer, name, args.options), vars)

    def on_scope(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        options = dict(args.options)
        paths = [v for v in args.positional if isinstance(v, str)]
        if len(paths) != len(args.positional):
            self.note(stmt, "scope with a path the extractor cannot read; its routes are skipped")
            return
        if paths:
            options["path"] = "/".join(paths)
        self.block(block_body(stmt), mapper.scope(scope, options), vars)

    def on_api_version(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        """versionist's `api_version(module: "V1", path: {value: "v1"})`: a scope with
        that module, under that path (a version chosen by header or parameter has none)."""
        options = {k: v for k, v in args.options.items() if k in ("module", "defaults")}
        if isinstance(module := options.get("module"), str):
            options["module"] = inflect.underscore(module)
        path = args.options.get("path")
        if isinstance(path, dict) and isinstance(path.get("value"), str):
            options["path"] = path["value"]
        self.block(block_body(stmt), mapper.scope(scope, options), vars)

    def on_controller(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        name = _first_name(args)
        self.block(block_body(stmt), replace(scope, controller=name), vars)

    def on_defaults(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        defaults = args.positional[0] if args.positional else args.options
        json = isinstance(defaults, dict) and mapper.is_json({"defaults": defaults})
        self.block(block_body(stmt), replace(scope, json=scope.json or json), vars)

    def on_constraints(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        """`constraints(subdomain: 'api')`, `constraints(AdminOnly)`, `constraints(->(r){...})`:
        requests may be turned away, the routes are the same."""
        given = args.positional[0] if args.positional else args.options
        json = isinstance(given, dict) and mapper.is_json({"constraints": given})
        self.block(block_body(stmt), replace(scope, json=scope.json or json), vars)

    def on_shallow(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        self.block(block_body(stmt), replace(scope, shallow=True), vars)

    def on_concern(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        name = _first_name(args)
        body = block_body(stmt)
        if name is None or body is None or self.parsed is None:
            self.note(stmt, "concern given as an object, not a block; its routes are missing")
            return
        self.concerns[name] = (body, self.parsed, tuple(_block_params(stmt)))

    def on_concerns(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        names = [n for v in args.positional for n in mapper.names(v)]
        self.use_concerns(stmt, scope, vars, names)

    def use_concerns(self, stmt: Node, scope: Scope, vars: Vars, names: list[str]) -> None:
        for name in names:
            found = self.concerns.get(name)
            if found is None:
                self.note(stmt, f"concern `{name}` is not defined before it is used (Rails raises)")
                continue
            body, parsed, params = found
            current, self.parsed = self.parsed, parsed
            self.block(body, scope, vars | {p: {} for p in params})
            self.parsed = current

    def on_draw(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        name = _first_name(args)
        path = f"config/routes/{name}.rb"
        source = self.parts.get(path)
        if name is None or source is None or path in self.drawing:
            self.note(stmt, f"`draw` of {path}, which is not there; its routes are missing")
            return
        current, self.drawing = self.parsed, (*self.drawing, path)
        self.block(self.open(source).root, scope, vars)
        self.parsed, self.drawing = current, self.drawing[:-1]

    # -- resources --------------------------------------------------------------------------

    def on_resources(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        self.resources(stmt, scope, vars, args, singleton=False)

    def on_resource(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        self.resources(stmt, scope, vars, args, singleton=True)

    def resources(
        self, stmt: Node, scope: Scope, vars: Vars, args: _Args, *, singleton: bool
    ) -> None:
        """Resources#resources / #resource with apply_common_behavior_for."""
        names = [v for v in args.positional if isinstance(v, str)]
        if len(names) != len(args.positional) or not names:
            self.note(stmt, "resource without a literal name; its routes are skipped")
            return
        for name in names:
            self.one_resource(stmt, scope, vars, name, dict(args.options), singleton)

    def one_resource(
        self,
        stmt: Node,
        scope: Scope,
        vars: Vars,
        name: str,
        options: dict[str, Any],
        singleton: bool,
    ) -> None:
        if options.get("shallow"):
            del options["shallow"]
            scope = replace(scope, shallow=True)
        if scope.resource_scope:
            scope = mapper.nested(scope)
        scope_options = {k: v for k, v in options.items() if k not in mapper.RESOURCE_OPTIONS}
        if scope_options:
            scope = mapper.scope(scope, scope_options)
            options = {k: v for k, v in options.items() if k in mapper.RESOURCE_OPTIONS}
        options = mapper.action_options(scope, options)
        resource = mapper.make_resource(
            name, options, singleton=singleton, shallow=scope.shallow, api_only=self.api_only
        )
        inner = mapper.resource_scope(scope, resource, "resource" if singleton else "resources")
        self.block(block_body(stmt), inner, vars)
        self.use_concerns(stmt, inner, vars, mapper.names(options.get("concerns")))
        actions = resource.actions
        if not singleton:
            for action, verb in (("index", "GET"), ("create", "POST")):
                if action in actions:
                    self.add_route(stmt, mapper.collection(inner), Sym(action), {}, None, verb)
        if "new" in actions:
            self.add_route(stmt, mapper.new(inner), Sym("new"), {}, None, "GET")
        for action, verbs in (
            ("edit", ("GET",)),
            ("show", ("GET",)),
            ("update", ("PATCH", "PUT")),
            ("destroy", ("DELETE",)),
        ):
            if action in actions:
                for verb in verbs:
                    self.add_route(stmt, mapper.member(inner), Sym(action), {}, None, verb)
        if singleton and "create" in actions:
            self.add_route(stmt, mapper.collection(inner), Sym("create"), {}, None, "POST")

    def on_member(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        self.level_block(stmt, scope, vars, "member")

    def on_collection(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        self.level_block(stmt, scope, vars, "collection")

    def on_new(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        self.level_block(stmt, scope, vars, "new")

    def level_block(self, stmt: Node, scope: Scope, vars: Vars, level: str) -> None:
        if not scope.resource_scope:
            self.note(stmt, f"`{level}` outside a resource (Rails raises); skipped")
            return
        self.block(block_body(stmt), _enter(scope, level), vars)

    # -- routes -----------------------------------------------------------------------------

    def match(self, stmt: Node, scope: Scope, args: _Args, name: str) -> None:
        """Base#match / HttpHelpers: `get :x`, `get 'x', to: 'c#a'`, `get 'x' => 'c#a'`."""
        options = dict(args.options)
        paths: list[Any] = list(args.positional)
        string_pairs = [(k, v) for k, v in args.pairs if isinstance(k, str)]
        if not paths and string_pairs:
            path, target = string_pairs[0]
            paths = [path]
            if isinstance(target, Sym):
                options["action"] = target
            elif isinstance(target, str) and "#" not in target:
                options["controller"] = target
            else:
                options["to"] = target
        if "defaults" in options or "format" in options:
            scope = replace(scope, json=scope.json or mapper.is_json(options))
        via: tuple[str, ...] | None = (name.upper(),) if name != "match" else None
        if via is None:
            via = mapper.via_of(options["via"]) if "via" in options else scope.via
        if not via:
            self.note(stmt, "`match` without `via:` (Rails raises); skipped")
            return
        if not paths or not all(isinstance(p, str) for p in paths):
            self.note(stmt, "route without a literal path; skipped")
            return
        for path in paths:
            to = options.get("to", scope.to)
            if isinstance(path, Sym):
                self.decomposed(
                    stmt, scope, path, options, _str_or_none(options.get("path")), to, via
                )
            else:
                if to is None and options.get("action") is None:
                    to = mapper.to_from_path(path)
                self.decomposed(stmt, scope, path, options, path, to, via)

    def decomposed(
        self,
        stmt: Node,
        scope: Scope,
        action: str,
        options: dict[str, Any],
        path: str | None,
        to: Any,
        via: tuple[str, ...],
    ) -> None:
        on = options.get("on")
        if on is not None:
            if not scope.resource_scope or on not in ("member", "collection", "new"):
                self.note(stmt, f"`on: :{on}` outside a resource (Rails raises); skipped")
                return
            scope = _enter(scope, str(on))
        elif scope.level == "resources":
            scope = mapper.nested(scope)
        elif scope.level == "resource":
            scope = mapper.member(scope)
        for verb in via:
            self.add_route(stmt, scope, action, options, path, verb, to)

    def add_route(
        self,
        stmt: Node,
        scope: Scope,
        action: str,
        options: dict[str, Any],
        path: str | None,
        verb: str,
        to: Any = None,
    ) -> None:
        """Resources#add_route + Mapping#normalize_options!: the path, then controller#action."""
        full = mapper.path_for_action(scope, action, path)
        default_action = _str_or_none(options.get("action")) or scope.action
        if _word_path(action) and "/" not in action:
            default_action = default_action or action.replace("-", "_")
        if isinstance(to, Dynamic):
            self.rack_endpoint(stmt, full, verb, to)
            return
        controller = _str_or_none(options.get("controller")) or scope.controller
        if isinstance(to, str) and "#" in to:
            to_controller, to_action = to.split("#", 1)
            controller = to_controller or controller
            default_action = to_action or default_action
        controller = mapper.controller_with_module(controller, scope.module)
        if ":controller" in full or ":action" in full:  # `match ':controller(/:action)'`
            self.note(stmt, "controller or action chosen by the path (a legacy catch-all); skipped")
            return
        if controller is None or default_action is None:
            missing = "controller" if controller is None else "action"
            self.note(stmt, f"route names no {missing} (Rails raises); skipped")
            return
        self.emit(stmt, verb, full, controller, default_action, scope.json)

    def rack_endpoint(self, stmt: Node, path: str, verb: str, to: Dynamic) -> None:
        if to.call == "redirect":
            self.note(
                stmt, f"redirect of {mapper.openapi_ready(path)}; not an operation", Severity.INFO
            )
        elif to.string:
            self.note(stmt, f"route target {to.text} cannot be read statically; skipped")
        else:  # `to: proc { [200, {}, ["ok"]] }`, `to: SomeRackApp`
            self.emit(stmt, verb, path, "", "(proc)", False)

    def emit(
        self, stmt: Node, verb: str, path: str, controller: str, action: str, json: bool
    ) -> None:
        assert self.parsed is not None
        self.routes.append(
            Route(
                verb=verb,
                path=mapper.openapi_ready(mapper.normalize_path(path)),
                controller=str(controller),  # plain strings, not the reader's Sym
                action=str(action),
                loc=self.parsed.loc(stmt),
                json=json,
            )
        )

    def on_root(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        options = dict(args.options)
        if args.positional and isinstance(args.positional[0], str):
            options["to"] = args.positional[0]
        if scope.level == "resources":  # Resources#root: at the collection path
            scope = mapper.collection(scope)
        self.decomposed(
            stmt, replace(scope, level="root"), "/", options, "/", options.get("to"), ("GET",)
        )

    def on_mount(self, stmt: Node, scope: Scope, vars: Vars, args: _Args) -> None:
        app, at = (
            (args.positional[0], args.options.get("at"))
            if args.positional
            else (args.pairs[0] if args.pairs else (None, None))
        )
        where = mapper.openapi_ready(
            mapper.merge_path(scope.path, at if isinstance(at, str) else "?")
        )
        label = app.text if isinstance(app, Dynamic) else str(app)
        self.note(
            stmt,
            f"mounted app `{label}` at {where}: its routes are its own; not operations",
            Severity.INFO,
        )

    # -- values -----------------------------------------------------------------------------

    def args(self, stmt: Node, vars: Vars) -> _Args:
        out = _Args(positional=[], options={}, pairs=[])
        node = stmt.child_by_field_name("arguments") if stmt.type == "call" else None
        for arg in node.named_children if node is not None else ():
            if arg.type == "comment" or arg.type == "block_argument":
                continue
            pairs = (
                arg.named_children if arg.type == "hash" else [arg] if arg.type == "pair" else []
            )
            if not pairs:
                out.positional.append(self.value(arg, vars))
            for pair in pairs:
                if pair.type != "pair":
                    continue
                key = self.value(pair.child_by_field_name("key"), vars)
                value = self.value(pair.child_by_field_name("value"), vars)
                if isinstance(key, Sym):
                    out.options[str(key)] = value
                else:
                    out.pairs.append((key, value))
        return out

    def value(self, node: Node | None, vars: Vars) -> Any:
        """A literal as Python: Sym, str, int, bool, None, list, dict; else Dynamic."""
        if node is None:
            return None
        kind = node.type
        if kind in ("simple_symbol", "hash_key_symbol"):
            return Sym(text(node).lstrip(":").rstrip(":"))
        if kind in ("string", "delimited_symbol", "bare_string", "bare_symbol"):
            joined = self.interpolated(node, vars)
            if joined is None:
                return Dynamic(text(node), string=True)
            return Sym(joined) if kind in ("delimited_symbol", "bare_symbol") else joined
        if kind in ("array", "string_array", "symbol_array"):
            return [self.value(c, vars) for c in node.named_children if c.type != "comment"]
        if kind == "hash":
            return {
                str(self.value(p.child_by_field_name("key"), vars)): self.value(
                    p.child_by_field_name("value"), vars
                )
                for p in node.named_children
                if p.type == "pair"
            }
        if kind in ("true", "false", "nil"):
            return {"true": True, "false": False, "nil": None}[kind]
        if kind == "integer":
            return int(text(node)) if text(node).isdigit() else Dynamic(text(node))
        if kind == "identifier" and text(node) in vars:
            return vars[text(node)]
        if kind == "parenthesized_statements" and len(node.named_children) == 1:
            return self.value(node.named_children[0], vars)
        return Dynamic(text(node), call_name(node) if kind == "call" else None)

    def interpolated(self, node: Node, vars: Vars) -> str | None:
        parts: list[str] = []
        for child in node.children:
            if child.type == "string_content":
                parts.append(text(child))
            elif child.type == "interpolation":
                inner = child.named_children
                value = vars.get(text(inner[0])) if len(inner) == 1 else None
                if not isinstance(value, str):
                    return None
                parts.append(value)
            elif child.type == "escape_sequence":
                parts.append(text(child))
        return "".join(parts)

    def note(self, stmt: Node, message: str, severity: Severity = Severity.WARNING) -> None:
        assert self.parsed is not None
        snippet = " ".join(text(stmt).split())[:50]
        self.diagnostics.append(
            Diagnostic(
                loc=self.parsed.loc(stmt),
                kind=DiagnosticKind.UNSUPPORTED,
                message=f"{message}: `{snippet}`",
                severity=severity,
            )
        )


def _enter(scope: Scope, level: str) -> Scope:
    return {"member": mapper.member, "collection": mapper.collection, "new": mapper.new}[level](
        scope
    )


def _first_name(args: _Args) -> str | None:
    first = args.positional[0] if args.positional else None
    return str(first) if isinstance(first, str) else None


def _str_or_none(value: Any) -> str | None:
    return str(value) if isinstance(value, str) else None


def _word_path(action: str) -> bool:
    return bool(action) and all(c.isalnum() or c in "_-/" for c in action)


def _block_params(stmt: Node) -> list[str]:
    block = stmt.child_by_field_name("block") if stmt.type == "call" else None
    params = block.child_by_field_name("parameters") if block is not None else None
    return [text(p) for p in params.named_children if p.type == "identifier"] if params else []


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
