"""Counts and results rows against the worked examples of polls.md section 5 (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from reference.domain.tallies import CountedStance, cast_stances_pct, count_votes, results


def _tally(
    poll_type: str,
    options: list[tuple[int, str, str | None]],
    votes: list[list[tuple[int, int]] | None],
    *,
    agree_target: int | None = None,
    anonymous: bool = False,
    name_format: str | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Count `votes` (one list of (option_id, score) per voter; None = undecided) and
    return (poll, results) as the serializer would see them. Voter i has user id 1000 + i."""
    stances = [
        CountedStance(
            id=i + 1,
            participant_id=1000 + i,
            cast=vote is not None,
            none_of_the_above=False,
            choices=tuple(vote or ()),
        )
        for i, vote in enumerate(votes)
    ]
    ids = [o[0] for o in options]
    counts = count_votes(ids, stances, anonymous=anonymous)
    poll = {
        "id": 88,
        "poll_type": poll_type,
        "agree_target": agree_target,
        "poll_option_name_format": name_format,
        "custom_fields": {},
        "stance_counts": counts.stance_counts,
        "voters_count": counts.voters_count,
        "undecided_voters_count": counts.undecided_voters_count,
        "none_of_the_above_count": counts.none_of_the_above_count,
        "show_none_of_the_above": False,
    }
    option_rows = [
        {
            "id": oid,
            "poll_id": 88,
            "name": name,
            "icon": icon,
            "priority": priority,
            "total_score": counts.options[oid].total_score,
            "voter_count": counts.options[oid].voter_count,
            "voter_scores": counts.options[oid].voter_scores,
        }
        for priority, (oid, name, icon) in enumerate(options)
    ]
    undecided = [s.participant_id for s in stances if not s.cast and not anonymous]
    rows = results(poll, option_rows, undecided_voter_ids=undecided, none_of_the_above_voter_ids=[])
    return poll, rows


def _exact(value: Any) -> tuple[type, Any]:
    """Compare with the type: 0 and 0.0 differ in Loomio's JSON."""
    return (type(value), value)


def _check(row: dict[str, Any], expected: dict[str, Any]) -> None:
    for key, value in expected.items():
        assert _exact(row[key]) == _exact(value), f"{row['name']}.{key}: {row[key]!r} != {value!r}"


def test_proposal_is_ordered_by_priority_with_thumb_colours() -> None:
    votes = [[(301, 1)]] * 3 + [[(302, 1)], [(303, 1)], [(304, 1)]] + [None] * 4
    poll, rows = _tally(
        "proposal",
        [
            (301, "Agree", "agree"),
            (302, "Abstain", "abstain"),
            (303, "Disagree", "disagree"),
            (304, "Block", "block"),
        ],
        votes,
    )
    assert poll["stance_counts"] == [3, 1, 1, 1]
    assert (poll["voters_count"], poll["undecided_voters_count"]) == (10, 4)
    assert cast_stances_pct(10, 4) == 60
    third = 16.666666666666664
    expected = [
        ("Agree", 1, 3, 50.0, 100.0, 30.0, 0, 1.0, 3, "#00D177"),
        ("Abstain", 2, 1, third, 33.33333333333333, 10.0, 0, 1.0, 1, "#F6A82B"),
        ("Disagree", 3, 1, third, 33.33333333333333, 10.0, 0, 1.0, 1, "#F96168"),
        ("Block", 4, 1, third, 33.33333333333333, 10.0, 0, 1.0, 1, "#CE261B"),
        ("poll_common_votes_panel.undecided", None, 0, 0, 0, 40.0, 40.0, 0, 4, "#BBBBBB"),
    ]
    assert [r["name"] for r in rows] == [e[0] for e in expected]
    keys = (
        "rank",
        "score",
        "score_percent",
        "max_score_percent",
        "voter_percent",
        "target_percent",
        "average",
        "voter_count",
        "color",
    )
    for row, exp in zip(rows, expected, strict=True):
        _check(row, dict(zip(keys, exp[1:], strict=True)))
    assert rows[-1]["id"] == -1 and "icon" not in rows[-1]
    assert rows[-1]["voter_ids"] == [1006, 1007, 1008, 1009]


def test_poll_is_ordered_by_total_descending_with_palette_colours() -> None:
    votes = [[(401, 1)]] * 2 + [[(402, 1)]] * 3 + [None] * 2
    poll, rows = _tally("poll", [(401, "A", None), (402, "B", None), (403, "C", None)], votes)
    assert poll["stance_counts"] == [2, 3, 0]
    assert cast_stances_pct(7, 2) == 71
    keys = (
        "rank",
        "score",
        "score_percent",
        "max_score_percent",
        "voter_percent",
        "average",
        "voter_count",
        "color",
        "target_percent",
    )
    expected = [
        ("B", 1, 3, 60.0, 100.0, 42.857142857142854, 1.0, 3, "#C8E56E", 0),
        ("A", 2, 2, 40.0, 66.66666666666666, 28.57142857142857, 1.0, 2, "#70C9F8", 0),
        ("C", 3, 0, 0.0, 0.0, 0.0, 0, 0, "#D38FE1", 0),
        (
            "poll_common_votes_panel.undecided",
            None,
            0,
            0,
            0,
            28.57142857142857,
            0,
            2,
            "#BBBBBB",
            28.57142857142857,
        ),
    ]
    assert [r["name"] for r in rows] == [e[0] for e in expected]
    for row, exp in zip(rows, expected, strict=True):
        _check(row, dict(zip(keys, exp[1:], strict=True)))


def test_count_target_percent_uses_agree_target_and_is_not_capped() -> None:
    options = [(501, "Accept", "agree"), (502, "Decline", "disagree")]
    votes = [[(501, 1)]] * 4 + [[(502, 1)]] + [None] * 3
    _, rows = _tally("count", options, votes, agree_target=5)
    keys = ("score", "target_percent", "score_percent", "max_score_percent", "voter_percent")
    _check(rows[0], dict(zip(keys, (4, 80.0, 80.0, 100.0, 50.0), strict=True)))
    _check(rows[1], dict(zip(keys, (1, 0, 20.0, 25.0, 12.5), strict=True)))
    _check(rows[2], dict(zip(keys, (0, 37.5, 0, 0, 37.5), strict=True)))
    _, rows = _tally("count", options, [[(501, 1)]] * 6, agree_target=5)
    _check(rows[0], {"target_percent": 120.0})


def test_score_zero_counts_as_participation_but_not_as_voter_id() -> None:
    votes = [
        [(601, 5), (602, 3), (603, 0)],
        [(601, 4), (602, 4), (603, 1)],
        [(601, 2), (602, 5), (603, 0)],
    ]
    _, rows = _tally("score", [(601, "X", None), (602, "Y", None), (603, "Z", None)], votes)
    keys = (
        "rank",
        "score",
        "score_percent",
        "max_score_percent",
        "average",
        "voter_count",
        "voter_ids",
        "voter_percent",
    )
    all_ids = [1000, 1001, 1002]
    _check(rows[0], dict(zip(keys, (1, 12, 50.0, 100.0, 4.0, 3, all_ids, 100.0), strict=True)))
    _check(
        rows[1],
        dict(
            zip(
                keys,
                (
                    2,
                    11,
                    45.83333333333333,
                    91.66666666666666,
                    3.6666666666666665,
                    3,
                    all_ids,
                    100.0,
                ),
                strict=True,
            )
        ),
    )
    _check(
        rows[2],
        dict(
            zip(
                keys,
                (3, 1, 4.166666666666666, 8.333333333333332, 0.3333333333333333, 3, [1001], 100.0),
                strict=True,
            )
        ),
    )
    _check(rows[3], {"voter_percent": 0.0, "voter_count": 0})


def test_dot_vote_rows() -> None:
    votes = [[(701, 5), (702, 3), (703, 0)], [(701, 0), (702, 8), (703, 0)]]
    _, rows = _tally("dot_vote", [(701, "P", None), (702, "Q", None), (703, "R", None)], votes)
    keys = (
        "rank",
        "score",
        "score_percent",
        "max_score_percent",
        "average",
        "voter_count",
        "voter_ids",
    )
    assert [r["name"] for r in rows[:3]] == ["Q", "P", "R"]
    _check(rows[0], dict(zip(keys, (1, 11, 68.75, 100.0, 5.5, 2, [1000, 1001]), strict=True)))
    _check(rows[1], dict(zip(keys, (2, 5, 31.25, 45.45454545454545, 2.5, 2, [1000]), strict=True)))
    _check(rows[2], dict(zip(keys, (3, 0, 0.0, 0.0, 0.0, 2, []), strict=True)))


def test_ranked_choice_is_total_points() -> None:
    a, b, c, d = 801, 802, 803, 804
    votes = [
        [(a, 4), (b, 3), (c, 2), (d, 1)],
        [(b, 4), (a, 3), (d, 2), (c, 1)],
        [(b, 4), (c, 3), (a, 2), (d, 1)],
    ]
    _, rows = _tally(
        "ranked_choice", [(a, "A", None), (b, "B", None), (c, "C", None), (d, "D", None)], votes
    )
    keys = ("rank", "score", "score_percent", "max_score_percent", "average")
    expected = [
        ("B", 1, 11, 36.666666666666664, 100.0, 3.6666666666666665),
        ("A", 2, 9, 30.0, 81.81818181818183, 3.0),
        ("C", 3, 6, 20.0, 54.54545454545454, 2.0),
        ("D", 4, 4, 13.333333333333334, 36.36363636363637, 1.3333333333333333),
    ]
    assert [r["name"] for r in rows[:4]] == [e[0] for e in expected]
    for row, exp in zip(rows, expected, strict=False):
        _check(row, dict(zip(keys, exp[1:], strict=True)))


def test_meeting_has_no_undecided_row_and_lists_zero_voters() -> None:
    s1, s2 = 901, 902
    votes = [[(s1, 2), (s2, 0)], [(s1, 2), (s2, 1)], [(s1, 1), (s2, 2)]]
    _, rows = _tally(
        "meeting",
        [(s1, "2025-07-01T09:00:00.000Z", None), (s2, "2025-07-02T09:00:00.000Z", None)],
        votes,
    )
    assert len(rows) == 2
    keys = ("score", "score_percent", "max_score_percent", "average", "voter_count", "voter_ids")
    ids = [1000, 1001, 1002]
    _check(rows[0], dict(zip(keys, (5, 62.5, 100.0, 1.6666666666666667, 3, ids), strict=True)))
    _check(rows[1], dict(zip(keys, (3, 37.5, 60.0, 1.0, 3, ids), strict=True)))
    assert rows[0]["name_format"] == "iso8601"


def test_question_has_only_the_undecided_row() -> None:
    poll, rows = _tally("question", [], [[], [], None, None, None])
    assert poll["stance_counts"] == []
    assert len(rows) == 1
    _check(rows[0], {"voter_count": 3, "voter_percent": 60.0, "id": -1})
    assert cast_stances_pct(5, 3) == 40


def test_anonymous_polls_store_no_voter_scores() -> None:
    _, rows = _tally("poll", [(401, "A", None)], [[(401, 1)], None], anonymous=True)
    assert rows[0]["voter_scores"] == {} and rows[0]["voter_ids"] == []
    assert rows[1]["voter_ids"] == []


def test_i18n_name_format_prefixes_option_names() -> None:
    _, rows = _tally("proposal", [(1, "agree", "agree")], [[(1, 1)]], name_format="i18n")
    assert rows[0]["name"] == "poll_proposal_options.agree"


def test_empty_poll_uses_integer_zeros() -> None:
    _, rows = _tally("poll", [(1, "A", None)], [])
    _check(
        rows[0],
        {
            "score_percent": 0,
            "max_score_percent": 0,
            "voter_percent": 0,
            "average": 0,
            "target_percent": 0,
        },
    )
    _check(rows[1], {"voter_percent": 0, "target_percent": 0})
    assert cast_stances_pct(0, 0) == 0


@pytest.mark.parametrize(
    ("voters", "undecided", "pct"),
    [(3, 1, 66), (7, 2, 71), (3, 0, 100), (6, 5, 16)],
    ids=["two-thirds-truncates", "five-sevenths", "all", "one-sixth"],
)
def test_cast_stances_pct_truncates(voters: int, undecided: int, pct: int) -> None:
    assert cast_stances_pct(voters, undecided) == pct
