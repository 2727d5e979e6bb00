"""Tally oracle: poll counts and `results` rows exactly as Loomio's Rails app emits them.

`tally(poll, stances)` computes the stored counts of polls.md 3.1 (per-option total_score,
voter_count, voter_scores; stance_counts, voters_count, undecided and none-of-the-above
counts) and the serializer's derived fields (total_score, decided_voters_count,
cast_stances_pct truncated), and `results` rows of 3.2: priority or total-desc order, rank,
the percentages computed in Ruby's operation order (`total.to_f / x * 100`, so 1/6 gives
16.666666666666664) with integer `0` where Ruby returns an integer, average, voter ids,
colours, and the none-of-the-above and undecided rows.

`poll_fields` applies the visibility rules of 3.3 (hidden results) and api-envelope 3.3
(discarded polls); `stance_view` the stance field hiding and anonymity. Ties in a
total-desc order have no defined order in Ruby: `compare_results` (in `results_compare`)
compares tied rows as a set. Stance validation (2.3) is `validate_stance`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from properties.oracles.poll_inputs import Option, Poll, Stance, Submission
from properties.oracles.poll_types import (
    DEFAULT_THUMB_COLOR,
    EXTRA_ROW_COLOR,
    PALETTE,
    THUMB_COLORS,
    poll_type,
)
from properties.oracles.results_compare import compare_results, tie_groups
from properties.oracles.stance_validation import Validation, validate_stance

__all__ = [
    "Option",
    "OptionTally",
    "Poll",
    "Stance",
    "StanceView",
    "Submission",
    "Tally",
    "Validation",
    "compare_results",
    "option_color",
    "poll_fields",
    "stance_view",
    "tally",
    "tie_groups",
    "validate_stance",
]

MAX_VOTER_IDS = 500
STANCE_PRIVATE_KEYS = frozenset(
    {"reason", "option_scores", "attachments", "link_previews", "mentioned_usernames"}
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionTally:
    """Stored counts of one option (update_counts!)."""

    option: Option
    total_score: int
    voter_count: int
    voter_scores: dict[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class Tally:
    """Everything the poll JSON derives from options and stances."""

    options: tuple[OptionTally, ...]
    stance_counts: tuple[int, ...]
    voters_count: int
    undecided_voters_count: int
    decided_voters_count: int
    none_of_the_above_count: int
    cast_stances_pct: int
    total_score: int
    results: tuple[dict[str, Any], ...]


def option_color(kind: str, option: Option) -> str:
    """Thumb types colour by icon; the others by poll_palette[priority mod 4]."""
    if poll_type(kind).thumbs:
        return THUMB_COLORS.get(option.icon or "", DEFAULT_THUMB_COLOR)
    return PALETTE[option.priority % len(PALETTE)]


def _percent(part: float, whole: float) -> float | int:
    """Ruby's `part.to_f / whole * 100` when whole > 0, else the integer 0."""
    return float(part) / whole * 100 if whole > 0 else 0


def _option_tally(poll: Poll, option: Option, stances: list[Stance]) -> OptionTally:
    total, count, scores = 0, 0, {}
    for stance in stances:
        for option_id, score in stance.choices:
            if option_id == option.id:
                total += score
                count += 1
                scores[str(stance.participant)] = score
    return OptionTally(
        option=option,
        total_score=total,
        voter_count=count,
        voter_scores={} if poll.anonymous else scores,
    )


def _option_row(poll: Poll, o: OptionTally, rank: int, t: dict[str, Any]) -> dict[str, Any]:
    name = o.option.name
    if poll.poll_option_name_format == "i18n":
        name = f"poll_{poll.poll_type}_options.{name}"
    target = poll.agree_target or 0
    # voters who gave a non-zero score; every voter for meeting polls
    ids = [int(k) for k, v in o.voter_scores.items() if v != 0 or poll.poll_type == "meeting"]
    return {
        "id": o.option.id,
        "poll_id": poll.id,
        "name": name,
        "name_format": poll.poll_option_name_format,
        "icon": o.option.icon,
        "rank": rank,
        "score": o.total_score,
        "target_percent": _percent(o.total_score, target) if o.option.icon == "agree" else 0,
        "score_percent": _percent(o.total_score, t["total_score"]),
        "max_score_percent": _percent(o.total_score, t["max"]) if t["total_score"] > 0 else 0,
        "voter_percent": _percent(o.voter_count, t["voters_count"]),
        "average": float(o.total_score) / o.voter_count if o.voter_count > 0 else 0,
        "voter_scores": o.voter_scores,
        "voter_ids": ids[:MAX_VOTER_IDS],
        "voter_count": o.voter_count,
        "color": option_color(poll.poll_type, o.option),
    }


def _extra_row(
    poll: Poll, row_id: int, name: str, count: int, ids: list[Any], voters: int
) -> dict[str, Any]:
    """The none-of-the-above (id 0) or undecided (id -1) row; neither has an `icon` key."""
    share = _percent(count, voters)
    return {
        "id": row_id,
        "poll_id": poll.id,
        "name": name,
        "name_format": "i18n",
        "rank": None,
        "score": 0,
        "target_percent": share,
        "score_percent": 0,
        "max_score_percent": 0,
        "voter_percent": share,
        "average": 0,
        "voter_scores": {},
        "voter_ids": ids,
        "voter_count": count,
        "color": EXTRA_ROW_COLOR,
    }


def _results(
    poll: Poll, options: list[OptionTally], counted: list[Stance], totals: dict[str, Any]
) -> tuple[dict[str, Any], ...]:
    kind = poll_type(poll.poll_type)
    if kind.by_priority:
        ordered = sorted(options, key=lambda o: o.option.priority)
    else:  # total desc; ties have no defined order in Ruby, priority here
        ordered = sorted(options, key=lambda o: (-o.total_score, o.option.priority))
    rows = [_option_row(poll, o, i, totals) for i, o in enumerate(ordered, start=1)]
    voters = totals["voters_count"]
    if poll.show_none_of_the_above:
        nota = [s for s in counted if s.cast and s.none_of_the_above]
        # not masked for anonymous polls, but closing one erases participants (polls.md 4)
        ids = [s.participant for s in nota if s.participant is not None]
        rows.append(
            _extra_row(poll, 0, "poll_common_form.none_of_the_above", len(nota), ids, voters)
        )
    if kind.undecided_row:
        undecided = [s for s in counted if not s.cast]
        ids = [] if poll.anonymous else [s.participant for s in undecided]
        rows.append(
            _extra_row(poll, -1, "poll_common_votes_panel.undecided", len(undecided), ids, voters)
        )
    return tuple(rows)


def tally(poll: Poll, stances: Iterable[Stance]) -> Tally:
    """Counts and results of `poll` given all its stances (non-latest/revoked are ignored)."""
    counted = [s for s in stances if s.counts]
    by_priority = sorted(poll.options, key=lambda o: o.priority)
    options = [_option_tally(poll, o, counted) for o in by_priority]
    stance_counts = tuple(o.total_score for o in options)
    voters = len(counted)
    undecided = sum(1 for s in counted if not s.cast)
    decided = voters - undecided
    totals = {
        "total_score": sum(stance_counts),
        "max": max(stance_counts, default=0),
        "voters_count": voters,
    }
    return Tally(
        options=tuple(options),
        stance_counts=stance_counts,
        voters_count=voters,
        undecided_voters_count=undecided,
        decided_voters_count=decided,
        none_of_the_above_count=sum(1 for s in counted if s.cast and s.none_of_the_above),
        # integer part of decided / voters * 100, in that operation order
        cast_stances_pct=int(float(decided) / voters * 100) if voters else 0,
        total_score=sum(stance_counts),
        results=_results(poll, options, counted, totals),
    )


COUNT_FIELDS = (
    "voters_count",
    "undecided_voters_count",
    "decided_voters_count",
    "cast_stances_pct",
    "total_score",
)


def poll_fields(poll: Poll, result: Tally) -> dict[str, Any]:
    """The count/result keys of the poll JSON: left out while hidden, null when discarded."""
    fields: dict[str, Any] = {name: getattr(result, name) for name in COUNT_FIELDS}
    if not poll.results_hidden:
        fields["stance_counts"] = list(result.stance_counts)
        fields["results"] = [dict(r) for r in result.results]  # still sent when discarded
    if poll.discarded:
        for name in (*COUNT_FIELDS, "stance_counts"):
            if name in fields:
                fields[name] = None
    return fields


@dataclass(frozen=True, slots=True)
class StanceView:
    """How one stance serializes for a caller: its participant_id and the keys left out."""

    participant_id: int | None
    omitted: frozenset[str]


def stance_view(poll: Poll, stance: Stance, *, own: bool) -> StanceView:
    """Stance JSON visibility (polls.md 3.3, 3.4; api-envelope 3.1)."""
    hidden = stance.revoked or (not own and poll.results_hidden)
    return StanceView(
        participant_id=None if poll.anonymous else stance.participant,
        omitted=STANCE_PRIVATE_KEYS if hidden else frozenset(),
    )
