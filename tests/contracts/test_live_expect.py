"""What a write must publish, from the facts and its answer (contracts/live_expect.py)."""

from __future__ import annotations

from typing import Any

import pytest

from contracts.live_expect import Expectation, expect, newest_event


def _events(*events: tuple[int, str], root: str = "events") -> dict[str, Any]:
    return {
        "events": [{"id": i, "kind": kind} for i, kind in events],
        "parent_events": [{"id": 1, "kind": "new_discussion"}],
        "meta": {"root": root},
    }


CASES = [
    ("POST", ("comments",), None, 200, _events((9, "new_comment")), {("events", 9)}, False),
    # the comment's old event, answered by a discard: not published again
    ("DELETE", ("comments", "{id}", "discard"), 3, 200, _events((4, "new_comment")), set(), False),
    # a kind outside Events::LiveUpdate
    ("POST", ("polls", "{id}", "remind"), 3, 200, _events((9, "poll_reminder")), set(), False),
    # an event side-loaded by another root (close answers the discussion)
    (
        "PATCH",
        ("discussions", "{id}", "close"),
        7,
        200,
        _events((9, "new_discussion"), root="discussions"),
        {("discussions", 7)},
        False,
    ),
    ("PATCH", ("discussions", "{id}", "mark_as_seen"), 7, 200, {}, {("discussions", 7)}, False),
    ("PATCH", ("discussions", "{id}", "close"), 7, 403, {}, set(), False),
    ("GET", ("discussions", "{id}"), 7, 200, _events((9, "new_comment")), set(), False),
    ("PUT", ("stances", "{id}"), 3, 200, {}, set(), True),
    ("PUT", ("stances", "{id}"), 3, 200, _events((9, "stance_created")), {("events", 9)}, True),
    ("PATCH", ("memberships", "{id}"), 3, 200, {}, set(), True),
    ("POST", ("memberships", "{id}", "make_admin"), 3, 200, {}, set(), False),
    ("PATCH", ("discussions", "{id}", "pin"), 7, 200, {}, set(), False),
    ("DELETE", ("comments", "{id}"), 3, 200, None, set(), False),
]


@pytest.mark.parametrize(
    ("method", "path", "target", "status", "body", "tokens", "sometimes"),
    CASES,
    ids=[
        "new-comment", "discard-old-event", "not-live-kind", "close-side-loaded-event",
        "mark-as-seen", "refused", "read", "stance-in-place", "stance-revision",
        "membership-update", "make-admin", "pin", "no-body",
    ],
)  # fmt: skip
def test_a_write_is_due_what_the_facts_and_its_answer_say(
    method: str,
    path: tuple[str, ...],
    target: int | None,
    status: int,
    body: Any,
    tokens: set[tuple[str, int]],
    sometimes: bool,
) -> None:
    got = expect(method, path, target, status, body, newest_event=5)
    assert got == Expectation(tokens=frozenset(tokens), sometimes=sometimes)


def test_the_newest_event_counts_side_loaded_parents() -> None:
    assert newest_event(_events((3, "new_comment"))) == 3
    assert newest_event({"events": [], "parent_events": [{"id": 8}]}) == 8
    assert newest_event({"error": "x"}) == 0


def test_due_records_are_met_by_any_message_carrying_them() -> None:
    expectation = Expectation(tokens=frozenset({("events", 9), ("discussions", 7)}))
    event = {"events": [{"id": 9}], "discussions": [{"id": 6}]}
    assert not expectation.met_by([event])
    assert expectation.met_by([event, {"discussions": [{"id": 7}]}])
    assert Expectation().met_by([])
