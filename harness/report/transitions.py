"""State-transition coverage: each state change of Loomio's resources, and its inverse, made
by an actor allowed to make it and tried by one who is not, per backend.

A transition is made by the operations listed for it (operationIds of the spec). From the
responses every suite recorded (harness.report.coverage observations), a transition counts
as **made** on a backend when one of its operations answered 2xx there, and as **refused**
when one answered 401 or 403 (an actor the rules refuse; a 404 can be a record that does
not exist and a 422 an invalid value, so neither counts). The operation is what is known,
not the state before it: a 2xx close of a poll counts as "open → closed", and an operation
that makes several transitions (memberships_destroy revokes the membership and the member's
stances) counts for each. It is **covered** on a backend
when it was both made and refused there. What each write did is then checked by the reads
after it: the lockstep reads every thread, poll and group it touched on both sides and
compares them; the property suites' oracles read theirs.

The catalogue is Loomio's (shared/loomio: threading.md, polls.md, permissions.md) and is
hand-kept here, in this one place: a spec does not say which state an operation changes.
A transition no operation of the spec makes is listed with why (its API is outside the
slice, or it happens with time), never silently dropped; a user's spec that lacks an
operation makes that transition "not in the spec". One no actor is ever refused (sign-out)
says why, and is covered once made.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.report.coverage import Observation, OperationIndex, declared_operations

REFUSED = frozenset({401, 403})
NOT_IN_SPEC = "no operation of the spec makes it"


@dataclass(frozen=True, slots=True)
class Transition:
    resource: str
    name: str  # "open → closed"
    operations: tuple[str, ...]  # operationIds that make it
    inverse: str = ""  # the name of the transition undoing it ("" when none exists)
    without: str = ""  # why no operation of Loomio's API slice makes it
    anyone: str = ""  # why no actor is ever refused it (then made alone covers it)


TRANSITIONS: tuple[Transition, ...] = (
    Transition("discussion", "open → closed", ("discussions_close",), "closed → open"),
    Transition("discussion", "closed → open", ("discussions_reopen",), "open → closed"),
    Transition("discussion", "unpinned → pinned", ("discussions_pin",), "pinned → unpinned"),
    Transition("discussion", "pinned → unpinned", ("discussions_unpin",), "unpinned → pinned"),
    Transition("discussion", "kept → discarded", ("discussions_discard",), "discarded → kept"),
    Transition(
        "discussion",
        "discarded → kept",
        (),
        "kept → discarded",
        "Loomio's API has no undiscard for a discussion (an admin restores it in the console)",
    ),
    Transition("poll", "open → closed", ("polls_close",), "closed → reopened"),
    Transition("poll", "closed → reopened", ("polls_reopen",), "open → closed"),
    Transition(
        "poll",
        "open → expired",
        (),
        "closed → reopened",
        "made by time: closing_at passes and PollService.expire_lapsed_polls closes it "
        "(a job, no request); reached by seeding a poll whose closing_at is past",
    ),
    Transition("poll", "kept → discarded", ("polls_discard",), "discarded → kept"),
    Transition(
        "poll",
        "discarded → kept",
        (),
        "kept → discarded",
        "Loomio's API has no undiscard for a poll",
    ),
    Transition(
        "membership",
        "invited → active",
        (),
        "active → revoked",
        "accepting an invitation (memberships#join, invitations) is outside the API slice",
    ),
    Transition("membership", "member → admin", ("memberships_make_admin",), "admin → member"),
    Transition("membership", "admin → member", ("memberships_remove_admin",), "member → admin"),
    Transition("membership", "active → revoked", ("memberships_destroy",), "invited → active"),
    Transition("stance", "undecided → cast", ("stances_create",), "cast → uncast"),
    Transition(
        "stance", "cast → changed", ("stances_update", "stances_update_put"), "cast → changed"
    ),
    Transition("stance", "cast → uncast", ("stances_uncast",), "undecided → cast"),
    Transition("stance", "active → revoked", ("memberships_destroy",), "undecided → cast"),
    Transition("comment", "new → live", ("comments_create",), "live → destroyed"),
    Transition(
        "comment", "live → edited", ("comments_update", "comments_update_put"), "live → edited"
    ),
    Transition("comment", "live → discarded", ("comments_discard",), "discarded → live"),
    Transition(
        "comment",
        "discarded → live",
        (),
        "live → discarded",
        "Loomio's API has no undiscard for a comment",
    ),
    Transition("comment", "live → destroyed", ("comments_destroy",), "new → live"),
    Transition(
        "group",
        "active → archived",
        (),
        "archived → active",
        "archiving a group (groups#archive) is outside the API slice; archived groups are seeded",
    ),
    Transition(
        "group",
        "archived → active",
        (),
        "active → archived",
        "Loomio's API has no unarchive",
    ),
    Transition("session", "signed out → signed in", ("sessions_create",), "signed in → signed out"),
    Transition(
        "session",
        "signed in → signed out",
        ("sessions_destroy",),
        "signed out → signed in",
        anyone="Devise signs out whoever asks, signed in or not (204)",
    ),
)


@dataclass(frozen=True, slots=True)
class Seen:
    backend: str
    made: int  # 2xx answers of its operations
    refused: int  # 401/403 answers
    refusable: bool = True  # False: no actor is ever refused it

    @property
    def covered(self) -> bool:
        return self.made > 0 and (self.refused > 0 or not self.refusable)


@dataclass(frozen=True, slots=True)
class TransitionRow:
    transition: Transition
    operations: tuple[str, ...]  # those of its operations the spec declares
    seen: tuple[Seen, ...]

    @property
    def why_not(self) -> str:
        """Why nothing can make it here ("" when an operation of the spec does)."""
        if self.operations:
            return ""
        return self.transition.without or NOT_IN_SPEC

    def gaps(self) -> list[str]:
        """What is missing, per backend: `never made on go`, `never refused on rails`."""
        if self.why_not:
            return [self.why_not]
        never_made = [s.backend for s in self.seen if not s.made]
        never_refused = [s.backend for s in self.seen if not s.refused and s.refusable]
        return [
            f"never {what} on {', '.join(backends)}"
            for what, backends in (("made", never_made), ("refused", never_refused))
            if backends
        ]


@dataclass(frozen=True, slots=True)
class TransitionCoverage:
    backends: tuple[str, ...]
    rows: tuple[TransitionRow, ...]

    def totals(self, backend: str) -> tuple[int, int]:
        """(transitions an operation of the spec makes, those covered both ways on `backend`)."""
        reachable = [r for r in self.rows if r.operations]
        covered = sum(1 for r in reachable for s in r.seen if s.backend == backend and s.covered)
        return len(reachable), covered

    def to_json(self) -> str:
        return json.dumps(
            {
                "definition": "made: a 2xx answer of one of its operations; refused: a 401 "
                "or 403 answer; covered: both (harness/report/transitions.py)",
                "backends": list(self.backends),
                "totals": {
                    b: dict(zip(("reachable", "covered"), self.totals(b), strict=True))
                    for b in self.backends
                },
                "transitions": [
                    {
                        "resource": r.transition.resource,
                        "transition": r.transition.name,
                        "inverse": r.transition.inverse,
                        "operations": list(r.operations),
                        "without": r.why_not,
                        "no actor refused": r.transition.anyone,
                        "seen": {s.backend: {"made": s.made, "refused": s.refused} for s in r.seen},
                        "gaps": r.gaps(),
                    }
                    for r in self.rows
                ],
            },
            indent=1,
        )


def compute_transition_coverage(
    spec: Mapping[str, Any],
    observations: Iterable[Observation],
    backends: Iterable[str],
    catalogue: Iterable[Transition] = TRANSITIONS,
) -> TransitionCoverage:
    """Each transition of `catalogue` on each backend, from the recorded responses."""
    index = OperationIndex(declared_operations(spec))
    declared = {o.operation_id for o in index.operations}
    answers: dict[tuple[str, str], dict[str, int]] = {}  # (backend, op) -> made/refused
    for obs in observations:
        found = index.find(obs.method, obs.path, obs.operation)
        if found is None:
            continue
        counts = answers.setdefault((obs.backend, found.operation_id), {"made": 0, "refused": 0})
        if 200 <= obs.status < 300:
            counts["made"] += obs.count
        elif obs.status in REFUSED:
            counts["refused"] += obs.count
    names = tuple(backends)
    rows = []
    for t in catalogue:
        ops = tuple(o for o in t.operations if o in declared)
        seen = tuple(
            Seen(
                backend=b,
                made=sum(answers.get((b, o), {}).get("made", 0) for o in ops),
                refused=sum(answers.get((b, o), {}).get("refused", 0) for o in ops),
                refusable=not t.anyone,
            )
            for b in names
        )
        rows.append(TransitionRow(transition=t, operations=ops, seen=seen))
    return TransitionCoverage(backends=names, rows=tuple(rows))
