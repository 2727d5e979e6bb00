"""Parameter coverage (pure): every query and body parameter the spec declares, per operation
and backend: sent or not, how many distinct values, whether a value changed an answer
(defined in harness.report.parameters), and the gaps.

Declared: an operation's `parameters` (and its path item's) with `in: query`, and its JSON
request body's properties: the top-level ones, or, for an object that lists properties
(Rails' wrapper `discussion`), each of those (`discussion.title`). A declared free-form
object (`session: {type: object}`) is covered by itself or any field under it.

Some declared parameters cannot change an answer, whatever value is sent: Rails reads them
for nothing (`INERT`, with the reason). Their gaps say so, and the share of parameters with
a value that changed an answer is taken over the others ("where one exists").
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from fnmatch import fnmatchcase
from typing import Any

from harness.report.coverage import OperationIndex, declared_operations
from harness.report.coverage import _resolve as resolve  # a local $ref, followed
from harness.report.parameters import SAFE_METHODS, VALUE_CAP, ParameterKey, ParameterUse

NEVER_SENT = "never sent"
NO_CHANGE = "sent, no value changed an answer"
# why a write's body field can change its answer by the status alone (parameters.py: a 2xx
# answer holding the value is the other way a write shows one)
NOT_ANSWERED = (
    "the answer declares no field of that name: only a status it changes, or a later read, "
    "can show its value"
)
CANNOT_CHANGE = "no value can change an answer"


@dataclass(frozen=True, slots=True)
class Inert:
    """Declared parameters of `operations` (operationIds) whose value Rails never lets reach
    an answer: `names` are patterns (`poll.*`), `but` the names they do not cover."""

    operations: tuple[str, ...]
    names: tuple[str, ...]
    why: str
    but: tuple[str, ...] = ()

    def covers(self, operation_id: str, name: str) -> bool:
        return (
            operation_id in self.operations
            and any(fnmatchcase(name, pattern) for pattern in self.names)
            and name not in self.but
        )


STANCE_ACTIONS = ("stances_index", "stances_create", "stances_update", "stances_update_put")
INERT: tuple[Inert, ...] = (
    Inert(
        (*STANCE_ACTIONS, "stances_uncast"),
        ("exclude_types",),
        "StancesController hard-codes exclude_types 'group discussion' (api-envelope.md 3.2)",
    ),
    Inert(
        ("outcomes_create", "outcomes_update", "outcomes_update_put"),
        ("exclude_types",),
        "OutcomesController hard-codes exclude_types 'discussion event' (api-envelope.md 3.2)",
    ),
    Inert(
        ("memberships_index",),
        ("group_key",),
        "ModelLocator takes group_id before group_key, and the index needs group_id "
        "(MembershipQuery.search finds the group by group_id alone)",
    ),
    Inert(
        ("polls_reopen",),
        ("poll.*",),
        "PollService.reopen assigns closing_at alone (polls.md 4)",
        but=("poll.closing_at",),
    ),
)


def inert_reason(operation_id: str, name: str) -> str:
    """Why no value of this parameter can change an answer; "" when one can."""
    return next((i.why for i in INERT if i.covers(operation_id, name)), "")


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterSeen:
    """One parameter on one backend."""

    backend: str
    sent: int = 0
    distinct: int = 0
    changed: bool = False

    @property
    def distinct_label(self) -> str:
        return f"{self.distinct}+" if self.distinct >= VALUE_CAP else str(self.distinct)


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterRow:
    """One parameter of one operation, declared or only sent."""

    operation_id: str
    method: str
    path: str
    location: str  # query, body
    name: str
    declared: bool
    seen: tuple[ParameterSeen, ...]
    inert: str = ""  # why no value can change an answer (INERT), "" when one can
    unanswered: bool = False  # a write's body field no schema of its 2xx answer declares

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Gap:
    row: ParameterRow
    backend: str
    why: str  # NEVER_SENT, NO_CHANGE, or CANNOT_CHANGE and the reason


@dataclass(frozen=True, slots=True, kw_only=True)
class ParameterCoverage:
    """The table (declared parameters), the gaps, and what was sent but not declared."""

    backends: tuple[str, ...]
    rows: tuple[ParameterRow, ...]
    undeclared: tuple[ParameterRow, ...]

    @property
    def gaps(self) -> tuple[Gap, ...]:
        """Per declared parameter and backend: never sent, or sent without changing an answer."""
        found = []
        for row in self.rows:
            for seen in row.seen:
                if not seen.sent or not seen.changed:
                    why = NEVER_SENT if not seen.sent else NO_CHANGE
                    if row.inert and seen.sent:
                        why = f"{CANNOT_CHANGE}: {row.inert}"
                    elif row.unanswered and seen.sent:
                        why = f"{NO_CHANGE} ({NOT_ANSWERED})"
                    found.append(Gap(row=row, backend=seen.backend, why=why))
        return tuple(found)

    @property
    def gap_rows(self) -> tuple[tuple[ParameterRow, str], ...]:
        """The gaps one line per parameter: `never sent on rails, go`, or per backend."""
        by_row: dict[int, list[Gap]] = {}
        for gap in self.gaps:
            by_row.setdefault(id(gap.row), []).append(gap)
        lines = []
        for gaps in by_row.values():
            whys = {g.why for g in gaps}
            if len(whys) == 1:
                why = f"{whys.pop()} on {', '.join(g.backend for g in gaps)}"
            else:
                why = "; ".join(f"{g.backend}: {g.why}" for g in gaps)
            lines.append((gaps[0].row, why))
        return tuple(lines)

    def totals(self, backend: str) -> tuple[int, int, int]:
        """(declared, sent, with a value that changed an answer) on `backend`."""
        seen = [s for r in self.rows for s in r.seen if s.backend == backend]
        return len(seen), sum(1 for s in seen if s.sent), sum(1 for s in seen if s.changed)

    def changeable(self, backend: str) -> tuple[int, int]:
        """(sent parameters a value can change an answer of, those with one that did)."""
        seen = [s for r in self.rows if not r.inert for s in r.seen if s.backend == backend]
        return sum(1 for s in seen if s.sent), sum(1 for s in seen if s.changed)

    def to_json(self) -> str:
        def row(r: ParameterRow) -> dict[str, Any]:
            return {
                "operation": r.operation_id,
                "method": r.method,
                "path": r.path,
                "in": r.location,
                "name": r.name,
                **({"inert": r.inert} if r.inert else {}),
                "backends": {
                    s.backend: {"sent": s.sent, "distinct": s.distinct, "changed": s.changed}
                    for s in r.seen
                },
            }

        document = {
            "definition": "harness/report/parameters.py",
            "totals": {
                b: dict(
                    zip(
                        ("declared", "sent", "changed", "sent_changeable", "changed_changeable"),
                        (*self.totals(b), *self.changeable(b)),
                        strict=True,
                    )
                )
                for b in self.backends
            },
            "parameters": [row(r) for r in self.rows],
            "gaps": [
                {
                    "operation": g.row.operation_id,
                    "in": g.row.location,
                    "name": g.row.name,
                    "backend": g.backend,
                    "why": g.why,
                }
                for g in self.gaps
            ],
            "undeclared": [row(r) for r in self.undeclared],
        }
        return json.dumps(document, indent=2, sort_keys=True) + "\n"


def declared_parameters(
    spec: Mapping[str, Any], path: str, method: str
) -> tuple[tuple[str, str], ...]:
    """(in, name) of every query and body parameter one operation declares, in spec order."""
    item = spec.get("paths", {}).get(path) or {}
    operation = item.get(method.lower()) or {}
    found: list[tuple[str, str]] = []
    for parameter in [*(item.get("parameters") or ()), *(operation.get("parameters") or ())]:
        resolved = resolve(spec, parameter)
        if resolved.get("in") == "query" and ("query", resolved.get("name")) not in found:
            found.append(("query", str(resolved.get("name"))))
    found += [("body", name) for name in _body_fields(spec, operation.get("requestBody"))]
    return tuple(found)


def answer_fields(spec: Mapping[str, Any], path: str, method: str) -> frozenset[str]:
    """Every property name the schemas of an operation's 2xx answers declare, at any depth
    (the records an envelope sideloads too)."""
    operation = (spec.get("paths", {}).get(path) or {}).get(method.lower()) or {}
    found: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = []
    for status, response in (operation.get("responses") or {}).items():
        if str(status).startswith("2"):
            content = resolve(spec, response).get("content") or {}
            stack += [c.get("schema") for t, c in content.items() if "json" in t]
    while stack:
        node = resolve(spec, stack.pop())
        if id(node) in seen:
            continue
        seen.add(id(node))
        properties = node.get("properties") or {}
        found.update(properties)
        stack += list(properties.values())
        stack += [
            node[k] for k in ("items", "additionalProperties") if isinstance(node.get(k), dict)
        ]
        stack += [x for k in ("allOf", "anyOf", "oneOf") for x in node.get(k) or ()]
    return frozenset(found)


def _body_fields(spec: Mapping[str, Any], body: Any) -> Iterator[str]:
    content = resolve(spec, body).get("content") or {}
    schema = next((c.get("schema") for t, c in content.items() if "json" in t), None)
    for name, sub in (resolve(spec, schema).get("properties") or {}).items():
        inner = resolve(spec, sub).get("properties")
        if isinstance(inner, dict) and inner:
            yield from (f"{name}.{field}" for field in inner)
        else:
            yield name


def compute_parameter_coverage(
    spec: Mapping[str, Any], uses: Mapping[ParameterKey, ParameterUse], backends: Iterable[str]
) -> ParameterCoverage:
    """Per operation of the spec, each declared parameter on each backend (pure)."""
    backends = tuple(backends)
    index = OperationIndex(declared_operations(spec))
    merged: dict[tuple[str, str, str, str], ParameterUse] = {}  # (backend, op id, in, name)
    for (backend, method, shape, operation, where, name), use in uses.items():
        found = index.find(method, shape, operation)
        if found is not None:
            merged.setdefault((backend, found.operation_id, where, name), ParameterUse()).add(use)
    rows, undeclared = [], []
    for op in index.operations:
        declared = declared_parameters(spec, op.path, op.method)
        sent = {(w, n) for (_, o, w, n) in merged if o == op.operation_id}
        answered = answer_fields(spec, op.path, op.method)
        write = op.method.upper() not in SAFE_METHODS
        for where, name in declared:
            row = _row(op.operation_id, op.method, op.path, where, name, True, merged, backends)
            unanswered = write and where == "body" and name.split(".")[-1] not in answered
            rows.append(replace(row, unanswered=unanswered) if unanswered else row)
        for where, name in sorted(sent - set(declared)):
            if not _under_free_form(name, where, declared):
                undeclared.append(
                    _row(op.operation_id, op.method, op.path, where, name, False, merged, backends)
                )
    return ParameterCoverage(backends=backends, rows=tuple(rows), undeclared=tuple(undeclared))


def _under_free_form(name: str, where: str, declared: tuple[tuple[str, str], ...]) -> bool:
    """A declared wrapper sent (`discussion`, its fields declared) or a field of a declared
    free-form object (`session.email` under `session`)."""
    head = name.split(".", 1)[0]
    return any(w == where and (n == head or n.startswith(f"{name}.")) for w, n in declared)


def _row(
    operation_id: str,
    method: str,
    path: str,
    where: str,
    name: str,
    declared: bool,
    merged: Mapping[tuple[str, str, str, str], ParameterUse],
    backends: tuple[str, ...],
) -> ParameterRow:
    def seen(backend: str) -> ParameterSeen:
        # a wrapper is recorded whenever a field under it is sent: a declared free-form
        # object (`session`) is covered by what was sent under it
        use = merged.get((backend, operation_id, where, name), ParameterUse())
        return ParameterSeen(
            backend=backend, sent=use.sent, distinct=len(use.values), changed=use.changed
        )

    return ParameterRow(
        operation_id=operation_id,
        method=method,
        path=path,
        location=where,
        name=name,
        declared=declared,
        seen=tuple(seen(b) for b in backends),
        inert=inert_reason(operation_id, name),
    )
