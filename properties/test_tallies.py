"""Vote tallies: random votes, vote changes and uncasts on every poll type, against the oracle.

One test per poll type (a uniform draw over the nine types leaves some with a handful of
examples or none: Hypothesis favours simple draws), its share of the suite's budget each.
Each example creates a poll of that type (anonymous or not, any hide_results) in
the scope's thread, votes as its three invited voters (sometimes invalid choices: the
status must be what the stance-validation oracle says), maybe closes it, then reads the
poll and its stances back. Counts, stance_counts and results (tied rows as sets) must be
the tally oracle's; hidden results and anonymous voters must stay hidden; and the two
backends must agree with each other.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from harness.backends import Backends
from harness.findings import FindingKind
from properties.budget import budget
from properties.findings import Problem, PropertyRun, raise_if
from properties.oracles.tallies import STANCE_PRIVATE_KEYS, compare_results
from properties.strategies import POLL_OPTIONS, VOTERS, PollSpec, TallyStep, tally_examples
from properties.tally_driver import TallyRun

SUITE = "properties/tallies"
OP = "GET /api/v1/polls/{id}"


def check_poll(run: TallyRun) -> list[Problem]:
    name, kind = run.backend.name, run.spec.poll_type
    want, got = run.expected(), run.poll()
    problems = []
    for key, value in want.items():
        if key == "results":
            continue
        if key not in got:
            problems.append(
                Problem(
                    backend=name, operation=OP, title=f"{kind} poll lacks {key}", expected=value
                )
            )
        elif got[key] != value or type(got[key]) is not type(value):
            problems.append(
                Problem(
                    backend=name,
                    operation=OP,
                    title=f"{key} of a {kind} poll differs from the oracle",
                    detail=f"expected {value!r}, got {got[key]!r}",
                    expected=value,
                    actual=got[key],
                )
            )
    for key in ("results", "stance_counts"):
        if key not in want and key in got:
            problems.append(
                Problem(
                    backend=name,
                    operation=OP,
                    title=f"{key} of a {kind} poll sent while hidden",
                    actual=got[key],
                )
            )
    if "results" in want and "results" in got:
        diffs = compare_results(kind, want["results"], got["results"] or [])
        if diffs:
            problems.append(
                Problem(
                    backend=name,
                    operation=OP,
                    title=f"results of a {kind} poll differ from the oracle",
                    detail="; ".join(diffs[:6]),
                    expected=want["results"],
                    actual=got["results"],
                )
            )
    return problems


def check_stances(run: TallyRun) -> list[Problem]:
    """Another voter's stances: no participant in anonymous polls, no choices while hidden."""
    name, spec = run.backend.name, run.spec
    assert run.oracle_poll is not None
    own = run.participant("member")
    problems = []
    for record in run.stance_records("member"):
        if record.get("participant_id") == own:
            continue
        if spec.anonymous and record.get("participant_id") is not None:
            problems.append(
                Problem(
                    backend=name,
                    operation="GET /api/v1/stances",
                    title="stances of an anonymous poll name their participant",
                )
            )
        leaked = (
            sorted(STANCE_PRIVATE_KEYS & record.keys()) if run.oracle_poll.results_hidden else []
        )
        if leaked and not spec.anonymous:
            problems.append(
                Problem(
                    backend=name,
                    operation="GET /api/v1/stances",
                    title="others' stances show their choices while results are hidden",
                    detail=", ".join(leaked),
                )
            )
    return problems


def canonical(run: TallyRun, poll: dict[str, Any]) -> dict[str, Any]:
    """The poll's counts and results without ids (options by index, voters by name)."""
    options = {oid: i for i, oid in enumerate(run.option_ids)}
    voters = {run.participant(v): v for v in VOTERS}
    fields = {
        k: poll.get(k)
        for k in (
            "voters_count",
            "undecided_voters_count",
            "decided_voters_count",
            "cast_stances_pct",
            "total_score",
            "stance_counts",
        )
    }
    rows = []
    for row in poll.get("results") or []:
        r = dict(row)
        r["id"] = options.get(r.get("id"), r.get("id"))
        r.pop("poll_id", None)
        r["voter_ids"] = sorted(str(voters.get(v, v)) for v in r.get("voter_ids", []))
        r["voter_scores"] = {
            str(voters.get(int(k), k)): v for k, v in (r.get("voter_scores") or {}).items()
        }
        rows.append(r)
    fields["results"] = sorted(rows, key=lambda r: str(r["id"]))
    return fields


def _steps(spec: PollSpec, steps: tuple[TallyStep, ...]) -> list[str]:
    return [
        f"new {spec!r} in the thread; voters {', '.join(VOTERS)} invited",
        *(repr(s) for s in steps),
    ]


@pytest.mark.parametrize("poll_type", list(POLL_OPTIONS))
def test_tallies_match_oracle_and_each_other(
    backends: Backends, isolated_example: Any, run_property: PropertyRun, poll_type: str
) -> None:
    with isolated_example("scoped") as scope:  # each example votes in a poll of its own

        @budget("tallies", parts=len(POLL_OPTIONS))
        @given(example=tally_examples(poll_types=(poll_type,)))
        def tallies(example: tuple[PollSpec, tuple[TallyStep, ...]]) -> None:
            spec, steps = example
            problems: list[Problem] = []
            shapes = {}
            for backend in backends:
                run = TallyRun(backend, scope, spec)
                run.start()
                for i, step in enumerate(steps):
                    run.apply(i, step)
                checked = check_poll(run) + check_stances(run)
                shapes[backend.name] = canonical(run, run.poll())
                problems += run.problems + checked  # reads that failed are problems too
            if shapes["rails"] != shapes["go"]:
                differing = sorted(
                    k for k in shapes["rails"] if shapes["rails"][k] != shapes["go"].get(k)
                )
                problems.append(
                    Problem(
                        backend="rails,go",
                        operation=OP,
                        title=f"the backends tally a {spec.poll_type} poll differently",
                        detail=f"fields {differing}",
                        extra={"rails": shapes["rails"], "go": shapes["go"]},
                    )
                )
            run_property.recorder.count(SUITE, "polls checked")
            raise_if("tally_oracle", FindingKind.TALLY, problems, _steps(spec, steps))

        run_property(tallies)
