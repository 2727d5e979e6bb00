"""Porting progress (pure): every spec operation × where it is served × what the suites saw.

For a partial port (a routing manifest), each operation of the spec gets its manifest state,
whether the go side answered it in this run, its conformance result and its lockstep result
(identical, differs, not compared). Totals per tag (resource) and a history of runs
(`porting-history.jsonl` in the report directory) give "N of M operations ported, K
identical to Rails" and its curve over time.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from harness.findings import Finding, FindingKind
from harness.report.coverage import OperationIndex, declared_operations

HISTORY_FILE = "porting-history.jsonl"
HISTORY_KEPT = 200  # runs drawn in the curve


@dataclass(frozen=True, slots=True, kw_only=True)
class PortingRow:
    """One operation of the spec during a partial port."""

    operation_id: str
    label: str  # "GET /api/v1/groups/{id}"
    tag: str
    state: str  # "go", "rails", "go 25%"
    exercised_on_go: bool
    conformance: str  # "passes", "fails", "not run"
    lockstep: str  # "identical", "differs", "not compared"

    @property
    def ported(self) -> bool:
        return self.state != "rails"

    @property
    def identical(self) -> bool:
        """Ported, compared with Rails by the lockstep, and nothing found on it."""
        return self.ported and self.lockstep == "identical" and self.conformance != "fails"


@dataclass(frozen=True, slots=True, kw_only=True)
class TagProgress:
    tag: str
    total: int
    ported: int
    identical: int


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryPoint:
    started_at: str
    total: int
    ported: int
    identical: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Porting:
    rows: tuple[PortingRow, ...]
    history: tuple[HistoryPoint, ...] = ()

    @property
    def total(self) -> int:
        return len(self.rows)

    @property
    def ported(self) -> int:
        return sum(1 for r in self.rows if r.ported)

    @property
    def identical(self) -> int:
        return sum(1 for r in self.rows if r.identical)

    @property
    def tags(self) -> tuple[TagProgress, ...]:
        by_tag: dict[str, list[PortingRow]] = {}
        for row in self.rows:
            by_tag.setdefault(row.tag, []).append(row)
        return tuple(
            TagProgress(
                tag=tag,
                total=len(rows),
                ported=sum(1 for r in rows if r.ported),
                identical=sum(1 for r in rows if r.identical),
            )
            for tag, rows in sorted(by_tag.items())
        )

    @property
    def line(self) -> str:
        return (
            f"{self.ported} of {self.total} operations ported, {self.identical} identical to Rails"
        )

    def point(self, started_at: str) -> HistoryPoint:
        return HistoryPoint(
            started_at=started_at, total=self.total, ported=self.ported, identical=self.identical
        )


def build_porting(
    spec: Mapping[str, Any],
    routes: Mapping[str, str],
    findings: Iterable[Finding],
    go_requests: Mapping[str, int],
    compared: Iterable[str],
) -> Porting:
    """The progress matrix: `routes` {operationId: state}, `go_requests` {operationId: n}
    answered by the go side, `compared` the operations (ids or labels) the lockstep sent."""
    operations = declared_operations(spec)
    index = OperationIndex(operations)
    tags = _tags(spec)
    conformance_failed: set[str] = set()
    differs: set[str] = set()
    for finding in findings:
        found = _operation_id(index, finding.operation)
        if finding.kind is FindingKind.CONFORMANCE and "go" in finding.backend.split(","):
            conformance_failed.add(found)
        elif finding.kind is FindingKind.DIFFERENTIAL:
            differs.add(found)
    compared_ids = {_operation_id(index, c) for c in compared}
    rows = []
    for op in operations:
        exercised = go_requests.get(op.operation_id, 0) > 0
        rows.append(
            PortingRow(
                operation_id=op.operation_id,
                label=op.label,
                tag=tags.get(op.operation_id, "other"),
                state=routes.get(op.operation_id, "rails"),
                exercised_on_go=exercised,
                conformance=_conformance(op.operation_id, exercised, conformance_failed),
                lockstep=_lockstep(op.operation_id, compared_ids, differs),
            )
        )
    return Porting(rows=tuple(rows))


def _operation_id(index: OperationIndex, operation: str) -> str:
    """An operationId from an id or a `METHOD /path` label ('' when the spec lacks it)."""
    method, _, path = operation.partition(" ")
    found = index.find(method, path.partition("?")[0], operation)
    return found.operation_id if found else ""


def _conformance(op: str, exercised: bool, failed: set[str]) -> str:
    if op in failed:
        return "fails"
    return "passes" if exercised else "not run"


def _lockstep(op: str, compared: set[str], differs: set[str]) -> str:
    if op in differs:
        return "differs"
    return "identical" if op in compared else "not compared"


def _tags(spec: Mapping[str, Any]) -> dict[str, str]:
    found = {}
    for item in (spec.get("paths") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and operation.get("operationId"):
                tags = operation.get("tags") or ["other"]
                found[operation["operationId"]] = str(tags[0])
    return found


def read_history(lines: Sequence[str]) -> tuple[HistoryPoint, ...]:
    """History points from the file's lines; a line that is not a point is skipped."""
    points = []
    for line in lines:
        try:
            points.append(HistoryPoint(**json.loads(line)))
        except (ValueError, TypeError):
            continue
    return tuple(points[-HISTORY_KEPT:])


def history_line(point: HistoryPoint) -> str:
    return json.dumps(asdict(point), sort_keys=True) + "\n"


def history_svg(points: Sequence[HistoryPoint], width: int = 640, height: int = 160) -> str:
    """An inline SVG of ported and identical operations per run (no script, no CDN)."""
    if not points:
        return ""
    top = max(max(p.total for p in points), 1)
    pad, inner_w, inner_h = 28, width - 40, height - 40

    def xy(i: int, value: int) -> str:
        x = pad + (inner_w * i / (len(points) - 1) if len(points) > 1 else inner_w / 2)
        return f"{x:.1f},{pad / 2 + inner_h * (1 - value / top):.1f}"

    lines = []
    for name, color in (("ported", "#2f81f7"), ("identical", "#1a7f37")):
        coords = " ".join(xy(i, getattr(p, name)) for i, p in enumerate(points))
        lines.append(
            f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{coords}">'
            f"<title>{name}</title></polyline>"
        )
        lines.extend(
            f'<circle cx="{c.split(",")[0]}" cy="{c.split(",")[1]}" r="2.5" fill="{color}">'
            f"<title>{p.started_at}: {getattr(p, name)} of {p.total} {name}</title></circle>"
            for c, p in zip(coords.split(), points, strict=True)
        )
    axis = (
        f'<line x1="{pad}" y1="{pad / 2 + inner_h}" x2="{pad + inner_w}" y2="{pad / 2 + inner_h}" '
        'stroke="#8c959f"/>'
        f'<text x="2" y="{pad / 2 + 4}" font-size="10" fill="#57606a">{top}</text>'
        f'<text x="2" y="{pad / 2 + inner_h}" font-size="10" fill="#57606a">0</text>'
        f'<text x="{pad}" y="{height - 4}" font-size="10" fill="#57606a">'
        f"{len(points)} run{'s' if len(points) != 1 else ''}: "
        f"{points[0].started_at[:10]} … {points[-1].started_at[:10]}</text>"
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="porting progress over runs">{axis}{"".join(lines)}</svg>'
    )
