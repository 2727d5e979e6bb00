"""Poll options: names from the `options` list, translated known keys, icons, colours. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reference.domain.poll_types import POLL_TYPES

# PollOption#icon falls back to a name-derived icon when the column is null.
_ICON_BY_NAME = {
    "agree": "agree",
    "disagree": "disagree",
    "abstain": "abstain",
    "block": "block",
    "consent": "agree",
    "objection": "disagree",
    "yes": "agree",
    "no": "disagree",
}
THUMB_COLORS = {"agree": "#00D177", "abstain": "#F6A82B", "disagree": "#F96168", "block": "#CE261B"}
# config/colors.yml `poll` palette; only the first four are reachable because Loomio takes the
# priority modulo the number of top-level keys of colors.yml (4), not the palette length.
POLL_PALETTE = ("#70C9F8", "#C8E56E", "#D38FE1", "#999FDE")
RESULT_EXTRA_ROW_COLOR = "#BBBBBB"


def option_icon(option: dict[str, Any]) -> str | None:
    return option.get("icon") or _ICON_BY_NAME.get(option["name"])


def option_color(poll_type: str, option: dict[str, Any]) -> str:
    if POLL_TYPES[poll_type].vote_method == "show_thumbs":
        return THUMB_COLORS.get(option_icon(option) or "", THUMB_COLORS["agree"])
    return POLL_PALETTE[option["priority"] % 4]


@dataclass(slots=True, kw_only=True)
class OptionPlan:
    """One option after `poll_option_names=`: id None means insert."""

    id: int | None
    name: str
    priority: int
    icon: str | None = None
    meaning: str | None = None
    prompt: str | None = None
    destroy: bool = False


def plan_option_names(
    poll_type: str, existing: list[dict[str, Any]], names: list[Any]
) -> list[OptionPlan]:
    """Poll#poll_option_names= applied to the poll's current options (rows in priority order).

    Follows the Ruby literally: an option is found by its *stored* name, a known key is then
    renamed to its translation, and every option (old or new) whose name ends up among the
    removed names is destroyed.
    """
    names = [str(n) for n in names]
    if poll_type == "meeting":
        names = sorted(names)
    plans = [
        OptionPlan(
            id=o["id"],
            name=o["name"],
            priority=o["priority"],
            icon=o.get("icon"),
            meaning=o.get("meaning"),
            prompt=o.get("prompt"),
        )
        for o in existing
    ]
    existing_names = [o["name"] for o in existing]
    known = {k.key: k for k in POLL_TYPES[poll_type].known_options}
    for priority, name in enumerate(names):
        plan = next((p for p in plans if p.name == name), None)
        if plan is None:
            plan = OptionPlan(id=None, name=name, priority=priority)
            plans.append(plan)
        plan.priority = priority
        if name in known:
            k = known[name]
            plan.name, plan.icon, plan.meaning, plan.prompt = k.name, k.icon, k.meaning, k.prompt
    removed = {n for n in existing_names if n not in names}
    for plan in plans:
        if plan.name in removed:
            plan.destroy = True
    return plans


def plan_meeting_priorities(plans: list[OptionPlan]) -> None:
    """Poll#prioritise_poll_options!: meeting options get priorities in name order."""
    # Options marked for destruction take part in the numbering too, as in the Ruby.
    for priority, plan in enumerate(sorted(plans, key=lambda p: p.name)):
        plan.priority = priority
