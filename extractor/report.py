"""The extraction report: counts, shares and every diagnostic with file:line (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from extractor.actions import Action
from extractor.errors import Diagnostic, Severity
from extractor.model import Loc
from extractor.resolve import Resolved


@dataclass(frozen=True, slots=True, kw_only=True)
class Summary:
    serializer_files: int
    serializers: int
    attributes: int
    attributes_typed: int
    routes: int
    operations: int
    operations_concrete: int
    unimplemented: int
    warnings: int
    resolved_by_override: int = 0

    @property
    def typed_share(self) -> float:
        return self.attributes_typed / self.attributes if self.attributes else 1.0

    @property
    def concrete_share(self) -> float:
        return self.operations_concrete / self.operations if self.operations else 1.0

    def line(self, output: str, report: str) -> str:
        return (
            f"extracted {self.serializers} serializers ({self.attributes_typed}/{self.attributes} attributes "
            f"typed, {self.typed_share:.1%}), {self.routes} routes -> {self.operations} operations "
            f"({self.operations_concrete} with a concrete response, {self.concrete_share:.1%}) into {output}; "
            f"{self.warnings} warnings{self._resolved()} in {report}"
        )

    def _resolved(self) -> str:
        n = self.resolved_by_override
        return f", {n} resolved by override" if n else ""


def declared_attributes(resolved: list[Resolved]) -> dict[tuple[str, int, str], bool]:
    """Each attribute declaration once (inherited keys are not counted again) -> typed?"""
    out: dict[tuple[str, int, str], bool] = {}
    for r in resolved:
        for f in r.fields:
            if f.link is None:
                out[(f.loc.file, f.loc.line, f.key)] = f.type.known
    return out


def summarize(
    serializer_files: int,
    resolved: list[Resolved],
    routes: int,
    actions: list[Action],
    diagnostics: list[Diagnostic],
    resolved_by_override: int = 0,
) -> Summary:
    attributes = declared_attributes(resolved)
    unique = {(a.route.verb, a.route.path): a for a in reversed(actions)}
    return Summary(
        serializer_files=serializer_files,
        serializers=len(resolved),
        attributes=len(attributes),
        attributes_typed=sum(attributes.values()),
        routes=routes,
        operations=len(unique),
        operations_concrete=sum(
            a.answer.concrete or a.answer.kind == "missing" for a in unique.values()
        ),
        unimplemented=sum(a.answer.kind == "missing" for a in unique.values()),
        warnings=sum(d.severity is Severity.WARNING for d in diagnostics),
        resolved_by_override=resolved_by_override,
    )


def build_report(
    summary: Summary,
    resolved: list[Resolved],
    actions: list[Action],
    diagnostics: list[Diagnostic],
    settled: Mapping[Diagnostic, Loc] | None = None,
) -> dict[str, Any]:
    unique = {(a.route.verb, a.route.path): a for a in reversed(actions)}
    return {
        "summary": {
            "serializer_files": summary.serializer_files,
            "serializers": summary.serializers,
            "attributes": summary.attributes,
            "attributes_typed": summary.attributes_typed,
            "typed_share": round(summary.typed_share, 4),
            "routes": summary.routes,
            "operations": summary.operations,
            "operations_with_concrete_response": summary.operations_concrete,
            "concrete_share": round(summary.concrete_share, 4),
            "unimplemented_actions": summary.unimplemented,
            "warnings": summary.warnings,
            "resolved_by_override": summary.resolved_by_override,
        },
        "serializers": {
            r.name: {
                "file": str(r.serializer.loc),
                "keys": len(r.fields),
                "chain": list(r.chain),
                "table": r.table,
                "embed": r.embed.value,
            }
            for r in resolved
        },
        "operations": [
            {
                "verb": verb,
                "path": path,
                "action": a.route.to,
                "answer": a.answer.kind,
                "root": a.answer.root,
                "serializers": list(a.answer.serializers),
            }
            for (verb, path), a in sorted(unique.items(), key=lambda kv: (kv[0][1], kv[0][0]))
        ],
        "diagnostics": [
            {
                "where": str(d.loc),
                "kind": d.kind.value,
                "severity": d.severity.value,
                "message": d.message,
            }
            for d in sorted(set(diagnostics), key=lambda d: (d.loc, d.kind.value, d.message))
        ],
        "resolved_by_override": [
            {"where": str(d.loc), "kind": d.kind.value, "message": d.message, "override": str(loc)}
            for d, loc in sorted((settled or {}).items(), key=lambda kv: (kv[0].loc, kv[0].message))
        ],
    }
