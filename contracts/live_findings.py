"""A lockstep step's publications -> pass, or a failure the lockstep shrinks; then findings.

`run_live` is the lockstep's hook after each compared step. A difference between the
sides is a `differential` finding of check `live_updates` (room, message index, both
messages, JSON Pointer into the envelope); a message published before its commit is a
`live_fetchable` finding of that side; a room reaching someone who may not read the record
is a `permission` finding (`live_leak`) of that side, whatever the other side did.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import yaml

from contracts.differential import Outcome, emails_of
from contracts.live_capture import LiveStats, StepReport
from harness.errors import HarnessError
from harness.findings import Finding, FindingKind
from harness.noise import NoiseField, generalize
from harness.report.live import SUITE
from harness.report.recorder import Recorder
from harness.repro import render_python

CHECK = "live_updates"
IGNORE_FILE = Path(__file__).with_name("ignore.yaml")
LEAK_CAUSES = frozenset({"discarded_thread"})  # contracts.live_probe._cause


def load_accepted_leaks(path: Path = IGNORE_FILE) -> frozenset[str]:
    """`live_leaks: [discarded_thread]` of contracts/ignore.yaml: leak causes accepted as
    Loomio's own behaviour (still counted and listed in the report)."""
    if not path.is_file():
        return frozenset()
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    causes = data.get("live_leaks") or [] if isinstance(data, dict) else None
    if not isinstance(causes, list) or not set(causes) <= LEAK_CAUSES:
        raise HarnessError(
            f"{path}: `live_leaks` must be a list of leak causes among "
            f"{sorted(LEAK_CAUSES)}, e.g. live_leaks: [discarded_thread]"
        )
    return frozenset(causes)


def run_live(machine: Any) -> bool:
    """Settle and check the last step's publications; True (the failure kept) when wrong."""
    if machine.live.pending is None:
        return False
    held, machine.live.pending = machine.live.pending, None
    outcome = held.outcome
    session = machine.run.live
    noise = machine.run.noise(outcome.call.operation)
    report = machine.live.step(held, machine.lockstep, noise, session.stats)
    for _, field in report.ignored:
        machine.run.ignored.setdefault(field.pattern, field)
    if not report:
        return False
    session.failure = (machine.lockstep, machine.scope, outcome, report)
    machine.run.failure = None  # the last failing example is the shrunk one
    if machine.run.detected_after is None:
        machine.run.detected_after = time.monotonic() - machine.run.started
    return True


def describe_live(failure: tuple[Any, Any, Outcome, StepReport] | None, limit: int = 8) -> str:
    """The failing step's publication problems, for the test's failure message."""
    assert failure is not None
    outcome, report = failure[2], failure[3]
    lines = [f"live updates after {outcome.call.describe()}"]
    for d in report.differences[:limit]:
        diff = d.difference
        lines.append(
            f"  room {d.room} message {d.index} {diff.pointer or '(message)'} [{diff.kind}]: "
            f"rails {diff.rails!r:.200} / go {diff.go!r:.200}"
        )
    for side, problem, _ in report.problems[:limit]:
        lines.append(f"  {side}: {problem.check}: {problem.detail}")
    return "\n".join(lines)


def live_findings(failure: tuple[Any, Any, Outcome, StepReport]) -> list[Finding]:
    """One finding per difference and per problem of the failing step."""
    lockstep, scope, outcome, report = failure
    steps = {"rails": lockstep.rails.sent, "go": lockstep.go.sent}
    operation = outcome.call.operation
    repro = render_python(steps, emails=emails_of(scope), title=f"live updates: {operation}")
    common = {
        "operation": operation,
        "repro": repro,
        "steps": tuple(call.describe() for call in lockstep.calls),
    }
    step = len(lockstep.calls)
    found = [
        Finding.create(
            kind=FindingKind.DIFFERENTIAL,
            check=CHECK,
            title=f"{d.difference.kind} in room {_room_kind(d.room)} at "
            f"{generalize(d.difference.pointer) or 'the message'}",
            backend="rails,go",
            detail=f"step {step}, room {d.room}, message {d.index}: {d.difference.detail}",
            pointer=d.difference.pointer,
            rails=d.difference.rails,
            go=d.difference.go,
            extra={
                "step": step,
                "room": d.room,
                "message_index": d.index,
                "rails_message": d.rails,
                "go_message": d.go,
                "difference_kind": str(d.difference.kind),
            },
            **common,
        )
        for d in report.differences
    ]
    for side, problem, message in report.problems:
        leak = problem.check == "live_leak"
        found.append(
            Finding.create(
                kind=FindingKind.PERMISSION if leak else FindingKind.DIFFERENTIAL,
                check=problem.check,
                title=(
                    f"a published record reaches a {problem.role} who may not read it"
                    if leak
                    else "a record published before its transaction committed"
                ),
                backend=side,
                detail=f"step {step}: {problem.detail}",
                rails=message if side == "rails" else None,
                go=message if side == "go" else None,
                extra={"step": step, "message": message},
                **common,
            )
        )
    return found


def _room_kind(room: str) -> str:
    """`group-groups#1` -> `group-*` (titles group findings of every example)."""
    head, sep, _ = room.partition("-")
    return f"{head}-*" if sep and head in ("group", "user") else room


def record_live(recorder: Recorder, stats: LiveStats) -> None:
    """The capture's figures for the report's live-updates section."""
    if stats.skipped:
        recorder.cell(SUITE, "not compared", stats.skipped)
        return
    recorder.count(SUITE, "steps settled", stats.steps)
    recorder.count(SUITE, "settle seconds", round(sum(stats.settle_s), 3))
    recorder.count(SUITE, "messages compared", stats.compared)
    recorder.count(SUITE, "differences", stats.differences)
    recorder.count(SUITE, "leak checks without an oracle world", stats.undecided)
    recorder.exclude(
        NoiseField(pattern=f"live_leak {cause}", source="declared", excluded=n, example=example)
        for cause, (n, example) in stats.accepted.items()
    )
    for side in ("rails", "go"):
        recorder.count(SUITE, f"messages {side}", stats.messages[side])
        for kind, n in stats.kinds[side].items():
            recorder.count(SUITE, f"published {side}: {kind}", n)
        for room in stats.rooms[side]:
            recorder.cell(SUITE, f"rooms {side}", _room_kind(room))
