"""Spec drift: two OpenAPI 3.1 documents -> changes, classified for the Vue front end.

The old document is what the front end was written against (the spec extracted from
Rails); the new one is what the Go backend publishes. A change is breaking when a client
that worked with the old contract can fail with the new one:

* responses must not send what the client does not expect: a removed operation, status,
  media type or property, a changed type or format, null where there was none, a
  required key made optional, more alternatives (`anyOf`);
* requests must not refuse what the client sends: a new required field or parameter, a
  removed property (Rails answers 400 to unpermitted parameters), a narrowed type, a
  removed enum value, null no longer accepted.

A new enum value in a response is a warning (the client may switch on the value). What is
only added (operations, statuses, optional fields) is non-breaking. `$ref`s are resolved
(local ones, cycles included). `parity diff-spec OLD NEW [--json]` exits 1 on breaking.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from harness.errors import HarnessError

Schema = Mapping[str, Any]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Severity(StrEnum):
    """For the front end: can this change break a client written against the old spec?"""

    BREAKING = "breaking"
    WARNING = "warning"
    NON_BREAKING = "non_breaking"


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One difference between the specs: `GET /x` `response 200 /discussions/items/title`."""

    severity: Severity
    kind: str  # "property_removed", "nullable_added", …
    operation: str
    location: str
    detail: str
    old: Any = None
    new: Any = None


def load_spec(source: str) -> dict[str, Any]:
    """An OpenAPI document from a file (YAML or JSON) or an http(s) URL."""
    try:
        if re.match(r"https?://", source):
            with urllib.request.urlopen(source, timeout=30) as response:
                text = response.read().decode()
        else:
            text = Path(source).read_text(encoding="utf-8")
        document = yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise HarnessError(f"{source}: cannot read the OpenAPI document ({exc}).") from None
    if not isinstance(document, dict) or not isinstance(document.get("paths"), dict):
        raise HarnessError(f"{source}: not an OpenAPI document (no `paths` object at the top).")
    return document


class _Resolver:
    """Follows local `$ref`s (`#/components/schemas/Poll`); siblings override the target."""

    def __init__(self, document: Mapping[str, Any], name: str) -> None:
        self.document, self.name = document, name

    def __call__(self, node: Any) -> Any:
        seen: set[str] = set()
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen:
                raise HarnessError(f"{self.name}: $ref cycle through {ref}.")
            seen.add(ref)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            node = {**self._target(ref), **siblings}
        return node

    def _target(self, ref: str) -> Any:
        if not ref.startswith("#"):
            raise HarnessError(
                f"{self.name}: external $ref {ref!r} is not supported; bundle the spec first "
                "(e.g. `redocly bundle`)."
            )
        node: Any = self.document
        for part in ref[1:].split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                raise HarnessError(f"{self.name}: $ref {ref!r} points at nothing.")
            node = node[part]
        return node


def _operations(document: Mapping[str, Any]) -> dict[str, tuple[str, Schema, list[Any]]]:
    """`GET /api/v1/discussions/{}` -> (display name, operation, path-level parameters)."""
    found = {}
    for path, item in document["paths"].items():
        if not isinstance(item, Mapping):
            continue
        for method in METHODS:
            if isinstance(item.get(method), Mapping):
                key = f"{method.upper()} {re.sub(r'{[^}]*}', '{}', path)}"
                found[key] = (f"{method.upper()} {path}", item[method], item.get("parameters", []))
    return found


def diff_specs(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[Change]:
    """Every change from `old` to `new`, breaking ones first."""
    differ = _Differ(_Resolver(old, "old spec"), _Resolver(new, "new spec"))
    before, after = _operations(old), _operations(new)
    for key in sorted(before.keys() - after.keys()):
        differ.add(Severity.BREAKING, "operation_removed", before[key][0], "", "operation removed")
    for key in sorted(after.keys() - before.keys()):
        differ.add(Severity.NON_BREAKING, "operation_added", after[key][0], "", "operation added")
    for key in sorted(before.keys() & after.keys()):
        differ.operation(after[key][0], before[key], after[key])
    order = list(Severity)
    return sorted(differ.changes, key=lambda c: order.index(c.severity))


class _Differ:
    """Walks two documents side by side, collecting `Change`s."""

    def __init__(self, old: _Resolver, new: _Resolver) -> None:
        self.old, self.new = old, new
        self.changes: list[Change] = []
        self.operation_name = ""
        self._expanding: list[tuple[Any, Any]] = []  # $ref pairs on the current path (cycles)

    def add(
        self,
        severity: Severity,
        kind: str,
        operation: str,
        location: str,
        detail: str,
        old: Any = None,
        new: Any = None,
    ) -> None:
        self.changes.append(
            Change(
                severity=severity,
                kind=kind,
                operation=operation,
                location=location,
                detail=detail,
                old=old,
                new=new,
            )
        )

    def here(
        self,
        severity: Severity,
        kind: str,
        location: str,
        detail: str,
        old: Any = None,
        new: Any = None,
    ) -> None:
        self.add(severity, kind, self.operation_name, location, detail, old, new)

    def operation(
        self, name: str, before: tuple[str, Schema, list[Any]], after: tuple[str, Schema, list[Any]]
    ) -> None:
        self.operation_name = name
        self.parameters(self._parameters(self.old, before), self._parameters(self.new, after))
        self.request_body(
            self.old(before[1].get("requestBody")), self.new(after[1].get("requestBody"))
        )
        self.responses(before[1].get("responses") or {}, after[1].get("responses") or {})

    @staticmethod
    def _parameters(resolve: _Resolver, op: tuple[str, Schema, list[Any]]) -> dict[str, Schema]:
        merged = {}
        for raw in [*op[2], *op[1].get("parameters", [])]:
            param = resolve(raw)
            if isinstance(param, Mapping) and param.get("in") != "path":
                merged[f"{param.get('in')} {param.get('name')}"] = param
        return merged

    def parameters(self, before: dict[str, Schema], after: dict[str, Schema]) -> None:
        for key in sorted(before.keys() - after.keys()):
            self.here(
                Severity.BREAKING, "parameter_removed", f"parameter {key}", "parameter removed"
            )
        for key in sorted(after.keys() - before.keys()):
            required = bool(after[key].get("required"))
            severity = Severity.BREAKING if required else Severity.NON_BREAKING
            kind = "required_parameter_added" if required else "parameter_added"
            self.here(severity, kind, f"parameter {key}", kind.replace("_", " "))
        for key in sorted(before.keys() & after.keys()):
            if after[key].get("required") and not before[key].get("required"):
                self.here(
                    Severity.BREAKING,
                    "parameter_made_required",
                    f"parameter {key}",
                    "optional parameter made required",
                )
            self.schema(
                before[key].get("schema", {}),
                after[key].get("schema", {}),
                f"parameter {key}",
                "",
                "request",
            )

    def request_body(self, before: Any, after: Any) -> None:
        if not isinstance(after, Mapping):
            if isinstance(before, Mapping):
                self.here(
                    Severity.BREAKING,
                    "request_body_removed",
                    "request body",
                    "request body no longer accepted",
                )
            return
        if not isinstance(before, Mapping):
            required = bool(after.get("required"))
            severity = Severity.BREAKING if required else Severity.NON_BREAKING
            self.here(
                severity,
                "request_body_added",
                "request body",
                "required request body added" if required else "optional request body added",
            )
            return
        if after.get("required") and not before.get("required"):
            self.here(
                Severity.BREAKING,
                "request_body_made_required",
                "request body",
                "request body made required",
            )
        self.content(
            before.get("content") or {}, after.get("content") or {}, "request body", "request"
        )

    def responses(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        for status in sorted(map(str, before.keys() - after.keys())):
            self.here(
                Severity.BREAKING,
                "status_removed",
                f"response {status}",
                "status code no longer documented",
            )
        for status in sorted(map(str, after.keys() - before.keys())):
            self.here(
                Severity.NON_BREAKING, "status_added", f"response {status}", "status code added"
            )
        for status in sorted(before.keys() & after.keys(), key=str):
            old, new = self.old(before[status]), self.new(after[status])
            self.content(
                old.get("content") or {}, new.get("content") or {}, f"response {status}", "response"
            )

    def content(
        self, before: Mapping[str, Any], after: Mapping[str, Any], where: str, direction: str
    ) -> None:
        for media in sorted(before.keys() - after.keys()):
            self.here(
                Severity.BREAKING, "media_type_removed", f"{where} {media}", "media type removed"
            )
        for media in sorted(after.keys() - before.keys()):
            self.here(
                Severity.NON_BREAKING, "media_type_added", f"{where} {media}", "media type added"
            )
        for media in sorted(before.keys() & after.keys()):
            old, new = before[media] or {}, after[media] or {}
            self.schema(old.get("schema", {}), new.get("schema", {}), where, "", direction)

    def schema(
        self, old: Any, new: Any, where: str, path: str, direction: str, *, scalars: bool = True
    ) -> None:
        """Compare two schemas at `path` (a JSON-Pointer-like path into the body)."""
        refs = (_ref_of(old), _ref_of(new))
        if refs != (None, None) and refs in self._expanding:  # a recursive schema: done here
            return
        old, new = self.old(old), self.new(new)
        if not isinstance(old, Mapping) or not isinstance(new, Mapping):
            return
        self._expanding.append(refs)
        try:
            self._compare(old, new, where, path, direction, scalars)
        finally:
            self._expanding.pop()

    def _compare(
        self, old: Schema, new: Schema, where: str, path: str, direction: str, scalars: bool
    ) -> None:
        if scalars:
            at = f"{where} {path or '/'}"
            for change in _scalar_changes(_shape(old, self.old), _shape(new, self.new), direction):
                self.here(change[0], change[1], at, change[2], change[3], change[4])
        inner_old, inner_new = _single(old, self.old), _single(new, self.new)
        if inner_old is not None or inner_new is not None:
            # `anyOf: [X, {type: null}]`: the structure is X's (null was compared above)
            self.schema(
                old if inner_old is None else inner_old,
                new if inner_new is None else inner_new,
                where,
                path,
                direction,
                scalars=False,
            )
            return
        self.properties(old, new, where, path, direction)
        if "items" in old and "items" in new:
            self.schema(old["items"], new["items"], where, f"{path}/items", direction)
        extra_old, extra_new = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(extra_old, Mapping) and isinstance(extra_new, Mapping):
            self.schema(extra_old, extra_new, where, f"{path}/*", direction)
        self.alternatives(old, new, where, path, direction)

    def properties(self, old: Schema, new: Schema, where: str, path: str, direction: str) -> None:
        before, after = old.get("properties") or {}, new.get("properties") or {}
        req_old, req_new = set(old.get("required") or ()), set(new.get("required") or ())
        response = direction == "response"
        for name in sorted(before.keys() - after.keys()):
            detail = "property removed" if response else "property no longer accepted (Rails: 400)"
            kind = "property_removed" if response else "request_property_removed"
            self.here(Severity.BREAKING, kind, f"{where} {path}/{name}", detail)
        for name in sorted(after.keys() - before.keys()):
            if not response and name in req_new:
                self.here(
                    Severity.BREAKING,
                    "required_request_property_added",
                    f"{where} {path}/{name}",
                    "new required request field",
                )
            else:
                self.here(
                    Severity.NON_BREAKING,
                    "property_added",
                    f"{where} {path}/{name}",
                    "property added",
                )
        for name in sorted(before.keys() & after.keys()):
            at = f"{where} {path}/{name}"
            if response and name in req_old - req_new:
                self.here(
                    Severity.BREAKING,
                    "required_response_property_made_optional",
                    at,
                    "required response key made optional: it may be absent now",
                )
            if not response and name in req_new - req_old:
                self.here(
                    Severity.BREAKING,
                    "request_property_made_required",
                    at,
                    "optional request field made required",
                )
            self.schema(before[name], after[name], where, f"{path}/{name}", direction)

    def alternatives(self, old: Schema, new: Schema, where: str, path: str, direction: str) -> None:
        before, after = _branches(old, self.old), _branches(new, self.new)
        if len(before) < 2 and len(after) < 2:
            return
        for i, (b, a) in enumerate(zip(before, after, strict=False)):
            self.schema(b, a, where, f"{path}/anyOf/{i}", direction)
        grew = len(after) > len(before)
        if len(after) != len(before):
            breaking = grew == (direction == "response")
            self.here(
                Severity.BREAKING if breaking else Severity.NON_BREAKING,
                "alternatives_added" if grew else "alternatives_removed",
                f"{where} {path or '/'}",
                "anyOf/oneOf alternatives changed",
                len(before),
                len(after),
            )


def _ref_of(node: Any) -> str | None:
    ref = node.get("$ref") if isinstance(node, Mapping) else None
    return ref if isinstance(ref, str) else None


@dataclass(frozen=True, slots=True)
class _Shape:
    """What a schema says about a single value: types, null, format, enum."""

    types: frozenset[str] | None  # None: unconstrained
    nullable: bool
    format: str | None
    enum: frozenset[str] | None  # JSON-encoded values, null excluded


def _branches(schema: Schema, resolve: _Resolver) -> list[Any]:
    """The non-null alternatives of anyOf/oneOf, as written (`$ref`s unresolved)."""
    found = schema.get("anyOf") or schema.get("oneOf") or ()
    return [b for b in found if not _is_null(resolve(b))]


def _is_null(node: Any) -> bool:
    return isinstance(node, Mapping) and node.get("type") == "null"


def _single(schema: Schema, resolve: _Resolver) -> Any:
    """X for `anyOf: [X, {type: null}]` (or a lone alternative); None otherwise."""
    if not (schema.get("anyOf") or schema.get("oneOf")):
        return None
    branches = _branches(schema, resolve)
    return branches[0] if len(branches) == 1 else None


def _shape(schema: Schema, resolve: _Resolver) -> _Shape:
    types: set[str] | None = set()
    nullable = bool(schema.get("nullable"))
    declared = schema.get("type")
    for t in [declared] if isinstance(declared, str) else (declared or []):
        if t == "null":
            nullable = True
        elif types is not None:
            types.add(t)
    if declared is None:
        types = _implied_types(schema, resolve)
        alternatives = [resolve(b) for b in schema.get("anyOf") or schema.get("oneOf") or ()]
        nullable = nullable or any(
            _is_null(b) or (isinstance(b, Mapping) and _shape(b, resolve).nullable)
            for b in alternatives
        )
    values = (
        schema["enum"] if "enum" in schema else [schema["const"]] if "const" in schema else None
    )
    enum = None
    if values is not None:
        nullable = nullable or None in values
        enum = frozenset(json.dumps(v, sort_keys=True) for v in values if v is not None)
    fmt = schema.get("format")
    return _Shape(
        frozenset(types) if types is not None else None,
        nullable,
        fmt if isinstance(fmt, str) else None,
        enum,
    )


def _implied_types(schema: Schema, resolve: _Resolver) -> set[str] | None:
    branches = _branches(schema, resolve)
    if branches:
        union: set[str] = set()
        for branch in branches:
            branch = resolve(branch)
            inner = _shape(branch, resolve).types if isinstance(branch, Mapping) else None
            if inner is None:
                return None
            union |= inner
        return union
    if "properties" in schema:
        return {"object"}
    if "items" in schema:
        return {"array"}
    return None


def _covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Whether every value of type set `narrow` is allowed by `wide` (integer ⊂ number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    expanded = wide | ({"integer"} if "number" in wide else set())
    return narrow <= expanded


def _scalar_changes(old: _Shape, new: _Shape, direction: str) -> Iterator[tuple[Any, ...]]:
    """(severity, kind, detail, old, new) for type, null, format and enum changes."""
    response = direction == "response"
    sent, accepted = (new, old) if response else (old, new)  # what one side sends, the other takes
    if old.types != new.types:
        breaking = not _covers(accepted.types, sent.types)
        yield (
            Severity.BREAKING if breaking else Severity.NON_BREAKING,
            "type_changed",
            "type changed",
            _listed(old.types),
            _listed(new.types),
        )
    if old.nullable != new.nullable:
        if new.nullable:
            yield (
                Severity.BREAKING if response else Severity.NON_BREAKING,
                "nullable_added",
                "may be null now",
                False,
                True,
            )
        else:
            yield (
                Severity.NON_BREAKING if response else Severity.BREAKING,
                "nullable_removed",
                "may no longer be null",
                True,
                False,
            )
    if old.format != new.format:
        # a response's promised format may not change; a request may not demand a new one
        breaking = old.format is not None if response else new.format is not None
        yield (
            Severity.BREAKING if breaking else Severity.NON_BREAKING,
            "format_changed",
            "format changed",
            old.format,
            new.format,
        )
    yield from _enum_changes(old.enum, new.enum, response)


def _enum_changes(
    old: frozenset[str] | None, new: frozenset[str] | None, response: bool
) -> Iterator[tuple[Any, ...]]:
    if old == new:
        return
    added = sorted((new or frozenset()) - (old or frozenset())) if old is not None else []
    removed = sorted((old or frozenset()) - (new or frozenset())) if new is not None else []
    if added or (old is not None and new is None):
        severity = Severity.WARNING if response else Severity.NON_BREAKING
        detail = "new enum values: the client may not handle them" if response else "enum widened"
        yield (severity, "enum_value_added", detail, _decoded(old), _decoded(new))
    if removed or (old is None and new is not None):
        severity = Severity.NON_BREAKING if response else Severity.BREAKING
        detail = "enum values no longer sent" if response else "enum values no longer accepted"
        yield (severity, "enum_value_removed", detail, _decoded(old), _decoded(new))


def _listed(types: frozenset[str] | None) -> list[str] | None:
    return None if types is None else sorted(types)


def _decoded(values: frozenset[str] | None) -> list[Any] | None:
    return None if values is None else [json.loads(v) for v in sorted(values)]


def render_text(changes: list[Change]) -> str:
    """Human-readable: one line per change (the same change in several operations once)."""
    groups: dict[tuple[Any, ...], list[str]] = {}
    for c in changes:
        key = (c.severity, c.location, c.detail, json.dumps([c.old, c.new], default=str))
        groups.setdefault(key, []).append(c.operation)
    lines = []
    for (severity, location, detail, values), operations in groups.items():
        old, new = json.loads(values)
        shown = f" ({old!r} -> {new!r})" if old is not None or new is not None else ""
        where = operations[0] if len(operations) == 1 else f"{len(operations)} operations"
        lines.append(f"{severity.upper():<12} {where}  {location}: {detail}{shown}")
        if len(operations) > 1:
            more = f", … (+{len(operations) - 3})" if len(operations) > 3 else ""
            lines.append(f"{'':<12} in {', '.join(operations[:3])}{more}")
    return "\n".join([*lines, summary(changes)]) + "\n"


def summary(changes: list[Change]) -> str:
    """`2 breaking, 1 warning, 5 non-breaking changes`."""
    count = {s: sum(c.severity is s for c in changes) for s in Severity}
    return (
        f"{count[Severity.BREAKING]} breaking, {count[Severity.WARNING]} warning, "
        f"{count[Severity.NON_BREAKING]} non-breaking changes"
    )


def to_json(changes: list[Change]) -> str:
    """Machine-readable: counts and the list of changes."""
    count = {str(s): sum(c.severity is s for c in changes) for s in Severity}
    return json.dumps({**count, "changes": [asdict(c) for c in changes]}, indent=2, default=str)


def only_ported(document: dict[str, Any], manifest_path: Path) -> dict[str, Any]:
    """`document` with only the operations a routing manifest sends to Go (the rest are
    Rails' to answer: their absence from Go's spec is no drift)."""
    from harness.routing.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    paths: dict[str, Any] = {}
    for path, item in document["paths"].items():
        kept = {
            key: value
            for key, value in item.items()
            if key not in METHODS
            or manifest.target(key, path, (value or {}).get("operationId", "")).ported
        }
        if any(key in METHODS for key in kept):
            paths[path] = kept
    return {**document, "paths": paths}


def main(argv: list[str] | None = None) -> int:
    """`parity diff-spec OLD NEW [--json]`: 1 if breaking changes, 0 if none, 2 usage error."""
    parser = argparse.ArgumentParser(
        prog="parity diff-spec",
        description="Compare two OpenAPI documents (files or URLs) for front-end breakage.",
    )
    parser.add_argument(
        "old", help="the spec the front end was built against (e.g. spec/openapi.yaml)"
    )
    parser.add_argument("new", help="the candidate's spec (file or http(s) URL)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument(
        "--ported",
        metavar="MANIFEST",
        help="a partial port's routing manifest: compare only the operations it sends to Go",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 2
    try:
        old = load_spec(args.old)
        if args.ported:
            old = only_ported(old, Path(args.ported))
        changes = diff_specs(old, load_spec(args.new))
    except HarnessError as exc:
        print(f"parity diff-spec: {exc}", file=sys.stderr)
        return 2
    print(
        to_json(changes) if args.json else render_text(changes), end="" if not args.json else "\n"
    )
    return 1 if any(c.severity is Severity.BREAKING for c in changes) else 0
