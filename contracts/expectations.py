"""Per-operation expectations of the conformance suite, read from `contracts/expectations.yaml`.

The file says, for each operationId of the spec, what the spec alone cannot: which seeded
actor calls it, which real records fill its path, query and body references, whether each
example needs records of its own (operations that close, discard or destroy), which
statuses the built-in checks accept, and what a visitor gets. `checks:` blocks use
schemathesis' own configuration format (`expected-statuses`), so they go to schemathesis
unchanged (see `schemathesis_config`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("expectations.yaml")
# The bundled reference pair's own quirks (rails side): loaded only when rails is the
# embedded reference backend, never for backends a user configures.
EMBEDDED_KNOWN = Path(__file__).with_name("known-embedded.yaml")
RECORD_KINDS = frozenset(
    {
        "group",
        "discussion",
        "membership",
        "comment",
        "poll",
        "poll_option",
        "stance",
        "closed_poll",
        "outcome",
        "user",
    }
)
_OPERATION_KEYS = frozenset(
    {"actor", "path", "query", "body", "fresh", "checks", "visitor", "skip", "note"}
)


class ExpectationsError(ValueError):
    """The expectations file is malformed; the message names the file, the key and the fix."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    """What one operation needs and accepts.

    `path`, `query`: parameter name -> record kind ("comment"), or "kind.key" for a url key,
    or a list of them (one is chosen per example).
    `body`: JSON Pointer-like "comment/discussion_id" -> record kind.
    `fresh`: record kinds created anew for every example (the operation consumes them).
    `visitor`: the status a visitor gets for the same request (None: not checked).
    """

    operation_id: str
    actor: str = "admin"
    path: Mapping[str, str | list[str]] = field(default_factory=dict)
    query: Mapping[str, str | list[str]] = field(default_factory=dict)
    body: Mapping[str, str | list[str]] = field(default_factory=dict)
    fresh: tuple[str, ...] = ()
    checks: Mapping[str, Any] = field(default_factory=dict)
    visitor: int | None = None
    skip: str = ""

    def kinds(self) -> set[str]:
        """Every record kind this operation refers to."""
        refs = [*self.path.values(), *self.query.values(), *self.body.values()]
        return {ref.split(".")[0] for ref in _flat(refs)} | set(self.fresh)


@dataclass(frozen=True, slots=True, kw_only=True)
class Known:
    """A failure nothing can be compared with, declared with its cause.

    Only rails' own conformance has nothing to be compared with (go's failures are compared
    with rails' answer to the same case: contracts/conformance.py). A failure of one of
    `checks` on one of `operations` answered with `status` on `backend` is counted in the
    report, not made a finding; an entry that matched nothing in a run where one of its
    operations ran is stale: a finding, like a strict xfail that passed.
    """

    backend: str
    checks: tuple[str, ...]
    operations: tuple[str, ...]  # operationIds
    status: int
    reason: str
    mode: str = ""  # "negative": only for invalid requests (schemathesis' negative mode)

    def covers(self, check: str, operation_id: str, side: str, status: int, neg: bool) -> bool:
        return (
            side == self.backend
            and check in self.checks
            and operation_id in self.operations
            and status == self.status
            and (self.mode != "negative" or neg)
        )

    @property
    def subject(self) -> str:
        """`rails, outcomes_create: not_a_server_error, status 500`, as the report lists it."""
        mode = " (invalid requests)" if self.mode == "negative" else ""
        ops = ", ".join(self.operations)
        return f"{self.backend}, {ops}: {', '.join(self.checks)}, status {self.status}{mode}"


@dataclass(frozen=True, slots=True, kw_only=True)
class SpecPatch:
    """A correction of the extracted spec applied in memory: `nullable` at `pointer`."""

    pointer: str
    reason: str

    def apply(self, spec: dict[str, Any]) -> None:
        node: Any = spec
        for part in self.pointer.strip("/").split("/"):
            node = (
                node.get(part.replace("~1", "/").replace("~0", "~"))
                if isinstance(node, dict)
                else None
            )
        if not isinstance(node, dict) or "type" not in node:
            raise ExpectationsError(
                f"spec_patches: {self.pointer} is not a typed schema in spec/openapi.yaml; "
                "remove the patch (the spec changed)."
            )
        types = [node["type"]] if isinstance(node["type"], str) else list(node["type"])
        node["type"] = [*types, "null"] if "null" not in types else types


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectations:
    """The whole file: defaults applied to every operation, then per-operation entries."""

    source: Path
    defaults: Mapping[str, Any]
    operations: Mapping[str, Expectation]
    known: tuple[Known, ...] = ()
    spec_patches: tuple[SpecPatch, ...] = ()

    def known_for(
        self, check: str, operation_id: str, side: str, status: int, negative: bool
    ) -> Known | None:
        """The entry covering this failure, if any."""
        return next(
            (k for k in self.known if k.covers(check, operation_id, side, status, negative)), None
        )

    def with_known(self, path: Path, known_operations: set[str]) -> Expectations:
        """These expectations and the `known:` entries of another file (the embedded pair's)."""
        more = _known_entries(_read(path), path, known_operations)
        return replace(self, known=(*self.known, *more))

    def patch_spec(self, spec: dict[str, Any]) -> dict[str, Any]:
        """The spec with the file's corrections applied (the committed file is not touched)."""
        for patch in self.spec_patches:
            patch.apply(spec)
        return spec

    def for_operation(self, operation_id: str) -> Expectation:
        """The operation's entry, or the defaults for an operation the file does not name."""
        found = self.operations.get(operation_id)
        return found or _expectation(operation_id, {}, self.defaults, self.source)

    def schemathesis_config(self, base: Mapping[str, Any]) -> dict[str, Any]:
        """A schemathesis config dict: `base`, the default checks and per-operation checks."""
        config = dict(base)
        config["checks"] = {**dict(base.get("checks", {})), **dict(self.defaults.get("checks", {}))}
        # An operation's `checks:` replace the defaults check by check (schemathesis merges).
        config["operations"] = [
            {"include-operation-id": e.operation_id, "checks": dict(e.checks)}
            for e in self.operations.values()
            if e.checks
        ] + [
            {"include-operation-id": e.operation_id, "enabled": False}
            for e in self.operations.values()
            if e.skip
        ]
        return config


def load_expectations(
    path: Path, known_operations: set[str], *, strict: bool = True
) -> Expectations:
    """Read and check the file against the spec's operationIds. Not `strict` (the bundled
    file, written for the bundled spec): entries of operations the spec lacks are left out."""
    data = _read(path)
    defaults = data.get("defaults") or {}
    operations = data.get("operations") or {}
    unknown = sorted(set(operations) - known_operations)
    if not strict:
        operations = {op: e for op, e in operations.items() if op in known_operations}
    elif unknown:
        raise ExpectationsError(
            f"{path}: operations {', '.join(unknown)} are not in the spec. Remove them or "
            "regenerate spec/openapi.yaml (python -m extractor)."
        )
    return Expectations(
        source=path,
        defaults=defaults,
        operations={
            op: _expectation(op, entry or {}, defaults, path) for op, entry in operations.items()
        },
        known=_known_entries(data, path, known_operations),
        spec_patches=tuple(
            SpecPatch(pointer=str(e["pointer"]), reason=str(e.get("reason") or ""))
            for e in data.get("spec_patches") or ()
        ),
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ExpectationsError(f"{path}: cannot read expectations ({exc}).") from None
    if not isinstance(data, dict):
        raise ExpectationsError(f"{path}: not a mapping of defaults, operations, known.")
    return data


def _known_entries(
    data: Mapping[str, Any], source: Path, known_operations: set[str]
) -> tuple[Known, ...]:
    """The file's `known:` entries, checked; entries of operations the spec lacks drop out."""
    entries = []
    for n, entry in enumerate(data.get("known") or (), 1):
        known = _known(entry, f"{source}: known entry {n}")
        operations = tuple(op for op in known.operations if op in known_operations)
        if operations:
            entries.append(replace(known, operations=operations))
    return tuple(entries)


def _known(entry: Mapping[str, Any], where: str) -> Known:
    if not isinstance(entry, Mapping):
        raise ExpectationsError(
            f"{where}: a mapping of backend, checks, operations, status, reason."
        )
    missing = [
        k for k in ("backend", "checks", "operations", "status", "reason") if not entry.get(k)
    ]
    if missing:
        raise ExpectationsError(
            f"{where}: needs {', '.join(missing)}: an entry is scoped to a backend, checks, "
            "an operation list and a status, with its cause."
        )
    if entry["backend"] != "rails":
        raise ExpectationsError(
            f"{where}: backend {entry['backend']!r}: only rails' own failures have nothing "
            "to be compared with; go's are compared with rails' answer to the same case."
        )
    if "*" in entry["operations"]:
        raise ExpectationsError(f"{where}: operations: name them; `*` is not an operation set.")
    return Known(
        backend=str(entry["backend"]),
        checks=tuple(entry["checks"]),
        operations=tuple(entry["operations"]),
        status=int(entry["status"]),
        reason=str(entry["reason"]),
        mode=str(entry.get("mode") or ""),
    )


def _expectation(
    operation_id: str, entry: Mapping[str, Any], defaults: Mapping[str, Any], source: Path
) -> Expectation:
    extra = sorted(set(entry) - _OPERATION_KEYS)
    if extra:
        raise ExpectationsError(
            f"{source}: operations.{operation_id}: unknown keys {', '.join(extra)} "
            f"(allowed: {', '.join(sorted(_OPERATION_KEYS))})."
        )
    refs = {name: dict(entry.get(name) or {}) for name in ("path", "query", "body")}
    fresh = tuple(entry.get("fresh") or ())
    for name, mapping in refs.items():
        for key, ref in mapping.items():
            for one in _flat([ref]):
                _check_kind(one.split(".")[0], f"{source}: operations.{operation_id}.{name}.{key}")
    for kind in fresh:
        _check_kind(kind, f"{source}: operations.{operation_id}.fresh")
    return Expectation(
        operation_id=operation_id,
        actor=str(entry.get("actor") or defaults.get("actor") or "admin"),
        fresh=fresh,
        checks=dict(entry.get("checks") or {}),
        visitor=entry.get("visitor", defaults.get("visitor")),
        skip=str(entry.get("skip") or ""),
        **refs,
    )


def _flat(refs: list[Any]) -> list[str]:
    """References are one "kind" or a list of them (chosen per example)."""
    return [str(r) for ref in refs for r in ([ref] if isinstance(ref, str) else ref)]


def _check_kind(kind: str, where: str) -> None:
    if kind not in RECORD_KINDS:
        raise ExpectationsError(
            f"{where}: unknown record kind {kind!r} (known: {', '.join(sorted(RECORD_KINDS))})."
        )
