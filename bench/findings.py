"""Reading the findings a suite run wrote, and what counts as a detection (pure but for reads).

A finding's key drops the backend and the concrete pointer: `kind|check|operation|title`
(titles already carry the generalized pointer). So a conformance problem the clean
reference also shows on the rails side, or showed in a clean run, is baseline noise, not a
detection. A detection implicates the go side (`go` or `rails,go`) and is not in the baseline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any


def finding_key(finding: dict[str, Any]) -> str:
    """`differential|lockstep|GET /api/v1/groups/{id}|value at /groups/*/name`."""
    return "|".join(str(finding.get(k, "")) for k in ("kind", "check", "operation", "title"))


def read_findings(where: Path) -> list[dict[str, Any]]:
    """Findings of a report directory: findings.json when written, else the parts' JSON Lines."""
    if (where / "findings.json").exists():
        data = json.loads((where / "findings.json").read_text())
        return list(data.get("findings", []) if isinstance(data, dict) else data)
    parts = where / "parts" if (where / "parts").is_dir() else where
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(parts.glob("findings-*.jsonl")):
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:  # a line being written right now
                continue
            found.setdefault(record.get("id", line), record)
    return list(found.values())


def implicates_go(finding: dict[str, Any]) -> bool:
    return "go" in str(finding.get("backend", "")).split(",")


def detections(findings: Iterable[dict[str, Any]], baseline: set[str]) -> list[dict[str, Any]]:
    """The findings that say the go side differs: go-side and not seen in clean runs."""
    return [f for f in findings if implicates_go(f) and finding_key(f) not in baseline]
