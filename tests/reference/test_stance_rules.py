"""Stance validation against the worked oracles of polls.md section 2.3 (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from reference.domain.poll_options import option_color, option_icon, plan_option_names
from reference.domain.stance_rules import stance_errors


def _poll(poll_type: str, **columns: Any) -> dict[str, Any]:
    poll = {
        "poll_type": poll_type,
        "custom_fields": {},
        "limit_reason_length": True,
        "stance_reason_required": 1,
        "show_none_of_the_above": False,
        "minimum_stance_choices": None,
        "maximum_stance_choices": None,
    }
    poll.update(columns)
    return poll


CASES = [
    ("proposal-one", _poll("proposal"), 2, [(1, 1)], set()),
    ("proposal-none", _poll("proposal"), 2, [], {"stance_choices"}),
    ("proposal-two-dots", _poll("proposal"), 2, [(1, 1), (2, 1)], {"dots_per_person"}),
    ("check-two", _poll("check"), 3, [(1, 1), (2, 1)], {"stance_choices", "dots_per_person"}),
    (
        "poll-max-2",
        _poll("poll", maximum_stance_choices=2),
        3,
        [(1, 1), (2, 1), (3, 1)],
        {"stance_choices"},
    ),
    ("score-6", _poll("score"), 1, [(1, 6)], {"stance_choices"}),
    ("score-empty", _poll("score"), 2, [], set()),
    ("dot-vote-9", _poll("dot_vote"), 2, [(1, 5), (2, 4)], {"dots_per_person"}),
    ("dot-vote-negative", _poll("dot_vote"), 2, [(1, -1), (2, 2)], {"stance_choices"}),
    ("ranked-3-of-4", _poll("ranked_choice"), 4, [(1, 4), (2, 3), (3, 2)], {"stance_choices"}),
    ("ranked-dup-ranks", _poll("ranked_choice"), 4, [(1, 4), (2, 4), (3, 1), (4, 1)], set()),
    ("meeting-210", _poll("meeting"), 3, [(1, 2), (2, 1), (3, 0)], set()),
    ("meeting-230", _poll("meeting"), 3, [(1, 2), (2, 3), (3, 0)], {"stance_choices"}),
    ("meeting-2-slots", _poll("meeting"), 3, [(1, 2), (2, 1)], {"stance_choices"}),
]


@pytest.mark.parametrize(
    ("poll", "n", "choices", "keys"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_choice_rules(
    poll: dict[str, Any], n: int, choices: list[tuple[int, int]], keys: set[str]
) -> None:
    errors = stance_errors(
        poll,
        list(range(1, n + 1)),
        choices,
        none_of_the_above=False,
        reason=None,
        reason_format="md",
    )
    assert set(errors) == keys


def test_question_reason_required_needs_more_than_five_visible_characters() -> None:
    poll = _poll("question", stance_reason_required=2)
    short = stance_errors(
        poll, [], [], none_of_the_above=False, reason="<p>ok</p>", reason_format="html"
    )
    assert short == {"reason": ["Please provide a reason with your vote"]}
    assert not stance_errors(
        poll, [], [], none_of_the_above=False, reason="<p>fine by me</p>", reason_format="html"
    )


def test_none_of_the_above_cannot_be_combined_with_a_choice() -> None:
    poll = _poll("poll", show_none_of_the_above=True)
    errors = stance_errors(
        poll, [1, 2], [(1, 1)], none_of_the_above=True, reason=None, reason_format="md"
    )
    assert list(errors) == ["none_of_the_above"]
    assert not stance_errors(
        poll, [1, 2], [], none_of_the_above=True, reason=None, reason_format="md"
    )


def test_reason_longer_than_500_visible_characters_is_too_long() -> None:
    errors = stance_errors(
        _poll("proposal"),
        [1],
        [(1, 1)],
        none_of_the_above=False,
        reason="x" * 501,
        reason_format="md",
    )
    assert errors == {"reason": ["Too long"]}


def test_known_option_keys_are_translated_and_get_icons() -> None:
    plans = plan_option_names("proposal", [], ["agree", "disagree", "Maybe"])
    assert [(p.name, p.icon, p.priority) for p in plans] == [
        ("Agree", "agree", 0),
        ("Disagree", "disagree", 1),
        ("Maybe", None, 2),
    ]
    assert plans[0].meaning == "I support the proposal"
    check = plan_option_names("check", [], ["looks_good"])
    assert (check[0].name, check[0].icon) == ("Looks good", "agree")


def test_meeting_option_names_are_sorted() -> None:
    plans = plan_option_names("meeting", [], ["2025-07-02", "2025-07-01"])
    assert [(p.name, p.priority) for p in plans] == [("2025-07-01", 0), ("2025-07-02", 1)]


def test_removed_names_are_destroyed() -> None:
    existing = [{"id": 1, "name": "A", "priority": 0}, {"id": 2, "name": "B", "priority": 1}]
    plans = plan_option_names("poll", existing, ["B", "C"])
    assert [(p.id, p.name, p.priority, p.destroy) for p in plans] == [
        (1, "A", 0, True),
        (2, "B", 0, False),
        (None, "C", 1, False),
    ]


@pytest.mark.parametrize(
    ("poll_type", "option", "color"),
    [
        ("proposal", {"name": "Agree", "icon": "agree", "priority": 0}, "#00D177"),
        ("check", {"name": "Not sure", "icon": "abstain", "priority": 1}, "#F6A82B"),
        ("count", {"name": "Maybe", "icon": None, "priority": 2}, "#00D177"),
        ("proposal", {"name": "block", "icon": None, "priority": 3}, "#CE261B"),
        ("poll", {"name": "E", "icon": None, "priority": 4}, "#70C9F8"),
        ("dot_vote", {"name": "F", "icon": None, "priority": 7}, "#999FDE"),
    ],
    ids=[
        "agree",
        "abstain",
        "unknown-thumb",
        "name-derived-icon",
        "palette-wraps-at-4",
        "palette-7",
    ],
)
def test_option_colours(poll_type: str, option: dict[str, Any], color: str) -> None:
    assert option_color(poll_type, option) == color


def test_name_derived_icons() -> None:
    assert option_icon({"name": "yes", "icon": None}) == "agree"
    assert option_icon({"name": "Yes", "icon": None}) is None
