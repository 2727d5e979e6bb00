"""Poll, stance and outcome endpoints of the reference backend: real server, real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from test_polls_support import (
    Seed,
    Server,
    create_poll,
    future,
    get_poll,
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
def server(dsn: str) -> Iterator[Server]:
    with reference_server(dsn) as srv:
        yield srv


@pytest.fixture(scope="module")
def seed(dsn: str) -> Iterator[Seed]:
    s = Seed(dsn)
    yield s
    s.close()


def test_proposal_create_translates_options_and_invites_members(server: Server, seed: Seed) -> None:
    t = team(seed, members=3)
    answer = server.call(
        "POST",
        "/api/v1/polls",
        t.author,
        {
            "poll": {
                "poll_type": "proposal",
                "title": "Go?",
                "closing_at": future(),
                "discussion_id": t.discussion_id,
                "options": ["agree", "abstain", "disagree"],
            }
        },
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["meta"] == {"root": "events", "total": None}
    event = body["events"][0]
    assert event["kind"] == "poll_created" and event["pinned"] is True
    assert event["depth"] == 1 and event["position_key"] == "00001"
    poll = body["polls"][0]
    assert poll["poll_option_names"] == ["Agree", "Abstain", "Disagree"]
    assert poll["voters_count"] == 5 and poll["undecided_voters_count"] == 5
    assert poll["stance_counts"] == [0, 0, 0] and poll["cast_stances_pct"] == 0
    colors = [o["color"] for o in body["poll_options"]]
    assert colors == ["#00D177", "#F6A82B", "#F96168"]
    assert body["poll_options"][0]["meaning"] == "I support the proposal"
    assert poll["chart_type"] == "pie" and poll["min_score"] == 1 and poll["dots_per_person"] == 1


def test_vote_updates_results_and_joins_thread_with_reason(server: Server, seed: Seed) -> None:
    t = team(seed, members=2)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    ids = option_ids(server, t.author, poll["id"])
    answer = vote(
        server,
        t.members[0],
        poll["id"],
        [(ids["Agree"], 1)],
        reason="<p>Yes!</p>",
        reason_format="html",
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    event = body["events"][0]
    assert event["kind"] == "stance_created"
    assert event["discussion_id"] == t.discussion_id and event["position_key"] == "00001-00001"
    polled = body["polls"][0]
    assert polled["stance_counts"] == [1, 0]
    assert polled["decided_voters_count"] == 1 and polled["cast_stances_pct"] == 25
    agree = polled["results"][0]
    assert (agree["score_percent"], agree["voter_percent"]) == (100.0, 25.0)
    assert agree["voter_ids"] == [t.ids[t.members[0]]]


def test_vote_without_reason_is_not_a_thread_item(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    ids = option_ids(server, t.author, poll["id"])
    body = vote(server, t.members[0], poll["id"], [(ids["Agree"], 1)]).json()
    assert body["events"][0]["discussion_id"] is None
    assert body["events"][0]["sequence_id"] is None


@pytest.mark.parametrize(
    ("poll_type", "options", "choices", "key"),
    [
        ("proposal", ["agree", "disagree"], [], "stance_choices"),
        ("proposal", ["agree", "disagree"], [0, 1], "dots_per_person"),
        ("dot_vote", ["P", "Q"], [(0, 5), (1, 4)], "dots_per_person"),
        ("ranked_choice", ["A", "B", "C"], [(0, 3), (1, 2)], "stance_choices"),
        ("score", ["X"], [(0, 6)], "stance_choices"),
    ],
    ids=["too-few", "too-many-dots", "dot-vote-over", "ranked-missing", "score-over-max"],
)
def test_invalid_votes_answer_422_by_field(
    server: Server, seed: Seed, poll_type: str, options: list[str], choices: list[Any], key: str
) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, poll_type, options)
    ids = list(option_ids(server, t.author, poll["id"]).values())
    picked = [(ids[c], 1) if isinstance(c, int) else (ids[c[0]], c[1]) for c in choices]
    answer = vote(server, t.members[0], poll["id"], picked)
    assert answer.status_code == 422
    assert key in answer.json()["errors"]


def test_choices_that_are_not_objects_are_dropped_like_strong_parameters_do(
    server: Server, seed: Seed
) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    stance = {"poll_id": poll["id"], "stance_choices_attributes": [None, None]}
    answer = server.call("POST", "/api/v1/stances", t.members[0], {"stance": stance})
    assert answer.status_code == 422, answer.text  # no choice left: too few, as in Loomio
    assert "stance_choices" in answer.json()["errors"]


def test_change_vote_in_place_keeps_stance_and_cast_at(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    ids = option_ids(server, t.author, poll["id"])
    first = vote(server, t.members[0], poll["id"], [(ids["Agree"], 1)]).json()
    stance = first["stances"][0] if "stances" in first else None
    stance_id = first["events"][0]["eventable"]["id"]
    second = server.call(
        "PATCH",
        f"/api/v1/stances/{stance_id}",
        t.members[0],
        {"stance": {"stance_choices_attributes": [{"poll_option_id": ids["Disagree"]}]}},
    )
    assert second.status_code == 200, second.text
    body = second.json()
    assert body["events"][0]["kind"] == "stance_updated"
    assert body["events"][0]["eventable"]["id"] == stance_id
    assert body["polls"][0]["stance_counts"] == [0, 1]
    if stance is not None:
        new = next(s for s in body["stances"] if s["id"] == stance_id)
        assert new["cast_at"] == stance["cast_at"]


def test_uncast_creates_an_undecided_replacement(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"])
    ids = option_ids(server, t.author, poll["id"])
    stance_id = vote(server, t.members[0], poll["id"], [(ids["A"], 1)]).json()["events"][0][
        "eventable"
    ]["id"]
    answer = server.call("PATCH", f"/api/v1/stances/{stance_id}/uncast", t.members[0])
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["meta"]["root"] == "stances"
    newest = body["stances"][0]
    assert newest["id"] != stance_id and newest["cast_at"] is None and newest["latest"] is True
    assert get_poll(server, t.author, poll["id"])["stance_counts"] == [0, 0]
    again = server.call("PATCH", f"/api/v1/stances/{stance_id}/uncast", t.members[0])
    assert again.status_code == 404
    never = server.call("PATCH", f"/api/v1/stances/{newest['id']}/uncast", t.members[0])
    assert never.status_code == 403


def test_close_reopen_outcome_lifecycle(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    member = t.members[0]
    assert server.call("POST", f"/api/v1/polls/{poll['id']}/close", member).status_code == 403
    early = server.call(
        "POST",
        "/api/v1/outcomes",
        t.author,
        {"outcome": {"poll_id": poll["id"], "statement": "Done"}},
    )
    assert early.status_code == 403
    closed = server.call("POST", f"/api/v1/polls/{poll['id']}/close", t.author)
    assert closed.status_code == 200, closed.text
    assert closed.json()["events"][0]["kind"] == "poll_closed_by_user"
    assert closed.json()["polls"][0]["closed_at"] is not None
    statement = {"outcome": {"poll_id": poll["id"], "statement": "We agreed"}}
    outcome = server.call("POST", "/api/v1/outcomes", member, statement)
    assert outcome.status_code == 200, outcome.text
    assert outcome.json()["events"][0]["kind"] == "outcome_created"
    assert outcome.json()["outcomes"][0]["latest"] is True
    reopened = server.call(
        "POST", f"/api/v1/polls/{poll['id']}/reopen", t.author, {"poll": {"closing_at": future()}}
    )
    assert reopened.status_code == 200, reopened.text
    assert reopened.json()["polls"][0]["closed_at"] is None


def test_hidden_results_until_closed(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"], hide_results="until_closed")
    shown = get_poll(server, t.author, poll["id"])
    assert "results" not in shown and "stance_counts" not in shown
    assert shown["voters_count"] == 3


def test_anonymous_stances_hide_participants(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"], anonymous=True)
    ids = option_ids(server, t.author, poll["id"])
    body = vote(server, t.members[0], poll["id"], [(ids["A"], 1)]).json()
    assert body["events"][0]["actor_id"] is None
    assert all(s["participant_id"] is None for s in body["stances"])
    assert body["polls"][0]["results"][0]["voter_ids"] == []


def test_discard_hides_poll(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A"])
    answer = server.call("DELETE", f"/api/v1/polls/{poll['id']}/discard", t.author)
    assert answer.status_code == 200, answer.text
    record = answer.json()["polls"][0]
    assert record["title"] is None and record["discarded_at"] is not None
    assert server.call("GET", f"/api/v1/polls/{poll['id']}", t.author).status_code == 403


def test_show_by_key_and_unknown(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "count", ["accept", "decline"])
    assert get_poll(server, t.author, poll["key"])["id"] == poll["id"]
    assert server.call("GET", "/api/v1/polls/zzzzzzzz", t.author).status_code == 404


def test_change_with_replies_makes_a_new_revision(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    ids = option_ids(server, t.author, poll["id"])
    first = vote(
        server, t.members[0], poll["id"], [(ids["Agree"], 1)], reason="because", reason_format="md"
    ).json()
    event = first["events"][0]
    old_id = event["eventable"]["id"]
    seed.conn.execute("UPDATE events SET child_count = 1 WHERE id = %s", (event["id"],))
    change = {"stance_choices_attributes": [{"poll_option_id": ids["Disagree"]}]}
    answer = server.call("PATCH", f"/api/v1/stances/{old_id}", t.members[0], {"stance": change})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["events"][0]["kind"] == "stance_created"
    assert body["events"][0]["discussion_id"] is None  # the update carried no reason
    new_id = body["events"][0]["eventable"]["id"]
    assert new_id != old_id
    assert seed.one("SELECT latest FROM stances WHERE id = %s", old_id) is False
    assert body["polls"][0]["stance_counts"] == [0, 1]


def test_failed_in_place_change_still_drops_the_old_choices(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    ids = option_ids(server, t.author, poll["id"])
    stance_id = vote(server, t.members[0], poll["id"], [(ids["Agree"], 1)]).json()["events"][0][
        "eventable"
    ]["id"]
    answer = server.call("PATCH", f"/api/v1/stances/{stance_id}", t.members[0], {"stance": {}})
    assert answer.status_code == 400  # an empty stance hash is a missing parameter
    answer = server.call(
        "PATCH", f"/api/v1/stances/{stance_id}", t.members[0], {"stance": {"reason": "x"}}
    )
    assert answer.status_code == 422
    assert answer.json() == {"errors": {"stance_choices": ["too few stance choices"]}}
    assert seed.one("SELECT count(*) FROM stance_choices WHERE stance_id = %s", stance_id) == 0
    # counts were not recomputed at that point
    assert get_poll(server, t.author, poll["id"])["stance_counts"] == [1, 0]


TYPE_DEFAULTS = [
    ("proposal", ["agree", "disagree"], "pie", "score_percent", 1, 1, 1),
    ("check", ["looks_good", "concerned"], "pie", "score_percent", 1, 1, 1),
    ("count", ["accept", "decline"], "bar", "voter_percent", 1, 1, 1),
    ("poll", ["A", "B"], "bar", "max_score_percent", 1, 1, None),
    ("score", ["A", "B"], "bar", "max_score_percent", 0, 5, None),
    ("dot_vote", ["A", "B"], "bar", "max_score_percent", 0, None, 8),
    ("ranked_choice", ["A", "B"], "bar", "max_score_percent", 1, None, None),
    ("meeting", ["2030-01-02", "2030-01-01"], "grid", "max_score_percent", 0, 2, None),
    ("question", None, "none", "max_score_percent", 0, 0, 0),
]


@pytest.mark.parametrize(
    ("poll_type", "options", "chart", "column", "lo", "hi", "dots"),
    TYPE_DEFAULTS,
    ids=[r[0] for r in TYPE_DEFAULTS],
)
def test_every_type_serializes_its_effective_defaults(
    server: Server,
    seed: Seed,
    poll_type: str,
    options: list[str] | None,
    chart: str,
    column: str,
    lo: int,
    hi: int | None,
    dots: int | None,
) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, poll_type, options)
    assert (poll["chart_type"], poll["chart_column"]) == (chart, column)
    assert (poll["min_score"], poll["max_score"], poll["dots_per_person"]) == (lo, hi, dots)
    ids = [r["id"] for r in poll["results"]]
    if poll_type == "meeting":
        assert poll["poll_option_names"] == ["2030-01-01", "2030-01-02"]
        assert -1 not in ids
    else:
        assert ids[-1] == -1
    if poll_type == "ranked_choice":
        assert poll["minimum_stance_choices"] == 2


def test_closing_until_closed_poll_moves_reasoned_votes_into_the_thread(
    server: Server, seed: Seed
) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"], hide_results="until_closed")
    a = option_ids(server, t.author, poll["id"])["A"]
    event = vote(server, t.members[0], poll["id"], [(a, 1)], reason="mine").json()["events"][0]
    assert event["discussion_id"] is None
    assert server.call("POST", f"/api/v1/polls/{poll['id']}/close", t.author).status_code == 200
    moved = seed.one("SELECT discussion_id FROM events WHERE id = %s", event["id"])
    assert moved == t.discussion_id
    assert "results" in get_poll(server, t.author, poll["id"])


def test_worked_proposal_example_through_the_api(server: Server, seed: Seed) -> None:
    """polls.md 5.1: 10 voters, 3 agree, 1 abstain, 1 disagree, 1 block, 4 undecided."""
    t = team(seed, members=8)
    poll = create_poll(server, t, "proposal", ["agree", "abstain", "disagree", "block"])
    ids = option_ids(server, t.author, poll["id"])
    picks = ["Agree", "Agree", "Agree", "Abstain", "Disagree", "Block"]
    for member, name in zip(t.members, picks, strict=False):
        assert vote(server, member, poll["id"], [(ids[name], 1)]).status_code == 200
    answer = server.call("GET", f"/api/v1/polls/{poll['id']}", t.author)
    assert '"score_percent":16.666666666666664' in answer.text
    shown = answer.json()["polls"][0]
    assert shown["stance_counts"] == [3, 1, 1, 1] and shown["cast_stances_pct"] == 60
    rows = shown["results"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4, None]
    assert [r["max_score_percent"] for r in rows] == [
        100.0,
        33.33333333333333,
        33.33333333333333,
        33.33333333333333,
        0,
    ]
    assert (rows[-1]["voter_percent"], rows[-1]["voter_count"]) == (40.0, 4)
    assert '"average":0,' in answer.text and '"target_percent":0,' in answer.text
    listed = server.call("GET", "/api/v1/stances", t.author, poll_id=poll["id"]).json()
    assert listed["meta"] == {"root": "stances", "total": 10}
    assert [s["cast_at"] is not None for s in listed["stances"]] == [True] * 6 + [False] * 4


def test_poll_edited_joins_thread_only_with_a_recipient_message(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"])
    plain = server.call("PATCH", f"/api/v1/polls/{poll['id']}", t.author, {"poll": {"title": "T2"}})
    assert plain.status_code == 200, plain.text
    event = plain.json()["events"][0]
    assert event["kind"] == "poll_edited" and event["discussion_id"] is None
    assert event["custom_fields"]["recipient_message"] is None
    assert plain.json()["polls"][0]["versions_count"] == 2
    noted = server.call(
        "PATCH",
        f"/api/v1/polls/{poll['id']}",
        t.author,
        {"poll": {"title": "T3", "recipient_message": ""}},
    )
    assert noted.json()["events"][0]["position_key"] == "00001-00001"
    member = server.call(
        "PATCH", f"/api/v1/polls/{poll['id']}", t.members[0], {"poll": {"title": "T4"}}
    )
    assert member.status_code == 403
    locked = server.call(
        "PATCH", f"/api/v1/polls/{poll['id']}", t.author, {"poll": {"hide_results": "until_closed"}}
    )
    assert locked.status_code == 200
    back = server.call(
        "PATCH", f"/api/v1/polls/{poll['id']}", t.author, {"poll": {"hide_results": "off"}}
    )
    assert back.status_code == 422 and "hide_results" in back.json()["errors"]


def test_reply_to_a_hidden_stance_is_placed_by_the_repair_at_close(
    server: Server, seed: Seed
) -> None:
    """threading.md 7.4: the repair places events in sequence order, so a reply sequenced before
    the stance it answers meets that stance at the reset depth 1 and gets depth 2; counts
    follow the key-prefix rule (7.6), whatever the depths say."""
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"], hide_results="until_closed")
    a = option_ids(server, t.author, poll["id"])["A"]
    stance = vote(server, t.members[0], poll["id"], [(a, 1)], reason="mine").json()["stances"][0]
    reply = server.call(
        "POST",
        "/api/v1/comments",
        t.author,
        {
            "comment": {
                "body": "re",
                "discussion_id": t.discussion_id,
                "parent_type": "Stance",
                "parent_id": stance["id"],
            }
        },
    )
    assert reply.status_code == 200, reply.text
    assert server.call("POST", f"/api/v1/polls/{poll['id']}/close", t.author).status_code == 200
    rows = {
        (r["kind"], r["eventable_type"]): r
        for r in seed.all(
            "SELECT id, kind, eventable_type, parent_id, depth, position_key, child_count,"
            " descendant_count, discussion_id FROM events WHERE discussion_id = %s"
            " OR (eventable_type = 'Discussion' AND eventable_id = %s)",
            t.discussion_id,
            t.discussion_id,
        )
    }
    root = rows[("new_discussion", "Discussion")]
    created = rows[("poll_created", "Poll")]
    voted = rows[("stance_created", "Stance")]
    comment = rows[("new_comment", "Comment")]
    assert (comment["parent_id"], comment["depth"]) == (voted["id"], 2)
    assert (voted["parent_id"], voted["depth"]) == (created["id"], 2)
    assert comment["position_key"] == voted["position_key"] + "-00001"
    assert (created["child_count"], created["descendant_count"]) == (2, 3)  # + poll_closed
    thread = [r for r in rows.values() if r["discussion_id"] == t.discussion_id]
    assert root["descendant_count"] == len(thread)


def test_a_reply_to_a_stance_outside_the_thread_stays_parentless_through_a_repair(
    server: Server, seed: Seed
) -> None:
    """A stance without a reason never joins the thread: the reply's parent rule finds nothing
    (threading.md 3), and the repair at close leaves step 3's reset position 0 and NULL key."""
    t = team(seed, members=1)
    poll = create_poll(server, t, "poll", ["A", "B"], hide_results="until_closed")
    a = option_ids(server, t.author, poll["id"])["A"]
    stance = vote(server, t.members[0], poll["id"], [(a, 1)]).json()["stances"][0]
    body = {"body": "re", "discussion_id": t.discussion_id, "parent_type": "Stance"}
    reply = server.call(
        "POST", "/api/v1/comments", t.author, {"comment": {**body, "parent_id": stance["id"]}}
    )
    assert reply.json()["events"][0]["position_key"] == "00000"  # section 4, on insert
    assert server.call("POST", f"/api/v1/polls/{poll['id']}/close", t.author).status_code == 200
    [orphan] = seed.all(
        "SELECT parent_id, depth, position, position_key, descendant_count FROM events"
        " WHERE kind = 'new_comment' AND discussion_id = %s",
        t.discussion_id,
    )
    assert orphan == {
        "parent_id": None,
        "depth": 0,
        "position": 0,
        "position_key": None,
        "descendant_count": 0,
    }


def test_stances_index_names_its_poll_by_id_or_by_key(server: Server, seed: Seed) -> None:
    """load_and_authorize(:poll): ModelLocator reads poll_id, else poll_key."""
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    ids = option_ids(server, t.author, poll["id"])
    vote(server, t.members[0], poll["id"], [(ids["Agree"], 1)])
    by_id = server.call("GET", "/api/v1/stances", t.author, poll_id=poll["id"])
    by_key = server.call("GET", "/api/v1/stances", t.author, poll_key=poll["key"])
    assert by_id.status_code == by_key.status_code == 200, by_key.text
    assert by_key.json() == by_id.json() and by_key.json()["stances"]
    unknown = server.call("GET", "/api/v1/stances", t.author, poll_key="nosuchkey")
    assert unknown.status_code == 404


def test_an_outcome_answers_with_the_fields_a_person_fills_in(server: Server, seed: Seed) -> None:
    t = team(seed, members=1)
    poll = create_poll(server, t, "proposal", ["agree", "disagree"])
    assert server.call("POST", f"/api/v1/polls/{poll['id']}/close", t.author).status_code == 200
    fields = {
        "statement": "We agreed",
        "statement_format": "md",
        "review_on": "2027-03-01",
        "poll_option_id": next(iter(option_ids(server, t.author, poll["id"]).values())),
        "event_summary": "Kick-off",
        "event_location": "Town hall",
    }
    made = server.call(
        "POST", "/api/v1/outcomes", t.author, {"outcome": {"poll_id": poll["id"], **fields}}
    )
    assert made.status_code == 200, made.text
    outcome = made.json()["outcomes"][0]
    assert {k: outcome[k] for k in fields} == fields
    edited = server.call(
        "PATCH", f"/api/v1/outcomes/{outcome['id']}", t.author, {"outcome": {"review_on": ""}}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["outcomes"][0]["review_on"] is None
