"""Stance validation oracle: valid, or 422 with the error keys of polls.md section 2.3.

`validate_stance(poll, submission)` applies the rules that are on for the poll's type
(`PollType.validations`) with the effective settings (stored per-poll value, else the type
default; minimum choices capped at the number of options, always all options for
ranked_choice and meeting). None-of-the-above skips every other choice rule. Reason rules
count the *visible* text: HTML tags stripped and entities decoded.

Not validated by Loomio, so not here either: duplicate options in one stance, duplicate
ranks, options of another poll, a score ceiling for ranked_choice and dot_vote.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from properties.oracles.poll_inputs import Poll, Submission
from properties.oracles.poll_types import (
    ALL_OPTIONS,
    DOTS,
    MAX_CHOICES,
    MAX_SCORE,
    MIN_CHOICES,
    MIN_SCORE,
    REQUIRE_ALL,
    poll_type,
)

MAX_REASON = 500  # "shorter than 501 characters"
MIN_REQUIRED_REASON = 5  # "longer than 5 characters"
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Validation:
    """200 with no errors, or 422 with the error keys (`stance_choices`, `reason`, …)."""

    status: int
    errors: frozenset[str]

    @property
    def valid(self) -> bool:
        return self.status == 200


def visible_text(reason: str, reason_format: str = "html") -> str:
    """The reason's text as the length rules see it (tags stripped for html)."""
    return html.unescape(_TAG.sub("", reason)) if reason_format == "html" else reason


def effective_min_choices(poll: Poll) -> int:
    kind, n = poll_type(poll.poll_type), len(poll.options)
    if kind.min_choices == ALL_OPTIONS:
        return n
    stored = poll.minimum_stance_choices
    value = kind.min_choices if stored is None else stored
    return min(value, n)  # saved polls cap the minimum at the number of options


def effective_max_choices(poll: Poll) -> int:
    kind, n = poll_type(poll.poll_type), len(poll.options)
    if poll.maximum_stance_choices is not None:
        return poll.maximum_stance_choices
    return n if kind.max_choices == ALL_OPTIONS else kind.max_choices


def _setting(stored: int | None, default: int | None) -> int | None:
    return default if stored is None else stored


def _choice_errors(poll: Poll, scores: list[int]) -> set[str]:
    kind, errors = poll_type(poll.poll_type), set()
    rules = kind.validations
    low, high = min(scores, default=0), max(scores, default=0)
    min_score = _setting(poll.min_score, kind.min_score)
    max_score = _setting(poll.max_score, kind.max_score)
    dots = _setting(poll.dots_per_person, kind.dots_per_person)
    if MIN_CHOICES in rules and len(scores) < effective_min_choices(poll):
        errors.add("stance_choices")
    if MAX_CHOICES in rules and len(scores) > effective_max_choices(poll):
        errors.add("stance_choices")
    if MIN_SCORE in rules and min_score is not None and low < min_score:
        errors.add("stance_choices")
    if MAX_SCORE in rules and max_score is not None and high > max_score:
        errors.add("stance_choices")
    if DOTS in rules and dots is not None and sum(scores) > dots:
        errors.add("dots_per_person")
    if REQUIRE_ALL in rules and poll.options and len(scores) != len(poll.options):
        errors.add("stance_choices")
    lo, hi = poll.legacy_min_score, poll.legacy_max_score
    if any((lo is not None and s < lo) or (hi is not None and s > hi) for s in scores):
        errors.add("stance_choices.score")
    return errors


def validate_stance(poll: Poll, submission: Submission) -> Validation:
    """Expected answer to casting `submission` in `poll` (an allowed voter, active poll)."""
    errors: set[str] = set()
    scores = [1 if score is None else score for _, score in submission.choices]
    if submission.none_of_the_above:
        if not poll.show_none_of_the_above or scores:
            errors.add("none_of_the_above")
    else:
        errors |= _choice_errors(poll, scores)
    text = visible_text(submission.reason, submission.reason_format)
    if poll.limit_reason_length and len(text) > MAX_REASON:
        errors.add("reason")
    if poll.stance_reason_required == "required" and len(text) <= MIN_REQUIRED_REASON:
        errors.add("reason")
    return Validation(422 if errors else 200, frozenset(errors))
