"""Model -> OpenAPI 3.1 dict (pure): component schemas, side-loading envelopes, operations."""

from __future__ import annotations

import re
from typing import Any

from extractor import inflect
from extractor.actions import Action, Answer, action_loc
from extractor.model import JsonKind, Param, Render, ValueType
from extractor.resolve import Field, Resolved

_ERRORS: dict[str, tuple[int, str, dict[str, Any]]] = {
    "BadRequest": (
        400,
        "A required root key is missing or a parameter is not permitted (StandardError), "
        "or the body is not JSON (ParseError, Rails' public exceptions app).",
        {
            "oneOf": [
                {"$ref": "#/components/schemas/StandardError"},
                {"$ref": "#/components/schemas/ParseError"},
            ]
        },
    ),
    "Unauthorized": (401, "Not signed in.", {"$ref": "#/components/schemas/SimpleError"}),
    "Forbidden": (
        403,
        "CanCan::AccessDenied (also for logged-out callers).",
        {"$ref": "#/components/schemas/StandardError"},
    ),
    "NotFound": (
        404,
        "ActiveRecord::RecordNotFound.",
        {"$ref": "#/components/schemas/StandardError"},
    ),
    "UnprocessableEntity": (
        422,
        "Validation failed: attribute -> messages.",
        {"$ref": "#/components/schemas/ValidationErrors"},
    ),
    "RouteNotFound": (
        404,
        "The route exists but its controller action does not (Rails public 404).",
        {"$ref": "#/components/schemas/RouteNotFound"},
    ),
}
_ERROR_SCHEMAS: dict[str, Any] = {
    "StandardError": {
        "type": "object",
        "required": ["exception", "error"],
        "properties": {"exception": {"type": "string"}, "error": {"type": "string"}},
    },
    "SimpleError": {"type": "object", "required": ["error"], "properties": {"error": {}}},
    "ValidationErrors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            }
        },
    },
    # ActionDispatch::Http::Parameters::ParseError is raised before the controller's
    # rescue_from; ActionDispatch::PublicExceptions renders `{status, error}` for JSON.
    "ParseError": {
        "type": "object",
        "required": ["status", "error"],
        "properties": {"status": {"const": 400}, "error": {"const": "Bad Request"}},
    },
    "RouteNotFound": {
        "type": "object",
        "required": ["status", "error"],
        "properties": {"status": {"const": 404}, "error": {"const": "Not Found"}},
    },
    "Meta": {
        "type": "object",
        "required": ["root", "total"],
        "properties": {"root": {"type": "string"}, "total": {"type": ["integer", "null"]}},
    },
}


def schema_name(serializer: str) -> str:
    """`Restricted::UserSerializer` -> `Restricted.User`."""
    return serializer.removesuffix("Serializer").replace("::", ".") or serializer


def _ref(serializer: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{schema_name(serializer)}"}


def value_schema(value: ValueType) -> dict[str, Any]:
    """A ValueType as JSON Schema (2020-12, as OpenAPI 3.1 uses it)."""
    if value.kind is JsonKind.ANY:
        return {"description": "free-form JSON (jsonb column)"} if value.format else {}
    if value.kind is JsonKind.NULL:
        return {"type": "null"}
    out: dict[str, Any] = {
        "type": [value.kind.value, "null"] if value.nullable else value.kind.value
    }
    if value.format and value.format not in ("polymorphic", "decimal"):
        out["format"] = value.format
    if value.enum:
        out["enum"] = [*value.enum, None] if value.nullable else list(value.enum)
    if value.items is not None:
        out["items"] = value_schema(value.items)
    return out


INTEGER_BYTES = {"integer": 4, "serial": 4, "bigint": 8}  # `limit:` overrides (2, 8)


def column_schema(value: ValueType, limit: int | None, sql_type: str = "") -> dict[str, Any]:
    """A column as a request property: `t.string "x", limit: 10` -> `maxLength: 10`
    (PostgreSQL refuses a longer varchar: ActiveRecord::ValueTooLong, a 500), and an
    integer column's range (`t.integer` is 4 bytes: ActiveModel::RangeError past it, a 500)."""
    out = value_schema(value)
    target = out["items"] if value.items is not None else out
    kind = value.items.kind if value.items is not None else value.kind
    if kind is JsonKind.STRING and limit is not None:
        target["maxLength"] = limit
    elif kind is JsonKind.INTEGER and sql_type in INTEGER_BYTES:
        bits = 8 * (limit or INTEGER_BYTES[sql_type]) - 1
        target["minimum"], target["maximum"] = -(2**bits), 2**bits - 1
    return out


def field_schema(f: Field, resolved: dict[str, Resolved]) -> dict[str, Any]:
    link = f.link
    if link is None:
        out = value_schema(f.type)
        if not f.type.known:
            out["x-rails-untyped"] = True
    elif link.kind == "polymorphic":
        types = sorted(
            inflect.underscore(t.rsplit("::", 1)[-1].removesuffix("Serializer"))
            for t in link.targets
        )
        ref: dict[str, Any] = {
            "type": "object",
            "required": ["type", "id"],
            "properties": {
                "type": {"type": "string", **({"enum": types} if types else {})},
                "id": {"type": "integer"},
            },
        }
        out = {"anyOf": [ref, {"type": "null"}]}
    elif link.root is None and link.serializer:  # embed objects: nested records
        nested = _ref(link.serializer)
        out = (
            {"type": "array", "items": nested}
            if link.kind == "has_many"
            else {"anyOf": [nested, {"type": "null"}]}
        )
    else:
        out = value_schema(f.type)
    if link is not None:
        out["x-rails-association"] = {
            "kind": link.kind,
            "root": link.root
            if link.kind != "polymorphic"
            else [_root_of(t) for t in link.targets],
            "serializer": link.serializer if link.kind != "polymorphic" else list(link.targets),
        }
    if f.note:
        out["description"] = f.note
    return out


def _root_of(serializer: str) -> str:
    return inflect.tableize(serializer.rsplit("::", 1)[-1].removesuffix("Serializer"))


def component_schema(r: Resolved, resolved: dict[str, Resolved]) -> dict[str, Any]:
    s = r.serializer
    out: dict[str, Any] = {
        "type": "object",
        "properties": {f.key: field_schema(f, resolved) for f in r.fields},
    }
    required = [f.key for f in r.fields if f.required]
    if required:
        out["required"] = required
    out["x-rails-class"] = s.name
    out["x-rails-file"] = s.loc.file
    out["x-rails-line"] = s.loc.line
    if r.table:
        out["x-rails-table"] = r.table
    out["x-rails-embed"] = r.embed.value
    if s.root_false:
        out["x-rails-root"] = False
    return out


def sideloads(
    serializers: tuple[str, ...], resolved: dict[str, Resolved]
) -> tuple[dict[str, set[str]], bool]:
    """Every collection reached from the primary records, transitively (AMS embed ids,
    include: true); the flag says whether every polymorphic association was resolved."""
    roots: dict[str, set[str]] = {}
    complete = True
    queue = list(serializers)
    seen = set(queue)
    while queue:
        current = resolved.get(queue.pop(0))
        if current is None:
            continue
        for f in current.fields:
            link = f.link
            if link is None or link.embed.value != "ids":
                continue
            if link.kind == "polymorphic":
                complete = complete and bool(link.targets)
                pairs = [(_root_of(t), t) for t in link.targets]
            elif link.root and link.serializer:
                pairs = [(link.root, link.serializer)]
            else:
                complete = False
                continue
            for root, target in pairs:
                roots.setdefault(root, set()).add(target)
                if target not in seen:
                    seen.add(target)
                    queue.append(target)
    return roots, complete


def _items(serializers: set[str] | tuple[str, ...]) -> dict[str, Any]:
    refs = [_ref(s) for s in sorted(serializers)]
    return refs[0] if len(refs) == 1 else {"anyOf": refs}


def envelope_schema(answer: Answer, resolved: dict[str, Resolved]) -> dict[str, Any]:
    """`{root: [...], <sideloads>: [...], meta: {root, total}}` (api-envelope.md §1-2)."""
    root = answer.root or "records"
    reached, complete = sideloads(answer.serializers, resolved)
    reached.pop(root, None)  # the primary collection always wins
    properties: dict[str, Any] = {root: {"type": "array", "items": _items(answer.serializers)}}
    for name in sorted(reached):
        properties[name] = {"type": "array", "items": _items(reached[name])}
    required = [root]
    if answer.meta:
        properties["meta"] = {"$ref": "#/components/schemas/Meta"}
        required.append("meta")
    out: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if complete:
        out["additionalProperties"] = False
    return out


def envelope_name(answer: Answer) -> str:
    base = inflect.camelize(answer.root or "records") + "Envelope"
    default = f"{inflect.camelize(inflect.singularize(answer.root or ''))}Serializer"
    if tuple(answer.serializers) != (default,):
        base += "." + "_".join(schema_name(s).replace(".", "") for s in answer.serializers)
    return base if answer.meta else base + "NoMeta"


def body_schema(
    answer: Answer, resolved: dict[str, Resolved], envelopes: dict[str, Any]
) -> dict[str, Any] | None:
    """The success body of an action, or None when it is not known."""
    kind = answer.kind
    if kind in ("envelope", "models") and answer.serializers:
        name = envelope_name(answer)
        envelopes.setdefault(name, envelope_schema(answer, resolved))
        ref = {"$ref": f"#/components/schemas/{name}"}
        return {"anyOf": [ref, {"type": "null"}]} if answer.nullable else ref
    if kind == "record" and answer.serializers:
        return _record_schema(answer, resolved)
    if kind == "hash" and answer.render is not None:
        return _hash_schema(answer.render)
    if kind == "keyed":
        return {
            "type": "object",
            "required": [answer.root],
            "properties": {answer.root: {"type": "array"}},
        }
    if kind == "bare":
        return {"type": "array", "description": "bare JSON, no envelope"}
    if kind == "ok":
        return {"type": "object", "maxProperties": 0}
    if kind == "success":
        return {
            "type": "object",
            "required": ["success"],
            "properties": {"success": {"const": "success"}},
        }
    return None


def _record_schema(answer: Answer, resolved: dict[str, Resolved]) -> dict[str, Any]:
    """AMS: `{post: {...}}`, `{posts: [...]}` (+ side-loaded roots with `embed :ids,
    include: true`), or the bare record(s) with `root: false`."""
    item = _items(answer.serializers)
    value = {"type": "array", "items": item} if answer.many else item
    if answer.root is None:
        return value
    reached, complete = sideloads(answer.serializers, resolved)
    reached.pop(answer.root, None)
    properties: dict[str, Any] = {answer.root: value}
    for name in sorted(reached):
        properties[name] = {"type": "array", "items": _items(reached[name])}
    out: dict[str, Any] = {"type": "object", "required": [answer.root], "properties": properties}
    if complete:
        out["additionalProperties"] = False
    return out


def _hash_schema(render: Render) -> dict[str, Any]:
    properties = {key: value_schema(value) for key, value in render.keys}
    return {"type": "object", "required": [k for k, _ in render.keys], "properties": properties}


def openapi_path(path: str) -> str:
    return re.sub(r":(\w+)", r"{\1}", path)


def operation_ids(actions: list[Action]) -> dict[int, str]:
    """`api/v1/discussions#close` -> `discussions_close`; PUT twins get `_put`; stable."""
    out: dict[int, str] = {}
    used: set[str] = set()
    for index, action in sorted(
        enumerate(actions), key=lambda p: (p[1].route.path, _VERB_ORDER[p[1].route.verb])
    ):
        route = action.route
        if route.action == "(proc)":
            base = re.sub(r"\W+", "_", route.path.strip("/")) or "root"
        else:
            base = (
                route.controller.removeprefix("api/v1/").removeprefix("api/").replace("/", "_")
                + "_"
                + route.action
            )
        candidate = base
        if candidate in used:
            candidate = f"{base}_{route.verb.lower()}"
        n = 2
        while candidate in used:
            candidate, n = f"{base}_{n}", n + 1
        used.add(candidate)
        out[index] = candidate
    return out


_VERB_ORDER = {"GET": 0, "POST": 1, "PATCH": 2, "PUT": 3, "DELETE": 4, "HEAD": 5, "OPTIONS": 6}


def operation(
    action: Action,
    op_id: str,
    resolved: dict[str, Resolved],
    envelopes: dict[str, Any],
    columns: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    route = action.route
    loc = action_loc(action)
    op: dict[str, Any] = {
        "operationId": op_id,
        "tags": [route.controller.rsplit("/", 1)[-1] if route.controller else "health"],
    }
    params = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in re.findall(r":(\w+)", route.path)
    ]
    params += [_query_param(p) for p in action.params]
    if params:
        op["parameters"] = params
    if action.has_body:
        op["requestBody"] = _request_body(action, columns)
    op["responses"] = _responses(action, resolved, envelopes)
    op["x-rails-action"] = route.to if route.controller else "(rack endpoint)"
    op["x-rails-route"] = str(route.loc)
    if action.method is not None:
        op["x-rails-file"] = loc.file
        op["x-rails-line"] = loc.line
    if action.answer.kind == "missing":
        op["description"] = (
            "Declared in config/routes.rb, but the controller action does not exist: Loomio answers 404."
        )
    return op


def _query_param(param: Param) -> dict[str, Any]:
    """`params[:per]` read by the action -> `{name: per, in: query, schema: {type: integer}}`."""
    out: dict[str, Any] = {
        "name": param.name,
        "in": "query",
        "required": param.required,
        "schema": value_schema(param.type),
        "x-rails-param": str(param.loc),
    }
    if param.offset_or_limit:
        # PostgreSQL refuses a negative OFFSET/LIMIT and one past bigint (a 500 in Loomio)
        out["schema"] |= {"minimum": 0, "maximum": 2**63 - 1}
    if param.model is not None:
        out["description"] = (
            f"load_and_authorize(:{param.model}) finds the {param.model} by "
            f"{param.model}_id or {param.model}_key; 404 when it is unknown"
        )
    return out


def _request_body(action: Action, columns: dict[str, dict[str, Any]]) -> dict[str, Any]:
    resource = inflect.singularize(action.route.controller.rsplit("/", 1)[-1])
    inner: dict[str, Any] = {"type": "object"}
    permit = action.permit
    if permit is not None:
        props: dict[str, Any] = {}
        for name in permit.scalars:
            props[name] = columns.get(inflect.pluralize(resource), {}).get(name, {})
        for name in permit.arrays:
            props[name] = {"type": "array"}
        inner = {
            "type": "object",
            "properties": dict(sorted(props.items())),
            "x-rails-permit": str(permit.loc),
        }
    schema = {"type": "object", "required": [resource], "properties": {resource: inner}}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _responses(
    action: Action, resolved: dict[str, Resolved], envelopes: dict[str, Any]
) -> dict[str, Any]:
    answer = action.answer
    if answer.kind == "missing":
        return {"404": {"$ref": "#/components/responses/RouteNotFound"}}
    if answer.kind == "proc":
        return {
            "200": {
                "description": "OK (a Rack endpoint)",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            }
        }
    body = body_schema(answer, resolved, envelopes)
    success: dict[str, Any] = {"description": _describe(answer)}
    if answer.kind != "head":  # `head :no_content`: a status, no body
        success["content"] = {"application/json": {"schema": body if body is not None else {}}}
    out: dict[str, Any] = {str(answer.status): success}
    explicit = {r.status: r for r in action.errors if r.status and r.keys}
    if action.has_body:
        out["400"] = {"$ref": "#/components/responses/BadRequest"}
    for status in sorted(explicit):
        render = explicit[status]
        out[str(status)] = {
            "description": f"rendered at {render.loc}",
            "content": {"application/json": {"schema": _hash_schema(render)}},
        }
    out.setdefault("403", {"$ref": "#/components/responses/Forbidden"})
    out.setdefault("404", {"$ref": "#/components/responses/NotFound"})
    if (answer.kind == "envelope" and action.route.verb != "GET") or action.has_body:
        out.setdefault("422", {"$ref": "#/components/responses/UnprocessableEntity"})
    return dict(sorted(out.items()))


def _describe(answer: Answer) -> str:
    if answer.kind in ("envelope", "models"):
        meta = "" if answer.meta else " (no meta)"
        return f"Side-loading envelope, root `{answer.root}`{meta}"
    return {
        "hash": "JSON object",
        "keyed": f"`{answer.root}` list",
        "bare": "Bare JSON array",
        "ok": "Empty object",
        "success": '`{"success": "success"}`',
        "record": f"AMS {'records' if answer.many else 'record'}"
        + (f" under `{answer.root}`" if answer.root else " (no root)"),
        "head": "No body (`head`)",
        "jbuilder": f"A jbuilder view the extractor does not read: {answer.note}",
    }.get(answer.kind, "Unknown body (see the extraction report)")


def build_openapi(
    resolved: list[Resolved], actions: list[Action], columns: dict[str, dict[str, Any]], title: str
) -> dict[str, Any]:
    """The whole document: components first, then paths sorted by path and verb."""
    by_name = {r.name: r for r in resolved}
    schemas = {schema_name(r.name): component_schema(r, by_name) for r in resolved}
    envelopes: dict[str, Any] = {}
    ids = operation_ids(actions)
    paths: dict[str, dict[str, Any]] = {}
    seen: set[tuple[str, str]] = set()
    for index, action in sorted(
        enumerate(actions), key=lambda p: (p[1].route.path, _VERB_ORDER[p[1].route.verb])
    ):
        key = (action.route.verb, action.route.path)
        if key in seen:  # Rails matches the first declaration
            continue
        seen.add(key)
        item = paths.setdefault(openapi_path(action.route.path), {})
        item[action.route.verb.lower()] = operation(action, ids[index], by_name, envelopes, columns)
    all_schemas = {**schemas, **envelopes, **_ERROR_SCHEMAS}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "0.1.0",
            "description": "Extracted statically from a Rails source tree by loomio-parity.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": dict(sorted(all_schemas.items())),
            "responses": {
                name: {"description": desc, "content": {"application/json": {"schema": schema}}}
                for name, (_, desc, schema) in sorted(_ERRORS.items())
            },
        },
    }
