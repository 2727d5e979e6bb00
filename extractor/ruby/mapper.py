"""Rails' routing mapper as plain data: scopes, resources and paths (pure, no tree-sitter).

A static transcription of ActionDispatch::Routing::Mapper (actionpack 6.1 to 7.x):
`Scoping#scope`/`#namespace`, `Resources#resources`/`#resource`/`#collection`/`#member`/
`#new`/`#nested`/`#shallow`, `path_for_action`, `Resource#nested_param` and
`Mapper.normalize_path`. Method names follow the mapper's so the two can be read side by side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from extractor import inflect

CANONICAL_ACTIONS = frozenset({"index", "create", "new", "show", "update", "destroy"})
RESOURCE_OPTIONS = frozenset({"as", "controller", "path", "only", "except", "param", "concerns"})
VERBS = ("GET", "POST", "PATCH", "PUT", "DELETE")


class Sym(str):
    """A Ruby symbol literal (`:show`); a plain `str` is a Ruby string (`'show'`).

    The mapper treats them differently: `get :preview` is an action, `get 'preview'` a path.
    """

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Dynamic:
    """A value the extractor cannot evaluate (`proc { ... }`, `redirect(...)`, a constant)."""

    text: str
    call: str | None = None  # the method of a call (`redirect`), if it is one
    string: bool = False  # a string interpolating what the extractor cannot read


@dataclass(frozen=True, slots=True)
class Resource:
    """`resources :photos, param: :slug` (Mapper::Resource / SingletonResource)."""

    name: str
    path: str
    controller: str
    param: str
    alias: str | None  # `as:`
    singleton: bool
    shallow: bool
    actions: tuple[str, ...]

    @property
    def member_name(self) -> str:
        name = self.alias or self.name
        return name if self.singleton else inflect.singularize(name)

    @property
    def member_scope(self) -> str:
        return self.path if self.singleton else f"{self.path}/:{self.param}"

    @property
    def nested_scope(self) -> str:
        """`photos/:photo_id`: the singular of `as:` or the name, then `_` + the param."""
        return self.path if self.singleton else f"{self.path}/:{self.member_name}_{self.param}"


def make_resource(
    name: str, options: dict[str, Any], *, singleton: bool, shallow: bool, api_only: bool
) -> Resource:
    """Mapper::Resource.new: default actions (no new/edit for `config.api_only`), only/except."""
    if singleton:
        defaults = ["show", "create", "update", "destroy"] + ([] if api_only else ["new", "edit"])
        controller = _str(options.get("controller")) or inflect.pluralize(name)
    else:
        defaults = ["index", "create", "show", "update", "destroy"]
        defaults += [] if api_only else ["new", "edit"]
        controller = _str(options.get("controller")) or name
    only, except_ = options.get("only"), options.get("except")
    actions = names(only) if only is not None else defaults
    if except_ is not None:
        actions = [a for a in actions if a not in names(except_)]
    return Resource(
        name=name,
        path=_str(options.get("path")) or name,
        controller=controller,
        param=_str(options.get("param")) or "id",
        alias=_str(options.get("as")),
        singleton=singleton,
        shallow=shallow,
        actions=tuple(actions),
    )


@dataclass(frozen=True, slots=True)
class Scope:
    """The mapper's `@scope` flattened: each block gets a copy with what it changes."""

    path: str = ""
    shallow_path: str | None = None
    module: str | None = None
    controller: str | None = None
    action: str | None = None
    level: str | None = None  # resources | resource | collection | member | new | nested
    resource: Resource | None = None
    shallow: bool = False
    shallow_depth: int = 0  # enclosing resources created shallow (Mapper#shallow_nesting_depth)
    action_options: tuple[tuple[str, Any], ...] | None = None  # a scope's `only:`/`except:`
    path_names: tuple[tuple[str, str], ...] = ()
    json: bool = False  # `defaults: {format: :json}` or `format: :json`
    via: tuple[str, ...] | None = None
    to: Any = None

    @property
    def resource_scope(self) -> bool:
        return self.level in ("resources", "resource")

    @property
    def method_scope(self) -> bool:
        return self.level in ("collection", "member", "new")

    @property
    def is_shallow(self) -> bool:
        return self.resource is not None and not self.resource.singleton and self.shallow

    def action_path(self, name: str) -> str:
        return dict(self.path_names).get(name, name)


def scope(outer: Scope, options: dict[str, Any]) -> Scope:
    """Scoping#scope: merge `path`, `module`, `shallow_path`, `only`/`except`, defaults..."""
    inner = outer
    if "path" in options:
        path = _str(options["path"]) or ""
        inner = replace(inner, path=merge_path(outer.path, path))
        if outer.level != "nested" and "shallow_path" not in options:
            inner = replace(inner, shallow_path=merge_path(outer.shallow_path or "", path))
    if "shallow_path" in options:
        shallow_path = _str(options["shallow_path"]) or ""
        inner = replace(inner, shallow_path=merge_path(outer.shallow_path or "", shallow_path))
    if (module := _str(options.get("module"))) is not None:
        inner = replace(inner, module=f"{outer.module}/{module}" if outer.module else module)
    if "controller" in options:
        inner = replace(inner, controller=_str(options["controller"]))
    if "action" in options:
        inner = replace(inner, action=_str(options["action"]))
    if "shallow" in options:
        inner = replace(inner, shallow=bool(options["shallow"]))
    if "only" in options or "except" in options:
        inner = replace(
            inner, action_options=(("only", options.get("only")), ("except", options.get("except")))
        )
    if isinstance(names := options.get("path_names"), dict):
        merged = dict(outer.path_names) | {k: str(v) for k, v in names.items()}
        inner = replace(inner, path_names=tuple(sorted(merged.items())))
    if is_json(options):
        inner = replace(inner, json=True)
    if "via" in options:
        inner = replace(inner, via=via_of(options["via"]))
    if "to" in options:
        inner = replace(inner, to=options["to"])
    return inner


def namespace(outer: Scope, name: str, options: dict[str, Any]) -> Scope:
    """Scoping#namespace: path, module and shallow_path default to the name."""
    path = _str(options.get("path")) if "path" in options else name
    inner = replace(outer, path=merge_path(outer.path, path or ""))
    rest = {k: v for k, v in options.items() if k != "path"}
    return scope(inner, {"module": name, "shallow_path": path or ""} | rest)


def resource_scope(outer: Scope, resource: Resource, level: str) -> Scope:
    return replace(
        outer,
        level=level,
        resource=resource,
        controller=resource.controller,
        shallow_depth=outer.shallow_depth + (1 if resource.shallow else 0),
    )


def shallow_scope(outer: Scope) -> Scope:
    return replace(outer, path=outer.shallow_path or "")


def collection(outer: Scope) -> Scope:
    assert outer.resource is not None
    return replace(outer, level="collection", path=merge_path(outer.path, outer.resource.path))


def member(outer: Scope) -> Scope:
    resource = outer.resource
    assert resource is not None
    base = shallow_scope(outer) if outer.is_shallow else outer
    return replace(outer, level="member", path=merge_path(base.path, resource.member_scope))


def new(outer: Scope) -> Scope:
    resource = outer.resource
    assert resource is not None
    path = merge_path(outer.path, f"{resource.path}/{outer.action_path('new')}")
    return replace(outer, level="new", path=path)


def nested(outer: Scope) -> Scope:
    """Resources#nested: under `/photos/:photo_id`, or `/:shallow_path/photos/:photo_id`
    when an enclosing resource is shallow."""
    resource = outer.resource
    assert resource is not None
    base = shallow_scope(outer) if outer.is_shallow and outer.shallow_depth >= 1 else outer
    return replace(outer, level="nested", path=merge_path(base.path, resource.nested_scope))


def action_options(scope_: Scope, options: dict[str, Any]) -> dict[str, Any]:
    """Resources#apply_action_options: a scope's `only:`/`except:` unless the resource has its own."""
    if options.get("only") is not None or options.get("except") is not None:
        return options
    return options | {k: v for k, v in scope_.action_options or () if v is not None}


def path_for_action(scope_: Scope, action: str, path: str | None) -> str:
    """`get :preview` -> `<scope>/preview`; a canonical action in member/collection/new
    (`get :show, on: :collection`) -> the scope path itself."""
    if path is not None:
        return f"{scope_.path}/{path}"
    if scope_.method_scope and action in CANONICAL_ACTIONS and isinstance(action, Sym):
        return scope_.path
    return f"{scope_.path}/{scope_.action_path(action)}"


def controller_with_module(controller: str | None, module: str | None) -> str | None:
    """Mapping#add_controller_module: `api/v1` + `discussions`; `/x` escapes the module;
    no controller at all inside a namespace means the namespace itself (`api/v1/sessions`)."""
    if module is None:
        return controller
    if controller is not None and controller.startswith("/"):
        return controller[1:]
    return "/".join(p for p in (module, controller) if p)


def to_from_path(path: str) -> str | None:
    """Mapper#get_to_from_path: `get 'photos/search'` means `to: 'photos#search'`."""
    bare = path.removesuffix("(.:format)")
    if re.fullmatch(r"/?[-\w]+/[-\w/]+", bare):
        return re.sub(r"/([^/]*)$", r"#\1", bare.removeprefix("/")).replace("-", "_")
    return None


def merge_path(parent: str, child: str) -> str:
    return normalize_path(f"{parent}/{child}") if child or parent else ""


def normalize_path(path: str) -> str:
    """Journey::Router::Utils.normalize_path + Mapper.normalize_path; "" for the root."""
    path = re.sub(r"/+", "/", "/" + path).rstrip("/")
    path = re.sub(r"/(\(+)/?", r"\1/", path)
    if re.fullmatch(r"(\(+[^)]+\))(\(+/:[^)]+\))*", path):
        path = re.sub(r"^(\(+)/", r"/\1", path)
    return path


def openapi_ready(path: str) -> str:
    """Drop optional segments (`(/:slug)`, `(.:format)`): the shortest path Rails matches."""
    while "(" in path:
        start = path.index("(")
        depth, end = 0, start
        for end in range(start, len(path)):
            depth += {"(": 1, ")": -1}.get(path[end], 0)
            if depth == 0:
                break
        path = path[:start] + path[end + 1 :]
    path = re.sub(r"/+", "/", path).rstrip("/")
    return path or "/"


def via_of(value: Any) -> tuple[str, ...]:
    """`via: [:get, :post]` / `via: :all` -> HTTP verbs."""
    verbs = names(value)
    if "all" in verbs:
        return VERBS
    return tuple(n.upper() for n in verbs)


def is_json(options: dict[str, Any]) -> bool:
    """`format: :json`, `defaults: {format: :json}` or `constraints: {format: :json}`."""
    nested = [options.get("defaults"), options.get("constraints")]
    formats = [options.get("format")] + [d.get("format") for d in nested if isinstance(d, dict)]
    return any(isinstance(f, str) and f == "json" for f in formats)


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, str) else None


def names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [str(value)]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str)]
    return []
