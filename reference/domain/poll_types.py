"""The nine poll types of Loomio's config/poll_types.yml and the effective per-poll settings.

Pure: a poll is a dict row of the `polls` table; options are rows of `poll_options`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

HIDE_RESULTS = ("off", "until_vote", "until_closed")
NOTIFY_ON_CLOSING_SOON = ("nobody", "author", "undecided_voters", "voters")
STANCE_REASON_REQUIRED = ("disabled", "optional", "required")
VOLUMES = ("mute", "quiet", "normal", "loud")


@dataclass(frozen=True, slots=True)
class KnownOption:
    """A `common_poll_options` entry: the key a client sends and the translated texts stored."""

    key: str
    name: str
    icon: str
    meaning: str
    prompt: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PollType:
    name: str
    vote_method: str
    order_results_by: str | None = None  # "priority" | "total_score_desc"
    require_all_choices: bool = False
    validate_minimum_stance_choices: bool = False
    validate_maximum_stance_choices: bool = False
    validate_min_score: bool = False
    validate_max_score: bool = False
    validate_dots_per_person: bool = False
    defaults: dict[str, Any] = field(default_factory=dict)
    known_options: tuple[KnownOption, ...] = ()


def _missing(key: str) -> str:
    # I18n 1.14 renders a missing key as this text; two option keys of config/poll_types.yml
    # point at translations that do not exist in the English locale files.
    return f"Translation missing: en.{key}"


_ACCEPT = KnownOption(
    "accept", "Accept", "agree", "I'm willing to participate", "Why are you volunteering for this?"
)
_DECLINE = KnownOption(
    "decline",
    "Decline",
    "disagree",
    "I'm unable to participate",
    "Is there anything you'd like to say?",
)
_OBJECTION_MEANING = "I have a valid objection and think the proposal will cause harm"
_OBJECTION_PROMPT = (
    "What change to this proposal is needed to make it 'safe to try', so that you can support it?"
)
_LOOKS_GOOD_MEANING = "I'm happy with where this is going"
_LOOKS_GOOD_PROMPT = "Do you have any comments or suggestions to make the proposal better?"

_PROPOSAL_OPTIONS = (
    KnownOption(
        "agree",
        "Agree",
        "agree",
        "I support the proposal",
        "What do you like about the proposal and how will it benefit the group?",
    ),
    KnownOption(
        "abstain",
        "Abstain",
        "abstain",
        "Choosing not to, or unable to vote in this decision.",
        "Why are you abstaining, or do not feel able to vote in this decision?",
    ),
    KnownOption(
        "disagree",
        "Disagree",
        "disagree",
        "Something in this proposal needs to be changed before I can support it.",
        "How could this proposal be improved so that you can support it?",
    ),
    KnownOption(
        "block",
        "Block",
        "block",
        "I block this proposal and think it should not proceed",
        _missing("poll_templates.consensus.block_placeholder"),
    ),
    KnownOption(
        "veto",
        "Veto",
        "block",
        "I block this proposal",
        "Why do you block the proposal? What needs to change for you to support it?",
    ),
    KnownOption(
        "consent",
        "Consent",
        "agree",
        "The proposal is safe to try",
        "What do you like about the proposal and how will it benefit the organization?",
    ),
    KnownOption("objection", "Objection", "disagree", _OBJECTION_MEANING, _OBJECTION_PROMPT),
    KnownOption("object", "Object", "disagree", _OBJECTION_MEANING, _OBJECTION_PROMPT),
    KnownOption(
        "looks_good",
        _missing("poll_check_options.looks_good"),
        "agree",
        _LOOKS_GOOD_MEANING,
        _LOOKS_GOOD_PROMPT,
    ),
    _ACCEPT,
    _DECLINE,
)

_CHECK_OPTIONS = (
    KnownOption("looks_good", "Looks good", "agree", _LOOKS_GOOD_MEANING, _LOOKS_GOOD_PROMPT),
    KnownOption(
        "not_sure",
        "Not sure",
        "abstain",
        "I have a question or need more time",
        "What parts are unclear to you? How could this be solved?",
    ),
    KnownOption(
        "concerned",
        "Concerned",
        "disagree",
        "Something about this may need to change for me to consent or agree",
        "What is your concern and how might it be addressed?",
    ),
)

_THUMBS = {
    "vote_method": "show_thumbs",
    "order_results_by": "priority",
    "validate_minimum_stance_choices": True,
    "validate_dots_per_person": True,
}
_ONE = {"min_score": 1, "max_score": 1, "minimum_stance_choices": 1, "maximum_stance_choices": 1}

POLL_TYPES: dict[str, PollType] = {
    t.name: t
    for t in (
        PollType(
            name="proposal",
            **_THUMBS,
            defaults={
                "chart_type": "pie",
                **_ONE,
                "dots_per_person": 1,
                "default_duration_in_days": 7,
            },
            known_options=_PROPOSAL_OPTIONS,
        ),
        PollType(
            name="check",
            **_THUMBS,
            validate_maximum_stance_choices=True,
            defaults={
                "chart_type": "pie",
                **_ONE,
                "dots_per_person": 1,
                "default_duration_in_days": 3,
            },
            known_options=_CHECK_OPTIONS,
        ),
        PollType(
            name="count",
            **_THUMBS,
            validate_maximum_stance_choices=True,
            defaults={
                "chart_type": "bar",
                **_ONE,
                "dots_per_person": 1,
                "default_duration_in_days": 3,
            },
            known_options=(_ACCEPT, _DECLINE),
        ),
        PollType(
            name="poll",
            vote_method="choose",
            order_results_by="total_score_desc",
            validate_minimum_stance_choices=True,
            validate_maximum_stance_choices=True,
            validate_min_score=True,
            validate_max_score=True,
            defaults={"chart_type": "bar", **_ONE, "default_duration_in_days": 3},
        ),
        PollType(
            name="score",
            vote_method="score",
            order_results_by="total_score_desc",
            validate_min_score=True,
            validate_max_score=True,
            defaults={
                "chart_type": "bar",
                "min_score": 0,
                "max_score": 5,
                "minimum_stance_choices": 1,
                "default_duration_in_days": 3,
            },
        ),
        PollType(
            name="dot_vote",
            vote_method="allocate",
            order_results_by="total_score_desc",
            validate_min_score=True,
            validate_dots_per_person=True,
            defaults={
                "chart_type": "bar",
                "dots_per_person": 8,
                "min_score": 0,
                "minimum_stance_choices": 0,
                "default_duration_in_days": 3,
            },
        ),
        PollType(
            name="ranked_choice",
            vote_method="ranked_choice",
            order_results_by="total_score_desc",
            require_all_choices=True,
            validate_minimum_stance_choices=True,
            validate_min_score=True,
            defaults={
                "chart_type": "bar",
                "minimum_stance_choices": 2,
                "min_score": 1,
                "default_duration_in_days": 3,
            },
        ),
        PollType(
            name="meeting",
            vote_method="time_poll",
            order_results_by="priority",
            require_all_choices=True,
            validate_min_score=True,
            validate_max_score=True,
            defaults={
                "poll_option_name_format": "iso8601",
                "chart_type": "grid",
                "min_score": 0,
                "max_score": 2,
                "default_duration_in_days": 3,
            },
        ),
        PollType(
            name="question",
            vote_method="reason_only",
            defaults={
                "chart_type": "none",
                "min_score": 0,
                "max_score": 0,
                "minimum_stance_choices": 0,
                "maximum_stance_choices": 0,
                "dots_per_person": 0,
                "default_duration_in_days": 7,
            },
        ),
    )
}

# Poll::TEMPLATE_DEFAULT_FIELDS: effective value = column -> custom_fields -> type default.
TEMPLATE_DEFAULT_FIELDS = (
    "poll_option_name_format",
    "max_score",
    "min_score",
    "dots_per_person",
    "chart_type",
    "default_duration_in_days",
)


def poll_type_of(poll: dict[str, Any]) -> PollType:
    return POLL_TYPES[poll["poll_type"]]


def effective(poll: dict[str, Any], name: str) -> Any:
    """A TEMPLATE_DEFAULT_FIELDS value as the model reads it."""
    value = poll.get(name)
    if value is None:
        value = (poll.get("custom_fields") or {}).get(name)
    if value is None:
        value = POLL_TYPES[poll["poll_type"]].defaults.get(name)
    return value


def stored_value(poll_type: str, name: str, value: Any) -> Any:
    """The TEMPLATE_DEFAULT_FIELDS setter stores null when the value equals the type default."""
    return None if value == POLL_TYPES[poll_type].defaults.get(name) else value


def minimum_stance_choices(poll: dict[str, Any], option_count: int) -> int:
    # custom_fields is read with a symbol key, which a jsonb hash never has: only column/default.
    kind = POLL_TYPES[poll["poll_type"]]
    if kind.require_all_choices:
        return option_count
    value = poll.get("minimum_stance_choices")
    if value is None:
        value = kind.defaults.get("minimum_stance_choices")
    return 0 if value is None else int(value)


def maximum_stance_choices(poll: dict[str, Any], option_count: int) -> int:
    value = poll.get("maximum_stance_choices")
    if value is None:
        value = POLL_TYPES[poll["poll_type"]].defaults.get("maximum_stance_choices")
    return option_count if value is None else int(value)


def chart_column(poll: dict[str, Any]) -> str:
    kind = poll["poll_type"]
    if kind == "count":
        return "target_percent" if poll.get("agree_target") else "voter_percent"
    if kind in ("check", "proposal"):
        return "score_percent"
    return "max_score_percent"


_RESULT_COLUMNS = {
    "proposal": ["chart", "name", "score_percent", "voter_count", "voters"],
    "check": ["chart", "name", "voter_percent", "voter_count", "voters"],
    "ranked_choice": ["chart", "name", "rank", "score_percent", "score", "average", "voter_count"],
    "dot_vote": ["chart", "name", "score_percent", "score", "average", "voter_count"],
    "score": ["chart", "name", "score", "average", "voter_count"],
    "poll": ["chart", "name", "score_percent", "voter_count", "voters"],
    "meeting": ["chart", "name", "score", "voters"],
}


def result_columns(poll: dict[str, Any]) -> list[str]:
    if poll["poll_type"] == "count":
        if poll.get("agree_target"):
            return ["chart", "name", "target_percent", "voter_count", "voters"]
        return ["chart", "name", "voter_count", "voters"]
    return list(_RESULT_COLUMNS.get(poll["poll_type"], []))


def show_results(poll: dict[str, Any], *, voted: bool) -> bool:
    """Poll#show_results?; the API always passes voted=True."""
    hide = HIDE_RESULTS[poll["hide_results"]]
    if hide == "until_closed":
        return poll["closed_at"] is not None
    if hide == "until_vote":
        return poll["closed_at"] is not None or voted
    return True
