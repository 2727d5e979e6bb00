"""Validation of a cast stance (Stance model validations), as a 422 errors hash. Pure."""

from __future__ import annotations

import html
import re
from typing import Any

from reference import faults
from reference.domain.poll_types import (
    POLL_TYPES,
    STANCE_REASON_REQUIRED,
    effective,
    maximum_stance_choices,
    minimum_stance_choices,
)

F_DOT_VOTE_DOTS = faults.declare(
    "tally_dot_vote_dots_unchecked",
    "tally",
    "dot_vote accepts a stance whose scores add up to more than dots_per_person",
)

_TAG = re.compile(r"<[^>]*>")


def visible_text(text: str | None) -> str:
    """Nokogiri's `.text` of the reason: tags dropped, entities decoded."""
    return html.unescape(_TAG.sub("", text or ""))


def stance_errors(
    poll: dict[str, Any],
    option_ids: list[int],
    choices: list[tuple[int, int]],
    *,
    none_of_the_above: bool,
    reason: str | None,
    reason_format: str,
) -> dict[str, list[str]]:
    """Errors of a stance being cast with `choices` [(poll_option_id, score)].

    option_ids are the poll's options; a choice for an option that does not exist at all
    fails the stance choice's presence check (it may belong to another poll: not checked).
    Keys come in the order Rails adds them.
    """
    errors: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        errors.setdefault(key, []).append(message)

    if reason_format not in ("html", "md"):
        add("reason_format", "is not included in the list")
    kind = POLL_TYPES[poll["poll_type"]]
    scores = [score for _, score in choices]
    n_options = len(option_ids)
    if not none_of_the_above:
        if kind.validate_minimum_stance_choices and len(choices) < minimum_stance_choices(
            poll, n_options
        ):
            add("stance_choices", "too few stance choices")
        if kind.validate_maximum_stance_choices and len(choices) > maximum_stance_choices(
            poll, n_options
        ):
            add("stance_choices", "too many stance choices")
        if kind.validate_max_score and max(scores, default=0) > effective(poll, "max_score"):
            add("stance_choices", "max_score validation failure")
        if kind.validate_min_score and min(scores, default=0) < effective(poll, "min_score"):
            add("stance_choices", "min_score validation failure")
        dots_checked = kind.validate_dots_per_person and not (
            kind.name == "dot_vote" and F_DOT_VOTE_DOTS.on
        )
        if dots_checked and sum(scores) > int(effective(poll, "dots_per_person") or 0):
            add("dots_per_person", "Too many dots")
    text = visible_text(reason)
    if poll["limit_reason_length"] and len(text) >= 501:
        add("reason", "Too long")
    if STANCE_REASON_REQUIRED[poll["stance_reason_required"]] == "required" and len(text) <= 5:
        add("reason", "Please provide a reason with your vote")
    if (
        not none_of_the_above
        and kind.require_all_choices
        and n_options
        and len(choices) != n_options
    ):
        add("stance_choices", "require_all_stance_choices")
    if none_of_the_above:
        if not poll["show_none_of_the_above"]:
            add("none_of_the_above", "none_of_the_above not permitted for this poll")
        if choices:
            add("none_of_the_above", "you cant choose options pluss none_of_the_above")
    return errors


def choice_errors(
    poll: dict[str, Any], existing_option_ids: set[int], choices: list[tuple[int | None, int]]
) -> dict[str, list[str]]:
    """Nested stance choice errors (autosaved records), added before the stance's own."""
    errors: dict[str, list[str]] = {}
    custom = poll.get("custom_fields") or {}
    for option_id, score in choices:
        if option_id is None or option_id not in existing_option_ids:
            errors.setdefault("stance_choices.poll_option", []).extend(
                ["must exist", "can't be blank"]
            )
        if custom.get("min_score") is not None and score < int(custom["min_score"]):
            errors.setdefault("stance_choices.score", []).append("Score lower than permitted min")
        if custom.get("max_score") is not None and score > int(custom["max_score"]):
            errors.setdefault("stance_choices.score", []).append("Score higher than permitted max")
    return errors
