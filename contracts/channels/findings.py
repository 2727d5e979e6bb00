"""A channel failure -> `channel` findings, one per difference of the failing step."""

from __future__ import annotations

from contracts.channels.run import Violation
from harness.findings import Finding, FindingKind
from harness.noise import generalize


def findings_of(steps: list[str], violations: list[Violation]) -> list[Finding]:
    """Each violation with the shrunk script (its steps) that shows it."""
    found = []
    for v in violations:
        where = generalize(v.difference.pointer) or "/"
        against = "the room oracle" if v.check == "room_oracle" else "rails"
        found.append(
            Finding.create(
                kind=FindingKind.CHANNEL,
                check=v.check,
                title=f"{v.check}: {v.difference.kind} at {where}",
                operation=f"socket {v.socket}",
                backend=v.side,
                detail=f"{v.difference.detail} ({v.side} against {against})",
                pointer=v.difference.pointer,
                rails=v.difference.rails,
                go=v.difference.go,
                steps=tuple(steps),
                extra={"difference_kind": str(v.difference.kind), "socket": v.socket},
            )
        )
    return found


def deaths_of(deaths: dict[str, tuple[list[str], str]]) -> list[Finding]:
    """A server process that exited during the run, with the script it died in."""
    return [
        Finding.create(
            kind=FindingKind.CHANNEL,
            check="channel_server_alive",
            title=f"{side} channel server exited",
            operation="channel server",
            backend=side,
            detail=f"the process exited during this script; its log ends with:\n{tail}",
            steps=tuple(steps),
        )
        for side, (steps, tail) in sorted(deaths.items())
    ]
