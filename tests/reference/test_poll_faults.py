"""Each poll-area fault changes an answer: the same request to a clean reference server and to
one with the fault switched on (both real servers on one real database) answers differently."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from test_polls_support import (
    Seed,
    Server,
    Team,
    create_poll,
    migrated_database,
    option_ids,
    reference_server,
    team,
    vote,
)

from harness.postgres import LocalPostgres


@pytest.fixture(scope="module")
def dsn(pg_cluster: LocalPostgres) -> str:
    return migrated_database(pg_cluster)


@pytest.fixture(scope="module")
def clean(dsn: str) -> Iterator[Server]:
    with reference_server(dsn) as srv:
        yield srv


@pytest.fixture(scope="module")
def seed(dsn: str) -> Iterator[Seed]:
    s = Seed(dsn)
    yield s
    s.close()


@dataclass(frozen=True)
class Probe:
    """A request to send to both servers and what to read from its answer."""

    method: str
    path: str
    user: str | None
    body: Any = None
    params: dict[str, Any] | None = None


Scenario = Callable[[Server, Seed], tuple[Probe, Callable[[Any], Any]]]


def _poll_probe(t: Team, poll_id: int) -> Probe:
    return Probe("GET", f"/api/v1/polls/{poll_id}", t.author)


def _results(read: Callable[[list[dict[str, Any]]], Any]) -> Callable[[Any], Any]:
    return lambda answer: read(answer.json()["polls"][0]["results"])


def proposal_rounded(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=3)
    poll = create_poll(s, t, "proposal", ["agree", "abstain", "disagree"])
    ids = option_ids(s, t.author, poll["id"])
    for member, name in zip(t.members, ["Agree", "Abstain", "Disagree"], strict=True):
        vote(s, member, poll["id"], [(ids[name], 1)])
    return _poll_probe(t, poll["id"]), _results(lambda rows: rows[0]["score_percent"])


def check_undecided(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=2)
    poll = create_poll(s, t, "check", ["looks_good", "not_sure", "concerned"])
    ids = option_ids(s, t.author, poll["id"])
    vote(s, t.members[0], poll["id"], [(ids["Looks good"], 1)])
    return _poll_probe(t, poll["id"]), _results(lambda rows: rows[0]["score_percent"])


def count_capped(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=2)
    poll = create_poll(s, t, "count", ["accept", "decline"], agree_target=1)
    ids = option_ids(s, t.author, poll["id"])
    for member in t.members:
        vote(s, member, poll["id"], [(ids["Accept"], 1)])
    return _poll_probe(t, poll["id"]), _results(lambda rows: rows[0]["target_percent"])


def poll_by_priority(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "poll", ["A", "B"])
    vote(s, t.members[0], poll["id"], [(option_ids(s, t.author, poll["id"])["B"], 1)])
    return _poll_probe(t, poll["id"]), _results(lambda rows: [r["name"] for r in rows])


def score_integer_average(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=2)
    poll = create_poll(s, t, "score", ["X"])
    x = option_ids(s, t.author, poll["id"])["X"]
    vote(s, t.members[0], poll["id"], [(x, 4)])
    vote(s, t.members[1], poll["id"], [(x, 5)])
    return _poll_probe(t, poll["id"]), _results(lambda rows: rows[0]["average"])


def dot_vote_unchecked(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "dot_vote", ["P", "Q"])
    ids = option_ids(s, t.author, poll["id"])
    choices = [{"poll_option_id": ids["P"], "score": 5}, {"poll_option_id": ids["Q"], "score": 4}]
    body = {"stance": {"poll_id": poll["id"], "stance_choices_attributes": choices}}
    return Probe("POST", "/api/v1/stances", t.members[0], body), lambda a: a.status_code


def ranked_reversed(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "ranked_choice", ["A", "B"])
    ids = option_ids(s, t.author, poll["id"])
    vote(s, t.members[0], poll["id"], [(ids["A"], 2), (ids["B"], 1)])
    return _poll_probe(t, poll["id"]), _results(lambda rows: [r["name"] for r in rows])


def meeting_undecided(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "meeting", ["2030-07-02T09:00:00.000Z", "2030-07-01T09:00:00.000Z"])
    return _poll_probe(t, poll["id"]), _results(lambda rows: [r["id"] for r in rows][2:])


def question_null(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "question")
    return _poll_probe(t, poll["id"]), lambda a: a.json()["polls"][0]["stance_counts"]


def pct_rounded(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)  # 3 voters
    poll = create_poll(s, t, "poll", ["A", "B"])
    a = option_ids(s, t.author, poll["id"])["A"]
    vote(s, t.members[0], poll["id"], [(a, 1)])
    vote(s, t.author, poll["id"], [(a, 1)])
    return _poll_probe(t, poll["id"]), lambda ans: ans.json()["polls"][0]["cast_stances_pct"]


def anonymous_leak(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "poll", ["A", "B"], anonymous=True)
    vote(s, t.members[0], poll["id"], [(option_ids(s, t.author, poll["id"])["A"], 1)])
    probe = Probe("GET", "/api/v1/stances", t.author, params={"poll_id": poll["id"]})
    return probe, lambda a: [str(x["participant_id"]) for x in a.json()["stances"] if x["cast_at"]]


def nota_masked(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "poll", ["A", "B"], anonymous=True, show_none_of_the_above=True)
    answer = vote(s, t.members[0], poll["id"], [], none_of_the_above=True)
    assert answer.status_code == 200, answer.text
    return _poll_probe(t, poll["id"]), _results(
        lambda rows: [len(r["voter_ids"]) for r in rows if r["id"] == 0]
    )


def hidden_leak(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "poll", ["A", "B"], hide_results="until_closed")
    return _poll_probe(t, poll["id"]), lambda a: "results" in a.json()["polls"][0]


def vote_on_closed(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "poll", ["A", "B"])
    a = option_ids(s, t.author, poll["id"])["A"]
    assert s.call("POST", f"/api/v1/polls/{poll['id']}/close", t.author).status_code == 200
    body = {"stance": {"poll_id": poll["id"], "stance_choices_attributes": [{"poll_option_id": a}]}}
    return Probe("POST", "/api/v1/stances", t.members[0], body), lambda ans: ans.status_code


def non_admin_close(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "poll", ["A", "B"])
    probe = Probe("POST", f"/api/v1/polls/{poll['id']}/close", t.members[0])
    return probe, lambda a: a.status_code


def stance_422_shape(s: Server, seed: Seed) -> tuple[Probe, Callable[[Any], Any]]:
    t = team(seed, members=1)
    poll = create_poll(s, t, "proposal", ["agree", "disagree"])
    body = {"stance": {"poll_id": poll["id"], "stance_choices_attributes": []}}
    return Probe("POST", "/api/v1/stances", t.members[0], body), lambda a: (
        a.status_code,
        sorted(a.json()),
    )


UNDECIDED = "poll_common_votes_panel.undecided"

# fault name -> (scenario, the clean server's value per Loomio)
CASES: dict[str, tuple[Scenario, Any]] = {
    "tally_proposal_percent_rounded": (proposal_rounded, 33.33333333333333),
    "tally_check_undecided_in_score_percent": (check_undecided, 100.0),
    "tally_count_target_percent_capped": (count_capped, 200.0),
    "tally_poll_results_by_priority": (poll_by_priority, ["B", "A", UNDECIDED]),
    "tally_score_average_integer_division": (score_integer_average, 4.5),
    "tally_dot_vote_dots_unchecked": (dot_vote_unchecked, 422),
    "tally_ranked_choice_order_reversed": (ranked_reversed, ["A", "B", UNDECIDED]),
    "tally_meeting_undecided_row": (meeting_undecided, []),
    "tally_question_stance_counts_null": (question_null, []),
    "tally_cast_stances_pct_rounded": (pct_rounded, 66),
    "tally_anonymous_participant_leak": (anonymous_leak, ["None"]),
    "tally_hidden_results_leak": (hidden_leak, False),
    "tally_none_of_the_above_masked": (nota_masked, [1]),
    "permission_vote_on_closed_poll": (vote_on_closed, 403),
    "permission_non_admin_can_close_poll": (non_admin_close, 403),
    "status_stance_invalid_as_error_string": (stance_422_shape, (422, ["errors"])),
}


@pytest.mark.parametrize("fault", list(CASES))
def test_fault_changes_the_answer(fault: str, dsn: str, clean: Server, seed: Seed) -> None:
    scenario, expected = CASES[fault]
    probe, read = scenario(clean, seed)
    # The clean server answers first: a refused mutation changes nothing for the faulty one.
    before = read(
        clean.call(probe.method, probe.path, probe.user, probe.body, **(probe.params or {}))
    )
    assert before == expected
    with reference_server(dsn, (fault,)) as faulty:
        answer = faulty.call(
            probe.method, probe.path, probe.user, probe.body, **(probe.params or {})
        )
    assert read(answer) != expected, f"{fault} did not change {probe.method} {probe.path}"


def test_every_poll_fault_has_a_case() -> None:
    from reference.api import stances as api_stances
    from reference.domain import poll_access, stance_rules, tallies
    from reference.faults import Fault
    from reference.serialize import polls as poll_serializers

    modules = (api_stances, poll_access, stance_rules, tallies, poll_serializers)
    ours = {v.name for m in modules for v in vars(m).values() if isinstance(v, Fault)}
    assert ours == set(CASES)
