"""The tally oracle on every worked example of polls.md section 5, floats exact."""

from __future__ import annotations

from typing import Any

import pytest

from properties.oracles.tallies import Option, Poll, Stance, Tally, tally


def _opts(*names: str, icons: tuple[str | None, ...] = (), first_id: int = 1) -> tuple[Option, ...]:
    icons = icons or (None,) * len(names)
    return tuple(
        Option(id=first_id + i, name=n, priority=i, icon=icons[i]) for i, n in enumerate(names)
    )


def _exact(actual: Any, expected: Any) -> bool:
    """Equal value and equal type: 0 (int) is not 0.0 (float)."""
    return type(actual) is type(expected) and actual == expected


def assert_rows(result: Tally, expected: list[dict[str, Any]]) -> None:
    assert len(result.results) == len(expected)
    for row, want in zip(result.results, expected, strict=True):
        for key, value in want.items():
            assert _exact(row[key], value), f"row {row['name']} {key}: {row[key]!r} != {value!r}"


# 5.1 proposal, ordered by priority
PROPOSAL = Poll(
    poll_type="proposal",
    options=_opts(
        "Agree",
        "Abstain",
        "Disagree",
        "Block",
        icons=("agree", "abstain", "disagree", "block"),
        first_id=301,
    ),
)
PROPOSAL_STANCES = (
    [Stance.of(v, {301: 1}) for v in (1, 2, 3)]
    + [Stance.of(4, {302: 1}), Stance.of(5, {303: 1}), Stance.of(6, {304: 1})]
    + [Stance.undecided(v) for v in (7, 8, 9, 10)]
)


def _row(name: str, **values: Any) -> dict[str, Any]:
    return {"name": name, **values}


def test_5_1_proposal_counts():
    result = tally(PROPOSAL, PROPOSAL_STANCES)
    assert result.stance_counts == (3, 1, 1, 1)
    assert (result.total_score, result.voters_count, result.undecided_voters_count) == (6, 10, 4)
    assert (result.decided_voters_count, result.cast_stances_pct) == (6, 60)


def test_5_1_proposal_rows():
    third = 16.666666666666664
    minor = {
        "score": 1,
        "score_percent": third,
        "max_score_percent": 33.33333333333333,
        "voter_percent": 10.0,
        "target_percent": 0,
        "average": 1.0,
        "voter_count": 1,
    }
    assert_rows(
        tally(PROPOSAL, PROPOSAL_STANCES),
        [
            _row(
                "Agree",
                rank=1,
                score=3,
                score_percent=50.0,
                max_score_percent=100.0,
                voter_percent=30.0,
                target_percent=0,
                average=1.0,
                voter_count=3,
                color="#00D177",
            ),
            _row("Abstain", rank=2, color="#F6A82B", **minor),
            _row("Disagree", rank=3, color="#F96168", **minor),
            _row("Block", rank=4, color="#CE261B", **minor),
            _row(
                "poll_common_votes_panel.undecided",
                id=-1,
                rank=None,
                score=0,
                score_percent=0,
                max_score_percent=0,
                voter_percent=40.0,
                target_percent=40.0,
                average=0,
                voter_count=4,
                color="#BBBBBB",
                name_format="i18n",
            ),
        ],
    )


# 5.2 poll (single choice), ordered by total desc
POLL = Poll(poll_type="poll", options=_opts("A", "B", "C", first_id=401))
POLL_STANCES = (
    [Stance.of(v, {401: 1}) for v in (1, 2)]
    + [Stance.of(v, {402: 1}) for v in (3, 4, 5)]
    + [Stance.undecided(v) for v in (6, 7)]
)


def test_5_2_poll():
    result = tally(POLL, POLL_STANCES)
    assert result.stance_counts == (2, 3, 0)
    assert (result.total_score, result.decided_voters_count, result.cast_stances_pct) == (5, 5, 71)
    assert_rows(
        result,
        [
            _row(
                "B",
                rank=1,
                score=3,
                score_percent=60.0,
                max_score_percent=100.0,
                voter_percent=42.857142857142854,
                average=1.0,
                voter_count=3,
                color="#C8E56E",
                target_percent=0,
            ),
            _row(
                "A",
                rank=2,
                score=2,
                score_percent=40.0,
                max_score_percent=66.66666666666666,
                voter_percent=28.57142857142857,
                average=1.0,
                voter_count=2,
                color="#70C9F8",
                target_percent=0,
            ),
            _row(
                "C",
                rank=3,
                score=0,
                score_percent=0.0,
                max_score_percent=0.0,
                voter_percent=0.0,
                average=0,
                voter_count=0,
                color="#D38FE1",
                target_percent=0,
            ),
            _row(
                "poll_common_votes_panel.undecided",
                rank=None,
                score=0,
                score_percent=0,
                max_score_percent=0,
                voter_percent=28.57142857142857,
                target_percent=28.57142857142857,
                average=0,
                voter_count=2,
                color="#BBBBBB",
            ),
        ],
    )


# 5.3 count (opt-in) with agree_target 5
COUNT_OPTIONS = _opts("Accept", "Decline", icons=("agree", "disagree"), first_id=501)


def _count_stances(accept: int) -> list[Stance]:
    return (
        [Stance.of(v, {501: 1}) for v in range(accept)]
        + [Stance.of(100, {502: 1})]
        + [Stance.undecided(v) for v in (200, 201, 202)]
    )


def test_5_3_count():
    result = tally(
        Poll(poll_type="count", options=COUNT_OPTIONS, agree_target=5), _count_stances(4)
    )
    assert_rows(
        result,
        [
            _row(
                "Accept",
                score=4,
                target_percent=80.0,
                score_percent=80.0,
                max_score_percent=100.0,
                voter_percent=50.0,
                color="#00D177",
            ),
            _row(
                "Decline",
                score=1,
                target_percent=0,
                score_percent=20.0,
                max_score_percent=25.0,
                voter_percent=12.5,
                color="#F96168",
            ),
            _row(
                "poll_common_votes_panel.undecided",
                score=0,
                target_percent=37.5,
                score_percent=0,
                max_score_percent=0,
                voter_percent=37.5,
            ),
        ],
    )


def test_5_3_count_target_percent_is_not_capped():
    result = tally(
        Poll(poll_type="count", options=COUNT_OPTIONS, agree_target=5), _count_stances(6)
    )
    assert _exact(result.results[0]["target_percent"], 120.0)


def test_count_without_agree_target_has_integer_zero_target():
    result = tally(Poll(poll_type="count", options=COUNT_OPTIONS), _count_stances(4))
    assert _exact(result.results[0]["target_percent"], 0)


# 5.4 score (0..5)
SCORE = Poll(poll_type="score", options=_opts("X", "Y", "Z", first_id=601))
SCORE_STANCES = [
    Stance.of(1, {601: 5, 602: 3, 603: 0}),
    Stance.of(2, {601: 4, 602: 4, 603: 1}),
    Stance.of(3, {601: 2, 602: 5, 603: 0}),
]


def test_5_4_score():
    result = tally(SCORE, SCORE_STANCES)
    assert_rows(
        result,
        [
            _row(
                "Y",
                rank=1,
                score=12,
                score_percent=50.0,
                max_score_percent=100.0,
                average=4.0,
                voter_count=3,
                voter_percent=100.0,
            ),
            _row(
                "X",
                rank=2,
                score=11,
                score_percent=45.83333333333333,
                max_score_percent=91.66666666666666,
                average=3.6666666666666665,
                voter_count=3,
                voter_percent=100.0,
            ),
            _row(
                "Z",
                rank=3,
                score=1,
                score_percent=4.166666666666666,
                max_score_percent=8.333333333333332,
                average=0.3333333333333333,
                voter_count=3,
                voter_percent=100.0,
            ),
            _row("poll_common_votes_panel.undecided", voter_percent=0.0, voter_count=0),
        ],
    )
    ids = {r["name"]: sorted(r["voter_ids"]) for r in result.results}
    assert ids == {
        "Y": [1, 2, 3],
        "X": [1, 2, 3],
        "Z": [2],
        "poll_common_votes_panel.undecided": [],
    }


# 5.5 dot_vote (8 dots)
def test_5_5_dot_vote():
    poll = Poll(poll_type="dot_vote", options=_opts("P", "Q", "R"))
    result = tally(poll, [Stance.of(1, {1: 5, 2: 3, 3: 0}), Stance.of(2, {1: 0, 2: 8, 3: 0})])
    assert_rows(
        result,
        [
            _row(
                "Q",
                rank=1,
                score=11,
                score_percent=68.75,
                max_score_percent=100.0,
                average=5.5,
                voter_count=2,
                voter_ids=[1, 2],
            ),
            _row(
                "P",
                rank=2,
                score=5,
                score_percent=31.25,
                max_score_percent=45.45454545454545,
                average=2.5,
                voter_count=2,
                voter_ids=[1],
            ),
            _row(
                "R",
                rank=3,
                score=0,
                score_percent=0.0,
                max_score_percent=0.0,
                average=0.0,
                voter_count=2,
                voter_ids=[],
            ),
            _row("poll_common_votes_panel.undecided"),
        ],
    )


# 5.6 ranked_choice, Borda-style points
def test_5_6_ranked_choice():
    poll = Poll(poll_type="ranked_choice", options=_opts("A", "B", "C", "D"))
    a, b, c, d = 1, 2, 3, 4
    stances = [
        Stance.of(1, {a: 4, b: 3, c: 2, d: 1}),
        Stance.of(2, {b: 4, a: 3, d: 2, c: 1}),
        Stance.of(3, {b: 4, c: 3, a: 2, d: 1}),
    ]
    result = tally(poll, stances)
    assert result.total_score == 30
    assert_rows(
        result,
        [
            _row(
                "B",
                rank=1,
                score=11,
                score_percent=36.666666666666664,
                max_score_percent=100.0,
                average=3.6666666666666665,
            ),
            _row(
                "A",
                rank=2,
                score=9,
                score_percent=30.0,
                max_score_percent=81.81818181818183,
                average=3.0,
            ),
            _row(
                "C",
                rank=3,
                score=6,
                score_percent=20.0,
                max_score_percent=54.54545454545454,
                average=2.0,
            ),
            _row(
                "D",
                rank=4,
                score=4,
                score_percent=13.333333333333334,
                max_score_percent=36.36363636363637,
                average=1.3333333333333333,
            ),
            _row("poll_common_votes_panel.undecided"),
        ],
    )


# 5.7 meeting: by priority, no undecided row, zero scores listed as voters
MEETING = Poll(
    poll_type="meeting",
    options=_opts("2025-07-01T09:00:00.000Z", "2025-07-02T09:00:00.000Z"),
    poll_option_name_format="iso8601",
)
MEETING_STANCES = [
    Stance.of(1, {1: 2, 2: 0}),
    Stance.of(2, {1: 2, 2: 1}),
    Stance.of(3, {1: 1, 2: 2}),
]


def test_5_7_meeting():
    result = tally(MEETING, MEETING_STANCES)
    assert_rows(
        result,
        [
            _row(
                "2025-07-01T09:00:00.000Z",
                score=5,
                score_percent=62.5,
                max_score_percent=100.0,
                average=1.6666666666666667,
                voter_count=3,
                name_format="iso8601",
            ),
            _row(
                "2025-07-02T09:00:00.000Z",
                score=3,
                score_percent=37.5,
                max_score_percent=60.0,
                average=1.0,
                voter_count=3,
            ),
        ],
    )
    assert sorted(result.results[1]["voter_ids"]) == [1, 2, 3]


def test_5_7_meeting_with_none_of_the_above_has_three_rows():
    poll = Poll(poll_type="meeting", options=MEETING.options, show_none_of_the_above=True)
    assert len(tally(poll, MEETING_STANCES).results) == 3


# 5.8 question
def test_5_8_question():
    stances = [Stance.of(1, {}), Stance.of(2, {})] + [Stance.undecided(v) for v in (3, 4, 5)]
    result = tally(Poll(poll_type="question"), stances)
    assert result.stance_counts == ()
    assert result.total_score == 0
    assert result.cast_stances_pct == 40
    assert_rows(
        result,
        [
            _row("poll_common_votes_panel.undecided", voter_count=3, voter_percent=60.0),
        ],
    )


# 5.9 vote change: counts follow the latest stance (in place or a new revision alike)
@pytest.mark.parametrize("revision", [False, True], ids=["in-place", "new-revision"])
def test_5_9_vote_change(revision):
    agree_disagree = _opts("Agree", "Disagree", icons=("agree", "disagree"), first_id=301)
    poll = Poll(poll_type="proposal", options=agree_disagree)
    before = tally(poll, [Stance.of(9, {301: 1})])
    if revision:
        stances = [Stance.of(9, {301: 1}, latest=False), Stance.of(9, {302: 1})]
    else:
        stances = [Stance.of(9, {302: 1})]
    after = tally(poll, stances)
    assert (before.stance_counts, after.stance_counts) == ((1, 0), (0, 1))
    assert after.voters_count == 1


def test_cast_stances_pct_truncates_in_ruby_operation_order():
    # 29 / 100 * 100 is 28.999999999999996 in doubles: the integer part is 28, not 29.
    stances = [Stance.of(v, {1: 1}) for v in range(29)] + [
        Stance.undecided(v) for v in range(100, 171)
    ]
    poll = Poll(poll_type="proposal", options=_opts("Agree", icons=("agree",)))
    assert tally(poll, stances).cast_stances_pct == 28


def test_no_voters_gives_integer_zeros():
    result = tally(POLL, [])
    assert result.cast_stances_pct == 0
    for row in result.results:
        assert _exact(row["voter_percent"], 0)
        assert _exact(row["score_percent"], 0)


def test_revoked_and_old_stances_do_not_count():
    stances = [Stance.of(1, {401: 1}, revoked=True), Stance.of(2, {401: 1}, latest=False)]
    result = tally(POLL, stances)
    assert (result.voters_count, result.stance_counts) == (0, (0, 0, 0))
