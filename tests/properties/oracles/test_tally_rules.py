"""Tally oracle rules beyond the worked numbers: visibility, anonymity, colours, ties, API input."""

from __future__ import annotations

import copy

import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.oracles.poll_types import POLL_TYPES
from properties.oracles.tallies import (
    Option,
    Poll,
    Stance,
    compare_results,
    option_color,
    poll_fields,
    stance_view,
    tally,
    tie_groups,
)

OPTIONS = tuple(Option(id=10 + i, name=f"o{i}", priority=i) for i in range(6))


@pytest.mark.parametrize(
    ("hide_results", "closed", "shown"),
    [
        ("off", False, True),
        ("until_vote", False, True),
        ("until_closed", False, False),
        ("until_closed", True, True),
    ],
    ids=["off", "until-vote-always-sent", "until-closed-open", "until-closed-closed"],
)
def test_results_visibility(hide_results, closed, shown):
    poll = Poll(poll_type="poll", options=OPTIONS[:2], hide_results=hide_results, closed=closed)
    fields = poll_fields(poll, tally(poll, [Stance.of(1, {10: 1})]))
    assert ("results" in fields) is shown
    assert ("stance_counts" in fields) is shown
    assert fields["voters_count"] == 1 and fields["cast_stances_pct"] == 100


def test_discarded_poll_nulls_counts_but_sends_results():
    poll = Poll(poll_type="poll", options=OPTIONS[:2], discarded=True)
    fields = poll_fields(poll, tally(poll, [Stance.of(1, {10: 1})]))
    assert fields["voters_count"] is None and fields["stance_counts"] is None
    assert fields["results"]


@pytest.mark.parametrize(
    ("hide_results", "own", "revoked", "omitted"),
    [
        ("off", False, False, False),
        ("until_closed", True, False, False),
        ("until_closed", False, False, True),
        ("off", True, True, True),
    ],
    ids=["visible", "own-while-hidden", "other-while-hidden", "revoked"],
)
def test_stance_field_hiding(hide_results, own, revoked, omitted):
    poll = Poll(poll_type="poll", options=OPTIONS[:2], hide_results=hide_results)
    view = stance_view(poll, Stance.of(1, {10: 1}, revoked=revoked), own=own)
    assert ("reason" in view.omitted) is omitted
    assert ("option_scores" in view.omitted) is omitted


def test_anonymous_poll_masks_voters_but_not_none_of_the_above():
    poll = Poll(poll_type="poll", options=OPTIONS[:2], anonymous=True, show_none_of_the_above=True)
    stances = [
        Stance.of(1, {10: 1}),
        Stance(participant=2, none_of_the_above=True),
        Stance.undecided(3),
    ]
    result = tally(poll, stances)
    rows = {r["id"]: r for r in result.results}
    assert rows[10]["voter_scores"] == {} and rows[10]["voter_ids"] == []
    assert rows[10]["voter_count"] == 1
    assert rows[0]["voter_ids"] == [2]
    assert rows[-1]["voter_ids"] == []
    assert stance_view(poll, stances[0], own=True).participant_id is None


def test_none_of_the_above_row():
    poll = Poll(poll_type="poll", options=OPTIONS[:2], show_none_of_the_above=True)
    result = tally(poll, [Stance(participant=5, none_of_the_above=True), Stance.of(6, {10: 1})])
    nota = next(r for r in result.results if r["id"] == 0)
    assert nota["name"] == "poll_common_form.none_of_the_above"
    assert (nota["voter_percent"], nota["target_percent"], nota["voter_count"]) == (50.0, 50.0, 1)
    assert "icon" not in nota and nota["rank"] is None
    assert result.none_of_the_above_count == 1


def test_i18n_option_names():
    poll = Poll(
        poll_type="proposal",
        options=(Option(id=1, name="agree", priority=0),),
        poll_option_name_format="i18n",
    )
    assert tally(poll, []).results[0]["name"] == "poll_proposal_options.agree"


@pytest.mark.parametrize(
    ("kind", "icon", "priority", "color"),
    [
        ("proposal", "agree", 0, "#00D177"),
        ("check", "abstain", 3, "#F6A82B"),
        ("count", "disagree", 1, "#F96168"),
        ("proposal", "block", 0, "#CE261B"),
        ("proposal", "consent", 2, "#00D177"),
        ("poll", None, 0, "#70C9F8"),
        ("score", None, 1, "#C8E56E"),
        ("dot_vote", None, 2, "#D38FE1"),
        ("ranked_choice", None, 3, "#999FDE"),
        ("meeting", None, 4, "#70C9F8"),
        ("poll", "agree", 5, "#C8E56E"),
    ],
    ids=lambda v: str(v),
)
def test_option_colors(kind, icon, priority, color):
    assert option_color(kind, Option(id=1, name="x", priority=priority, icon=icon)) == color


def test_ties_compare_as_a_set():
    poll = Poll(poll_type="score", options=OPTIONS[:3])
    result = tally(poll, [Stance.of(1, {10: 2, 11: 2, 12: 5})])
    expected = [dict(r) for r in result.results]
    assert tie_groups("score", expected) == [[0], [1, 2], [3]]
    swapped = copy.deepcopy(expected)
    swapped[1], swapped[2] = swapped[2], swapped[1]
    swapped[1]["rank"], swapped[2]["rank"] = 2, 3
    assert compare_results("score", expected, swapped) == []


def test_priority_order_is_not_a_tie():
    poll = Poll(poll_type="proposal", options=OPTIONS[:2])
    expected = [dict(r) for r in tally(poll, []).results]
    swapped = [expected[1], expected[0], expected[2]]
    assert compare_results("proposal", expected, swapped)


def test_int_zero_differs_from_float_zero_when_strict():
    poll = Poll(poll_type="poll", options=OPTIONS[:2])
    expected = [dict(r) for r in tally(poll, []).results]
    actual = copy.deepcopy(expected)
    actual[0]["score_percent"] = 0.0
    assert any("score_percent" in d for d in compare_results("poll", expected, actual))
    assert compare_results("poll", expected, actual, strict_types=False) == []


def test_voter_ids_order_is_free_and_row_count_checked():
    poll = Poll(poll_type="poll", options=OPTIONS[:1])
    expected = [
        dict(r) for r in tally(poll, [Stance.of(1, {10: 1}), Stance.of(2, {10: 1})]).results
    ]
    actual = copy.deepcopy(expected)
    actual[0]["voter_ids"] = [2, 1]
    assert compare_results("poll", expected, actual) == []
    assert compare_results("poll", expected, actual[:1])


def test_from_api_round_trip():
    poll_json = {
        "id": 88,
        "poll_type": "proposal",
        "anonymous": False,
        "hide_results": "off",
        "closed_at": None,
        "agree_target": None,
        "custom_fields": {},
    }
    options_json = [
        {"id": 301, "poll_id": 88, "name": "Agree", "priority": 0, "icon": "agree"},
        {"id": 999, "poll_id": 77, "name": "Other poll", "priority": 0},
    ]
    stance_json = {
        "id": 9001,
        "participant_id": 5,
        "cast_at": "2025-06-01T10:00:00.000Z",
        "revoked_at": None,
        "latest": True,
        "option_scores": {"301": 1},
    }
    poll = Poll.from_api(poll_json, options_json)
    assert [o.id for o in poll.options] == [301]
    result = tally(poll, [Stance.from_api(stance_json)])
    assert result.stance_counts == (1,)
    assert result.results[0]["voter_scores"] == {"5": 1}


@pytest.mark.parametrize(
    ("stored", "expected"),
    [(None, None), ("iso8601", "iso8601"), ("i18n", "i18n")],
    ids=["null-stays-null", "iso8601", "i18n"],
)
def test_from_api_keeps_the_records_name_format(stored, expected):
    # polls.md 3: a row's `name_format` is "the poll's `poll_option_name_format`" -- the record's
    # effective value, null when neither a stored value nor a type default exists.
    poll = Poll.from_api({"id": 1, "poll_type": "proposal", "poll_option_name_format": stored}, [])
    assert poll.poll_option_name_format == expected


def test_unknown_poll_type_is_rejected():
    with pytest.raises(ValueError, match="unknown poll_type"):
        Poll(poll_type="vote")


# ---- Hypothesis: the oracle's own invariants ------------------------------------------------


@st.composite
def polls_and_stances(draw: st.DrawFn) -> tuple[Poll, list[Stance]]:
    kind = draw(st.sampled_from(sorted(POLL_TYPES)))
    n = 0 if kind == "question" else draw(st.integers(1, 5))
    options = tuple(
        Option(
            id=100 + i,
            name=f"o{i}",
            priority=i,
            icon=draw(st.sampled_from([None, "agree", "abstain", "disagree"])),
        )
        for i in range(n)
    )
    poll = Poll(
        poll_type=kind,
        options=options,
        anonymous=draw(st.booleans()),
        show_none_of_the_above=draw(st.booleans()),
        agree_target=draw(st.one_of(st.none(), st.integers(0, 10))),
    )
    stances = []
    for voter in range(draw(st.integers(0, 12))):
        cast = draw(st.booleans())
        scores = draw(
            st.dictionaries(
                st.sampled_from([o.id for o in options]) if options else st.nothing(),
                st.integers(0, 5),
                max_size=n,
            )
        )
        stances.append(
            Stance(
                participant=voter,
                cast=cast,
                revoked=draw(st.booleans()),
                choices=tuple(scores.items()) if cast else (),
            )
        )
    return poll, stances


@given(polls_and_stances())
def test_counts_add_up(case):
    poll, stances = case
    result = tally(poll, stances)
    counted = [s for s in stances if s.counts]
    assert result.total_score == sum(result.stance_counts)
    assert result.voters_count == len(counted)
    assert result.decided_voters_count + result.undecided_voters_count == result.voters_count
    assert 0 <= result.cast_stances_pct <= 100
    assert sum(o.voter_count for o in result.options) == sum(len(s.choices) for s in counted)


@given(polls_and_stances())
def test_results_rows_are_consistent(case):
    poll, stances = case
    result = tally(poll, stances)
    option_rows = [r for r in result.results if r["rank"] is not None]
    assert [r["rank"] for r in option_rows] == list(range(1, len(poll.options) + 1))
    if not POLL_TYPES[poll.poll_type].by_priority:
        scores = [r["score"] for r in option_rows]
        assert scores == sorted(scores, reverse=True)
    if result.total_score > 0:
        assert abs(sum(r["score_percent"] for r in option_rows) - 100) < 1e-9
        assert max(r["max_score_percent"] for r in option_rows) == 100.0
    for row in option_rows:
        assert isinstance(row["score_percent"], float) is (result.total_score > 0)
        assert isinstance(row["voter_percent"], float) is (result.voters_count > 0)
        if poll.anonymous:
            assert row["voter_ids"] == [] and row["voter_scores"] == {}
    extra = [r["id"] for r in result.results if r["rank"] is None]
    undecided = [-1] if poll.poll_type != "meeting" else []
    assert extra == ([0] if poll.show_none_of_the_above else []) + undecided
    assert compare_results(poll.poll_type, result.results, result.results) == []
