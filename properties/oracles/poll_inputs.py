"""Inputs of the tally and stance-validation oracles, in the API's shapes (polls.md).

`Option`, `Poll` and `Stance` each have `from_api(...)` taking the dicts of the API JSON
(`poll_options`, `polls`, `stances` collections), so a harness can feed a live response
straight into the oracle.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from properties.oracles.poll_types import poll_type

HIDE_RESULTS = ("off", "until_vote", "until_closed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """A poll option (poll_options row)."""

    id: int
    name: str
    priority: int
    icon: str | None = None

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Option:
        return cls(
            id=data["id"], name=data["name"], priority=data["priority"], icon=data.get("icon")
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Poll:
    """The poll settings the counts, results and validations depend on.

    `None` for a per-poll override means "not stored": the type default applies.
    `legacy_min_score`/`legacy_max_score` are the old custom_fields bounds checked per choice.
    """

    poll_type: str
    options: tuple[Option, ...] = ()
    id: int | None = None
    agree_target: int | None = None
    anonymous: bool = False
    hide_results: str = "off"
    show_none_of_the_above: bool = False
    closed: bool = False
    discarded: bool = False
    poll_option_name_format: str | None = (
        "plain"  # null on the API: no stored value, no type default
    )
    minimum_stance_choices: int | None = None
    maximum_stance_choices: int | None = None
    min_score: int | None = None
    max_score: int | None = None
    dots_per_person: int | None = None
    stance_reason_required: str = "optional"
    limit_reason_length: bool = True
    legacy_min_score: int | None = None
    legacy_max_score: int | None = None

    def __post_init__(self) -> None:
        poll_type(self.poll_type)
        if self.hide_results not in HIDE_RESULTS:
            raise ValueError(f"hide_results {self.hide_results!r} is not one of {HIDE_RESULTS}")
        ids = [o.id for o in self.options]
        if len(set(ids)) != len(ids):
            raise ValueError(f"duplicate option ids {ids}")

    @classmethod
    def from_api(cls, data: Mapping[str, Any], options: Iterable[Mapping[str, Any]]) -> Poll:
        """From a `polls` record and its `poll_options` records."""
        custom = data.get("custom_fields") or {}
        return cls(
            poll_type=data["poll_type"],
            options=tuple(
                Option.from_api(o) for o in options if o.get("poll_id") in (None, data.get("id"))
            ),
            id=data.get("id"),
            agree_target=data.get("agree_target"),
            anonymous=bool(data.get("anonymous")),
            hide_results=data.get("hide_results") or "off",
            show_none_of_the_above=bool(data.get("show_none_of_the_above")),
            closed=data.get("closed_at") is not None,
            discarded=data.get("discarded_at") is not None,
            # The record carries the effective value (column -> custom_fields -> type default,
            # polls.md 1) and results rows copy it as `name_format` (polls.md 3): null stays null.
            poll_option_name_format=data.get("poll_option_name_format"),
            minimum_stance_choices=data.get("minimum_stance_choices"),
            maximum_stance_choices=data.get("maximum_stance_choices"),
            min_score=data.get("min_score"),
            max_score=data.get("max_score"),
            dots_per_person=data.get("dots_per_person"),
            stance_reason_required=data.get("stance_reason_required") or "optional",
            limit_reason_length=data.get("limit_reason_length", True) is not False,
            legacy_min_score=custom.get("min_score"),
            legacy_max_score=custom.get("max_score"),
        )

    @property
    def results_hidden(self) -> bool:
        """results/stance_counts left out: hide_results until_closed while open (3.3)."""
        return self.hide_results == "until_closed" and not self.closed


@dataclass(frozen=True, slots=True, kw_only=True)
class Stance:
    """One stance; only `latest` and not `revoked` ones count.

    `choices` are (option_id, score) pairs in submission order (duplicates are possible:
    the server does not validate them away).
    """

    participant: int | None
    cast: bool = True
    revoked: bool = False
    latest: bool = True
    none_of_the_above: bool = False
    choices: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, participant: int | None, scores: Mapping[int, int], **kwargs: Any) -> Stance:
        """A cast stance with {option_id: score}."""
        return cls(participant=participant, choices=tuple(scores.items()), **kwargs)

    @classmethod
    def undecided(cls, participant: int | None) -> Stance:
        """An invitation not yet voted on (cast_at null)."""
        return cls(participant=participant, cast=False)

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> Stance:
        """From a `stances` record (needs option_scores, so the poll's results visible)."""
        scores = data.get("option_scores") or {}
        return cls(
            participant=data.get("participant_id"),
            cast=data.get("cast_at") is not None,
            revoked=data.get("revoked_at") is not None,
            latest=data.get("latest", True) is not False,
            none_of_the_above=bool(data.get("none_of_the_above")),
            choices=tuple((int(k), v) for k, v in scores.items()),
        )

    @property
    def counts(self) -> bool:
        return self.latest and not self.revoked


@dataclass(frozen=True, slots=True, kw_only=True)
class Submission:
    """A POST /api/v1/stances body: `choices` as (poll_option_id, score or None = 1)."""

    choices: Sequence[tuple[int, int | None]] = ()
    none_of_the_above: bool = False
    reason: str = ""
    reason_format: str = "html"
