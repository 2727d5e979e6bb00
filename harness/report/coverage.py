"""Coverage of the spec by what the backends answered (pure: spec + observations in).

A response property is a JSON Pointer template: `/discussions/*/title`, where `*` stands
for any array item and `{key}` for any key of a map (`additionalProperties`); a recursive
schema (a reply's `parent`) is declared once, and `/parent/**` accepts all below it, as
does a free-form `{type: object}`. An
observation keeps only the property names of a body, never its values, so coverage data
can hold no secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.report.model import (
    BackendCoverage,
    OperationCoverage,
    StatusCoverage,
    UnmatchedRequests,
)

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ARRAY_ITEM = "*"
MAP_KEY = "{key}"
ANY_BELOW = "**"  # where a recursive schema is cut: whatever lies below is declared
_ITEMS = "\x00items"  # the items of an array in a shape tree (no JSON key can clash: NUL)
_MAX_DEPTH = 12  # recursive schemas (reply trees) are cut here


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """Responses of one backend to one method and path with one status, merged.

    `path` is concrete (`/api/v1/discussions/7`) or a template; `operation` is the
    operationId when the suite knows it (schemathesis does), else "".
    """

    backend: str
    method: str
    path: str
    status: int
    operation: str = ""
    count: int = 1
    properties: frozenset[str] = frozenset()

    @property
    def key(self) -> tuple[str, str, str, int, str]:
        return (self.backend, self.method, self.path, self.status, self.operation)

    def merge(self, other: Observation) -> Observation:
        """The same key seen again: counts add up, properties unite."""
        return Observation(
            backend=self.backend,
            method=self.method,
            path=self.path,
            status=self.status,
            operation=self.operation,
            count=self.count + other.count,
            properties=self.properties | other.properties,
        )


def observe(
    backend: str, method: str, path: str, status: int, body: Any, operation: str = ""
) -> Observation:
    """One exchange as an observation: the path without its query, the body's shape only."""
    return Observation(
        backend=backend,
        method=method.upper(),
        path=path.split("?", 1)[0],
        status=status,
        operation=operation,
        properties=frozenset(shape_of(body)),
    )


def shape_of(body: Any) -> Iterator[str]:
    """Every object key of a JSON document as a pointer template (array items are `*`).

    The items of an array are merged into one tree first: an envelope of 100 events costs
    one dict lookup per key, and pointers are built once per distinct place (hot path:
    every response of a run goes through here).
    """
    tree: dict[str, Any] = {}
    if isinstance(body, dict | list):
        _merge_shape(tree, body)
    return _pointers(tree, "")


def _merge_shape(tree: dict[str, Any], value: Any) -> None:
    # type() over isinstance and get() over setdefault: this loop runs once per JSON node.
    if type(value) is list:
        items = tree.get(_ITEMS)
        if items is None:
            items = tree[_ITEMS] = {}
        for item in value:
            if type(item) is dict or type(item) is list:
                _merge_shape(items, item)
        return
    for key, item in value.items():
        sub = tree.get(key)
        if sub is None:
            sub = tree[key] = {}
        if type(item) is dict or type(item) is list:
            _merge_shape(sub, item)


def _pointers(tree: dict[str, Any], prefix: str) -> Iterator[str]:
    for key, sub in tree.items():
        if key == _ITEMS:
            yield from _pointers(sub, f"{prefix}/{ARRAY_ITEM}")
        else:
            pointer = f"{prefix}/{escape(key)}"
            yield pointer
            yield from _pointers(sub, pointer)


def escape(key: str) -> str:
    """RFC 6901: `~` -> `~0`, `/` -> `~1`."""
    return key.replace("~", "~0").replace("/", "~1")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredOperation:
    """One operation of the spec: its statuses and each status' response properties."""

    method: str
    path: str
    operation_id: str
    properties: Mapping[str, frozenset[str]] = field(default_factory=dict)  # status -> pointers

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


def declared_operations(spec: Mapping[str, Any]) -> tuple[DeclaredOperation, ...]:
    """The operations of an OpenAPI 3.x document, in document order."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            responses = operation.get("responses") or {}
            found.append(
                DeclaredOperation(
                    method=method.upper(),
                    path=path,
                    operation_id=operation.get("operationId") or f"{method.upper()} {path}",
                    properties={
                        str(status): frozenset(_response_properties(spec, response))
                        for status, response in responses.items()
                    },
                )
            )
    return tuple(found)


def _response_properties(spec: Mapping[str, Any], response: Any) -> Iterator[str]:
    response = _resolve(spec, response)
    for media_type, content in (response.get("content") or {}).items():
        if "json" in media_type and isinstance(content, dict) and "schema" in content:
            yield from schema_properties(spec, content["schema"])


def schema_properties(
    spec: Mapping[str, Any], schema: Any, prefix: str = "", seen: tuple[str, ...] = ()
) -> Iterator[str]:
    """Every property a JSON Schema declares, as pointer templates ($ref, allOf, oneOf…)."""
    if not isinstance(schema, dict) or len(seen) > _MAX_DEPTH:
        return
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref in seen:
            yield f"{prefix}/{ANY_BELOW}"
        else:
            yield from schema_properties(spec, _resolve(spec, schema), prefix, (*seen, ref))
        return
    for combinator in ("allOf", "oneOf", "anyOf"):
        for sub in schema.get(combinator) or ():
            yield from schema_properties(spec, sub, prefix, seen)
    for name, sub in (schema.get("properties") or {}).items():
        pointer = f"{prefix}/{escape(name)}"
        yield pointer
        yield from schema_properties(spec, sub, pointer, seen)
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict) and extra:
        pointer = f"{prefix}/{MAP_KEY}"
        yield pointer
        yield from schema_properties(spec, extra, pointer, seen)
    if "items" in schema:
        yield from schema_properties(spec, schema["items"], f"{prefix}/{ARRAY_ITEM}", seen)
    elif _free_form(schema):
        yield f"{prefix}/{ANY_BELOW}"


def _free_form(schema: dict[str, Any]) -> bool:
    """`{type: object}` or `{}`: any key below is allowed, so none is undeclared."""
    shaped = ("properties", "additionalProperties", "allOf", "oneOf", "anyOf", "enum", "const")
    kinds = schema.get("type", ["object", "array"])
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return not any(k in schema for k in shaped) and bool({"object", "array"} & set(kinds))


def _resolve(spec: Mapping[str, Any], node: Any) -> dict[str, Any]:
    """Follow a local `$ref` (`#/components/schemas/User`); other nodes pass through."""
    hops = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and hops < 32:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            target = target.get(key) if isinstance(target, dict) else None
        node, hops = target, hops + 1
    return node if isinstance(node, dict) else {}


def matches(declared: frozenset[str], observed: str) -> bool:
    """Whether an observed pointer is declared (`{key}` is any map key, `**` anything below)."""
    if observed in declared:
        return True
    parts = observed.split("/")
    return any(_matches(d.split("/"), parts) for d in declared if MAP_KEY in d or ANY_BELOW in d)


def _matches(declared: list[str], observed: list[str]) -> bool:
    for i, part in enumerate(declared):
        if part == ANY_BELOW:
            return len(observed) > i
        if i >= len(observed) or part not in (observed[i], MAP_KEY):
            return False
    return len(declared) == len(observed)


class OperationIndex:
    """Finds the operation of a request: by operationId, else by method and path template."""

    def __init__(self, operations: Iterable[DeclaredOperation]) -> None:
        self.operations = tuple(operations)
        self._by_id = {o.operation_id: o for o in self.operations}
        # Literal segments beat parameters: /discussions/search before /discussions/{id}.
        ranked = sorted(self.operations, key=lambda o: o.path.count("{"))
        self._patterns = [(o, _template_regex(o.path)) for o in ranked]

    def find(self, method: str, path: str, operation: str = "") -> DeclaredOperation | None:
        if operation in self._by_id:
            return self._by_id[operation]
        for candidate, pattern in self._patterns:
            if candidate.method == method and (candidate.path == path or pattern.match(path)):
                return candidate
        return None


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", template)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


def compute_coverage(
    spec: Mapping[str, Any], observations: Iterable[Observation], backends: Iterable[str]
) -> tuple[BackendCoverage, ...]:
    """Per backend and per documented operation: requests, statuses, properties covered."""
    index = OperationIndex(declared_operations(spec))
    seen: dict[tuple[str, str], list[Observation]] = {}
    unmatched: dict[tuple[str, str, str], int] = {}
    for obs in observations:
        found = index.find(obs.method, obs.path, obs.operation)
        if found is None:
            key = (obs.backend, obs.method, obs.path)
            unmatched[key] = unmatched.get(key, 0) + obs.count
        else:
            seen.setdefault((obs.backend, found.operation_id), []).append(obs)
    return tuple(
        BackendCoverage(
            backend=backend,
            operations=tuple(
                _operation_coverage(op, seen.get((backend, op.operation_id), []))
                for op in index.operations
            ),
            unmatched=tuple(
                UnmatchedRequests(method=m, path=p, requests=n)
                for (b, m, p), n in sorted(unmatched.items())
                if b == backend
            ),
        )
        for backend in backends
    )


def _operation_coverage(
    op: DeclaredOperation, observations: list[Observation]
) -> OperationCoverage:
    counts: dict[str, int] = {}
    shapes: dict[str, set[str]] = {}
    for obs in observations:
        status = _documented_status(op, obs.status)
        counts[status] = counts.get(status, 0) + obs.count
        shapes.setdefault(status, set()).update(obs.properties)
    declared, observed, undeclared = [], [], []
    for status in sorted(set(op.properties) | set(shapes)):
        patterns = op.properties.get(status, frozenset())
        props = sorted(p for p in patterns if not p.endswith(ANY_BELOW))
        got = shapes.get(status, set())
        declared += [f"{status} {p}" for p in props]
        observed += [f"{status} {p}" for p in props if p in got or _any_match(p, got)]
        undeclared += [f"{status} {p}" for p in sorted(got) if not matches(patterns, p)]
    return OperationCoverage(
        method=op.method,
        path=op.path,
        operation_id=op.operation_id,
        requests=sum(counts.values()),
        statuses=tuple(
            StatusCoverage(status=s, documented=s in op.properties, seen=counts.get(s, 0))
            for s in sorted(set(op.properties) | set(counts))
        ),
        declared=tuple(declared),
        observed=tuple(observed),
        undeclared=tuple(undeclared),
    )


def _any_match(declared: str, observed: set[str]) -> bool:
    return MAP_KEY in declared and any(matches(frozenset((declared,)), o) for o in observed)


def _documented_status(op: DeclaredOperation, status: int) -> str:
    """`404` when documented, else the `4XX` range when that is, else `default`, else `404`."""
    code = str(status)
    for candidate in (code, f"{code[0]}XX", "default"):
        if candidate in op.properties:
            return candidate
    return code
