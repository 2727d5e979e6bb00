"""Poll and stance request bodies for every poll type (shared/loomio/polls.md §1, §2.3).

Mostly valid bodies, with a share of invalid ones: both backends must refuse those alike.
Option references are canonical names (`poll_options#4`), translated per backend.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from contracts.differential import Ref

CLOSING_AT = "2099-06-01T00:00:00.000Z"
OPTIONS: dict[str, list[str]] = {
    "proposal": ["agree", "abstain", "disagree"],
    "check": ["looks_good", "not_sure", "concerned"],
    "count": ["accept", "decline"],
    "poll": ["Red", "Green", "Blue"],
    "score": ["Speed", "Cost", "Care"],
    "dot_vote": ["Roof", "Garden", "Bikes"],
    "ranked_choice": ["A", "B", "C", "D"],
    "meeting": ["2025-07-02T09:00:00.000Z", "2025-07-01T09:00:00.000Z"],
    "question": [],
}
POLL_TYPES = tuple(OPTIONS)


@st.composite
def poll_bodies(draw: st.DrawFn) -> dict[str, Any]:
    """`{"title", "poll_type", "options", "closing_at", ...}` without discussion or group."""
    poll_type = draw(st.sampled_from(POLL_TYPES))
    body: dict[str, Any] = {"title": f"A {poll_type} poll", "poll_type": poll_type}
    if OPTIONS[poll_type]:
        body["options"] = OPTIONS[poll_type]
    if draw(st.integers(0, 9)):  # 1 in 10: no closing_at, a work-in-progress poll
        body["closing_at"] = CLOSING_AT
    if poll_type == "dot_vote":
        body["dots_per_person"] = 8
    if poll_type == "question":
        body["stance_reason_required"] = draw(st.sampled_from(["required", "optional"]))
    body["anonymous"] = draw(st.booleans())
    body["hide_results"] = draw(st.sampled_from(["off", "until_vote", "until_closed"]))
    if poll_type in ("count", "check") and draw(st.booleans()):
        # a target two agreeing votes pass: target_percent over 100 (polls.md 3.2)
        body["agree_target"] = draw(st.sampled_from([1, 2]))
    if OPTIONS[poll_type] and draw(st.booleans()):
        body["show_none_of_the_above"] = True  # its results row (polls.md 3.2)
    if draw(st.booleans()):
        body["tags"] = draw(st.sampled_from([["budget"], ["budget", "2025"]]))
    return body


def _choices(poll_type: str, options: list[str]) -> st.SearchStrategy[list[tuple[str, int]]]:
    n = len(options)
    if not options:
        return st.just([])
    if poll_type in {"proposal", "check", "count", "poll"}:
        return st.sampled_from(options).map(lambda o: [(o, 1)])
    if poll_type == "score":
        return st.lists(
            st.tuples(st.sampled_from(options), st.integers(0, 5)),
            max_size=n,
            unique_by=lambda c: c[0],
        )
    if poll_type == "dot_vote":
        return st.lists(st.integers(0, 8 // n), min_size=n, max_size=n).map(
            lambda s: list(zip(options, s, strict=True))
        )
    if poll_type == "ranked_choice":
        return st.permutations(list(range(1, n + 1))).map(
            lambda s: list(zip(options, s, strict=True))
        )
    return st.lists(st.integers(0, 2), min_size=n, max_size=n).map(
        lambda s: list(zip(options, s, strict=True))
    )


def _invalid(options: list[str]) -> st.SearchStrategy[list[tuple[str, int]]]:
    if not options:
        return st.just([])
    return st.one_of(st.just([]), st.just([(o, 9) for o in options]))


def stance_bodies(poll_type: str, options: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """`{"reason", "stance_choices_attributes": [{"poll_option_id": <ref>, "score": n}]}`;
    one in four `none_of_the_above` instead of choices (refused unless the poll shows it)."""
    choices = st.one_of(_choices(poll_type, options), _invalid(options)) if options else st.just([])
    reasons = st.sampled_from(["", "ok", "Because it is cheaper."])
    nota = st.integers(0, 3).map(lambda i: i == 0) if options else st.just(False)

    def body(drawn: tuple[list[tuple[str, int]], str, bool]) -> dict[str, Any]:
        picked, reason, none_of_the_above = drawn
        attributes = [{"poll_option_id": Ref(o), "score": s} for o, s in picked]
        if none_of_the_above:
            return {"reason": reason, "none_of_the_above": True, "stance_choices_attributes": []}
        return {"reason": reason, "stance_choices_attributes": attributes}

    return st.tuples(choices, reasons, nota).map(body)


def outcome_bodies(options: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """The optional fields of an outcome beside its statement, each present or not: its
    format, a review date (empty: none), the option it settles on (one of the poll's own
    canonical ids), a calendar event's summary and place (kept in custom_fields)."""
    optional: dict[str, st.SearchStrategy[Any]] = {
        "statement_format": st.sampled_from(["html", "md"]),
        "review_on": st.sampled_from(["2027-03-01", ""]),
        "event_summary": st.sampled_from(["Kick-off", ""]),
        "event_location": st.just("Town hall"),
    }
    if options:
        optional["poll_option_id"] = st.sampled_from(options).map(Ref)
    return st.fixed_dictionaries({}, optional=optional)
