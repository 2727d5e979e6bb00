"""Vote counting and the `results` rows of a poll, as Loomio computes them. Pure.

`count_votes` is Poll#update_counts! (stored on poll_options and polls); `results` is
PollService.calculate_results, run on every serialization from the stored counts.
Floats come from the same operations in the same order as the Ruby (`a.to_f / b.to_f * 100`),
so they match Loomio bit for bit; integer 0 stays an int where Ruby returns the literal 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reference import faults
from reference.domain.poll_options import RESULT_EXTRA_ROW_COLOR, option_color, option_icon
from reference.domain.poll_types import POLL_TYPES, effective

F_PROPOSAL_ROUNDED = faults.declare(
    "tally_proposal_percent_rounded",
    "tally",
    "proposal results round score_percent to 2 decimals (16.67 instead of 16.666666666666664)",
)
F_CHECK_UNDECIDED = faults.declare(
    "tally_check_undecided_in_score_percent",
    "tally",
    "check results divide score_percent by total score plus undecided voters",
)
F_COUNT_CAPPED = faults.declare(
    "tally_count_target_percent_capped",
    "tally",
    "count results cap target_percent at 100.0 (Loomio lets it exceed 100)",
)
F_POLL_BY_PRIORITY = faults.declare(
    "tally_poll_results_by_priority",
    "tally",
    "poll (choose) results keep option priority order instead of total score descending",
)
F_SCORE_INT_AVERAGE = faults.declare(
    "tally_score_average_integer_division",
    "tally",
    "score results compute average with integer division (3 instead of 3.6666666666666665)",
)
F_RANKED_REVERSED = faults.declare(
    "tally_ranked_choice_order_reversed",
    "tally",
    "ranked_choice results sort by total points ascending (points read as ranks, lowest wins)",
)
F_MEETING_UNDECIDED = faults.declare(
    "tally_meeting_undecided_row",
    "tally",
    "meeting results get the undecided row (id -1) that Loomio leaves out for time polls",
)
F_NOTA_MASKED = faults.declare(
    "tally_none_of_the_above_masked",
    "tally",
    "the none-of-the-above row's voter_ids are [] in anonymous polls, as the undecided row's",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CountedStance:
    """A latest, non-revoked stance with its choices as (poll_option_id, score) in id order."""

    id: int
    participant_id: int | None
    cast: bool
    none_of_the_above: bool
    choices: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionCounts:
    total_score: int
    voter_count: int
    voter_scores: dict[str, int]


@dataclass(frozen=True, slots=True, kw_only=True)
class PollCounts:
    options: dict[int, OptionCounts]
    stance_counts: list[int]
    voters_count: int
    undecided_voters_count: int
    none_of_the_above_count: int


def count_votes(
    option_ids: list[int], stances: list[CountedStance], *, anonymous: bool
) -> PollCounts:
    """Poll#update_counts! over the latest non-revoked stances; option_ids in priority order."""
    totals = dict.fromkeys(option_ids, 0)
    voters = dict.fromkeys(option_ids, 0)
    scores: dict[int, dict[str, int]] = {i: {} for i in option_ids}
    for stance in stances:
        for option_id, score in stance.choices:
            if option_id not in totals:
                continue
            totals[option_id] += score
            voters[option_id] += 1  # one per choice row: a score of 0 still counts
            if stance.participant_id is not None and not anonymous:
                scores[option_id][str(stance.participant_id)] = score
    return PollCounts(
        options={
            i: OptionCounts(total_score=totals[i], voter_count=voters[i], voter_scores=scores[i])
            for i in option_ids
        },
        stance_counts=[totals[i] for i in option_ids],
        voters_count=len(stances),
        undecided_voters_count=sum(1 for s in stances if not s.cast),
        none_of_the_above_count=sum(1 for s in stances if s.cast and s.none_of_the_above),
    )


def _percent(part: int, whole: int | float) -> float | int:
    """Ruby `whole > 0 ? part.to_f / whole.to_f * 100 : 0`."""
    return float(part) / float(whole) * 100 if whole > 0 else 0


def _voter_ids(poll_type: str, voter_scores: dict[str, int]) -> list[int]:
    # PollOption#voter_ids: for meeting polls a 0 ("no") is a vote; elsewhere it is not.
    if poll_type == "meeting":
        return [int(k) for k in voter_scores][:500]
    return [int(k) for k, v in voter_scores.items() if v != 0][:500]


def _sorted_options(poll: dict[str, Any], options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kind = poll["poll_type"]
    by_priority = POLL_TYPES[kind].order_results_by == "priority"
    if kind == "poll" and F_POLL_BY_PRIORITY.on:
        by_priority = True
    if by_priority:
        return sorted(options, key=lambda o: o["priority"])
    if kind == "ranked_choice" and F_RANKED_REVERSED.on:
        return sorted(options, key=lambda o: o["total_score"])
    # Ruby's sort_by is not stable: ties have no defined order. Priority breaks them here.
    return sorted(options, key=lambda o: (-o["total_score"], o["priority"]))


def _option_row(poll: dict[str, Any], option: dict[str, Any], rank: int) -> dict[str, Any]:
    kind = poll["poll_type"]
    total = option["total_score"]
    poll_total = sum(poll["stance_counts"])
    name_format = effective(poll, "poll_option_name_format")
    icon = option_icon(option)
    agree_target = poll.get("agree_target") or 0
    target = _percent(total, agree_target) if icon == "agree" and agree_target > 0 else 0
    if kind == "count" and F_COUNT_CAPPED.on and target:
        target = min(target, 100.0)
    score_whole = poll_total
    if kind == "check" and F_CHECK_UNDECIDED.on:
        score_whole = poll_total + poll["undecided_voters_count"]
    score_percent = _percent(total, score_whole) if poll_total > 0 else 0
    if kind == "proposal" and F_PROPOSAL_ROUNDED.on and score_percent:
        score_percent = round(score_percent, 2)
    voter_count = option["voter_count"]
    average: float | int = float(total) / float(voter_count) if voter_count else 0
    if kind == "score" and F_SCORE_INT_AVERAGE.on and voter_count:
        average = total // voter_count
    return {
        "id": option["id"],
        "poll_id": option["poll_id"],
        "name": f"poll_{kind}_options.{option['name']}"
        if name_format == "i18n"
        else option["name"],
        "name_format": name_format,
        "icon": icon,
        "rank": rank,
        "score": total,
        "target_percent": target,
        "score_percent": score_percent,
        "max_score_percent": _percent(total, max(poll["stance_counts"])) if poll_total > 0 else 0,
        "voter_percent": _percent(voter_count, poll["voters_count"]),
        "average": average,
        "voter_scores": option["voter_scores"],
        "voter_ids": _voter_ids(kind, option["voter_scores"]),
        "voter_count": voter_count,
        "color": option_color(kind, option),
    }


def _extra_row(
    poll: dict[str, Any], row_id: int, name: str, count: int, voter_ids: list[int]
) -> dict[str, Any]:
    share = _percent(count, poll["voters_count"])
    return {
        "id": row_id,
        "poll_id": poll["id"],
        "name": name,
        "name_format": "i18n",
        "rank": None,
        "score": 0,
        "score_percent": 0,
        "max_score_percent": 0,
        "target_percent": share,
        "voter_percent": share,
        "average": 0,
        "voter_scores": {},
        "voter_ids": voter_ids[:500],
        "voter_count": count,
        "color": RESULT_EXTRA_ROW_COLOR,
    }


def results(
    poll: dict[str, Any],
    options: list[dict[str, Any]],
    *,
    undecided_voter_ids: list[int],
    none_of_the_above_voter_ids: list[int],
) -> list[dict[str, Any]]:
    """PollService.calculate_results from the stored counts of `poll` and its option rows.

    undecided_voter_ids must already be [] for anonymous polls (Poll#undecided_voters);
    none_of_the_above_voter_ids are never masked.
    """
    rows = [
        _option_row(poll, option, rank)
        for rank, option in enumerate(_sorted_options(poll, options), start=1)
    ]
    if poll["show_none_of_the_above"]:
        rows.append(
            _extra_row(
                poll,
                0,
                "poll_common_form.none_of_the_above",
                poll["none_of_the_above_count"],
                [] if poll["anonymous"] and F_NOTA_MASKED.on else none_of_the_above_voter_ids,
            )
        )
    if poll["poll_type"] != "meeting" or F_MEETING_UNDECIDED.on:
        rows.append(
            _extra_row(
                poll,
                -1,
                "poll_common_votes_panel.undecided",
                poll["undecided_voters_count"],
                undecided_voter_ids,
            )
        )
    return rows


def cast_stances_pct(voters_count: int, undecided_voters_count: int) -> int:
    """Poll#cast_stances_pct: the integer part of decided / voters * 100 (truncated)."""
    if voters_count == 0:
        return 0
    return int(float(voters_count - undecided_voters_count) / voters_count * 100)
