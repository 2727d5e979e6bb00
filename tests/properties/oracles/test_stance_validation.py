"""The stance validation oracle on the worked table of polls.md section 2.3."""

from __future__ import annotations

import pytest

from properties.oracles.tallies import Option, Poll, Submission, validate_stance


def _poll(kind: str, n: int, **settings) -> Poll:
    options = tuple(Option(id=i + 1, name=f"o{i + 1}", priority=i) for i in range(n))
    return Poll(poll_type=kind, options=options, **settings)


def _sub(*scores: int | None, **kwargs) -> Submission:
    return Submission(choices=[(i + 1, s) for i, s in enumerate(scores)], **kwargs)


# (id, poll, submission, expected error keys; empty = valid)
CASES = [
    ("proposal-one-agree", _poll("proposal", 2), _sub(1), set()),
    ("proposal-empty", _poll("proposal", 2), _sub(), {"stance_choices"}),
    ("proposal-two-choices-dots", _poll("proposal", 2), _sub(1, 1), {"dots_per_person"}),
    ("check-two-choices", _poll("check", 3), _sub(1, 1), {"stance_choices", "dots_per_person"}),
    (
        "poll-min1-max2-three",
        _poll("poll", 3, maximum_stance_choices=2),
        _sub(1, 1, 1),
        {"stance_choices"},
    ),
    ("score-above-max", _poll("score", 1), _sub(6), {"stance_choices"}),
    ("score-empty", _poll("score", 3), _sub(), set()),
    ("dot-vote-too-many-dots", _poll("dot_vote", 2), _sub(5, 4), {"dots_per_person"}),
    ("dot-vote-negative", _poll("dot_vote", 2), _sub(-1, 2), {"stance_choices"}),
    ("ranked-three-of-four", _poll("ranked_choice", 4), _sub(4, 3, 2), {"stance_choices"}),
    ("ranked-duplicate-ranks", _poll("ranked_choice", 4), _sub(4, 4, 1, 1), set()),
    ("meeting-2-1-0", _poll("meeting", 3), _sub(2, 1, 0), set()),
    ("meeting-above-max", _poll("meeting", 3), _sub(2, 3, 0), {"stance_choices"}),
    ("meeting-two-of-three", _poll("meeting", 3), _sub(2, 1), {"stance_choices"}),
    (
        "question-reason-too-short",
        _poll("question", 0, stance_reason_required="required"),
        _sub(reason="ok"),
        {"reason"},
    ),
    (
        "nota-with-choice",
        _poll("poll", 3, show_none_of_the_above=True),
        _sub(1, none_of_the_above=True),
        {"none_of_the_above"},
    ),
    # beyond the table
    ("nota-not-offered", _poll("poll", 3), _sub(none_of_the_above=True), {"none_of_the_above"}),
    (
        "nota-alone-skips-choice-rules",
        _poll("poll", 3, show_none_of_the_above=True),
        _sub(none_of_the_above=True),
        set(),
    ),
    ("score-defaults-to-one", _poll("proposal", 2), _sub(None), set()),
    (
        "reason-500-visible-chars",
        _poll("proposal", 1),
        _sub(1, reason=f"<p>{'x' * 500}</p>"),
        set(),
    ),
    ("reason-501-visible-chars", _poll("proposal", 1), _sub(1, reason="x" * 501), {"reason"}),
    (
        "reason-length-unlimited",
        _poll("proposal", 1, limit_reason_length=False),
        _sub(1, reason="x" * 900),
        set(),
    ),
    (
        "reason-required-six-chars",
        _poll("question", 0, stance_reason_required="required"),
        _sub(reason="<b>enough</b>"),
        set(),
    ),
    (
        "legacy-score-bounds",
        _poll("score", 1, legacy_max_score=3),
        _sub(4),
        {"stance_choices.score"},
    ),
    ("min-choices-capped-at-options", _poll("poll", 1, minimum_stance_choices=3), _sub(1), set()),
    ("dots-override", _poll("dot_vote", 2, dots_per_person=10), _sub(5, 4), set()),
    ("question-ignores-choices", _poll("question", 0), _sub(), set()),
    ("ranked-no-score-ceiling", _poll("ranked_choice", 2), _sub(9, 9), set()),
]


@pytest.mark.parametrize(
    ("poll", "submission", "errors"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_validation_table(poll, submission, errors):
    result = validate_stance(poll, submission)
    assert result.errors == frozenset(errors)
    assert result.status == (422 if errors else 200)
    assert result.valid is (not errors)
