"""The report's live-updates section (pure): what the lockstep's publication capture recorded.

The capture (contracts/live_capture.py) records, under the suite name `live updates`,
counts (`messages rails`, `published go: new_comment`, `settle seconds`, ...), the rooms
seen per side and, when it could not run, why (`not compared`). Findings of the checks
`live_updates`, `live_leak` and `live_fetchable` are its differences and problems.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

from harness.findings import Finding
from harness.report.recorder import Recorder

SUITE = "live updates"
CHECKS = {
    "live_updates": "publications compared per room (same rooms, records, order)",
    "live_leak": "no published record reaches a room with someone who may not read it",
    "live_fetchable": "every published record is committed when it is published",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveUpdates:
    """What was published and compared, or why nothing was."""

    not_compared: tuple[str, ...] = ()  # reasons (a side without Redis)
    kinds: tuple[tuple[str, int, int], ...] = ()  # (event kind or model, rails, go)
    rooms: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (side, room kinds)
    messages: tuple[int, int] = (0, 0)  # rails, go
    compared: int = 0
    steps: int = 0
    settle_s: float = 0.0
    findings: tuple[tuple[str, str, int], ...] = ()  # (check, what it checks, findings)

    @property
    def settle_ms_per_step(self) -> float:
        return 1000 * self.settle_s / self.steps if self.steps else 0.0

    @property
    def compared_at_all(self) -> bool:
        return self.steps > 0


def live_updates(record: Recorder, findings: Iterable[Finding]) -> LiveUpdates | None:
    """The section, or None when no lockstep ran."""
    counts = {name: n for (suite, name), n in record.counts.items() if suite == SUITE}
    cells = {name: c for (suite, name), c in record.distinct.items() if suite == SUITE}
    if not counts and not cells:
        return None
    kinds: dict[str, list[int]] = {}
    for name, n in counts.items():
        for index, side in enumerate(("rails", "go")):
            prefix = f"published {side}: "
            if name.startswith(prefix):
                kinds.setdefault(name.removeprefix(prefix), [0, 0])[index] += int(n)
    found = list(findings)
    return LiveUpdates(
        not_compared=tuple(sorted(json.loads(c) for c in cells.get("not compared", ()))),
        kinds=tuple((k, a, b) for k, (a, b) in sorted(kinds.items())),
        rooms=tuple(
            (side, tuple(sorted(json.loads(c) for c in cells.get(f"rooms {side}", ()))))
            for side in ("rails", "go")
        ),
        messages=(int(counts.get("messages rails", 0)), int(counts.get("messages go", 0))),
        compared=int(counts.get("messages compared", 0)),
        steps=int(counts.get("steps settled", 0)),
        settle_s=counts.get("settle seconds", 0.0),
        findings=tuple(
            (check, what, sum(1 for f in found if f.check == check))
            for check, what in CHECKS.items()
        ),
    )
