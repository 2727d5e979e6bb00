"""The nine Loomio poll types and their server-side defaults (polls.md section 1).

Only what the server enforces or computes with: score bounds, choice counts, dots, which
stance validations are on, result order and the undecided row. Client-form defaults
(agree_target 5, stance_reason_required for question, …) are not applied by the server.
"""

from __future__ import annotations

from dataclasses import dataclass

# Validation flags (polls.md 2.3)
MIN_CHOICES = "min_choices"
MAX_CHOICES = "max_choices"
MIN_SCORE = "min_score"
MAX_SCORE = "max_score"
DOTS = "dots"
REQUIRE_ALL = "require_all"

ALL_OPTIONS = -1  # "= number of options"

THUMB_COLORS = {
    "agree": "#00D177",
    "abstain": "#F6A82B",
    "disagree": "#F96168",
    "block": "#CE261B",
}
DEFAULT_THUMB_COLOR = "#00D177"
# poll_palette[priority mod 4]: the code divides by the number of top-level keys of
# config/colors.yml (4), not by the palette length (24).
PALETTE = ("#70C9F8", "#C8E56E", "#D38FE1", "#999FDE")
EXTRA_ROW_COLOR = "#BBBBBB"


@dataclass(frozen=True, slots=True, kw_only=True)
class PollType:
    """Type-level settings from config/poll_types.yml that the server uses."""

    name: str
    min_score: int
    max_score: int | None
    min_choices: int
    max_choices: int
    dots_per_person: int | None
    validations: frozenset[str]
    by_priority: bool
    thumbs: bool
    undecided_row: bool = True


def _t(
    name: str,
    lo: int,
    hi: int | None,
    mn: int,
    mx: int,
    dots: int | None,
    checks: str,
    by_priority: bool,
    thumbs: bool = False,
    undecided: bool = True,
) -> PollType:
    return PollType(
        name=name,
        min_score=lo,
        max_score=hi,
        min_choices=mn,
        max_choices=mx,
        dots_per_person=dots,
        validations=frozenset(checks.split()),
        by_priority=by_priority,
        thumbs=thumbs,
        undecided_row=undecided,
    )


N = ALL_OPTIONS
POLL_TYPES: dict[str, PollType] = {
    t.name: t
    for t in (
        _t("proposal", 1, 1, 1, 1, 1, "min_choices dots", True, thumbs=True),
        _t("check", 1, 1, 1, 1, 1, "min_choices max_choices dots", True, thumbs=True),
        _t("count", 1, 1, 1, 1, 1, "min_choices max_choices dots", True, thumbs=True),
        _t("poll", 1, 1, 1, 1, None, "min_choices max_choices min_score max_score", False),
        _t("score", 0, 5, 1, N, None, "min_score max_score", False),
        _t("dot_vote", 0, None, 0, N, 8, "min_score dots", False),
        _t("ranked_choice", 1, None, N, N, None, "min_choices min_score require_all", False),
        _t("meeting", 0, 2, N, N, None, "min_score max_score require_all", True, undecided=False),
        _t("question", 0, 0, 0, 0, 0, "", True),
    )
}


def poll_type(name: str) -> PollType:
    """The PollType called `name`, or ValueError naming the nine valid ones."""
    try:
        return POLL_TYPES[name]
    except KeyError:
        raise ValueError(
            f"unknown poll_type {name!r}; expected one of {sorted(POLL_TYPES)}"
        ) from None
