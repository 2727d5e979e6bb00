"""The section 8 invariant checker: clean on the oracle's output, and it catches tampering."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from properties.oracles.threading import (
    ChangeVote,
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    DestroyComment,
    DiscardComment,
    DiscardPoll,
    Repair,
    SetMaxDepth,
    ThreadAction,
    Vote,
    invariants,
    query_events,
    simulate,
    synthetic_ids,
    to_api,
)
from tests.properties.oracles.test_threading import SECTION_10


@st.composite
def thread_actions(draw: st.DrawFn) -> list[ThreadAction]:
    """Random but well-formed action sequences over a handful of refs."""
    actions: list[ThreadAction] = []
    comments: list[str] = []
    polls: list[str] = []
    stances: list[str] = []
    for i in range(draw(st.integers(0, 25))):
        kind = draw(
            st.sampled_from(
                [
                    "comment",
                    "comment",
                    "reply",
                    "reply",
                    "poll",
                    "vote",
                    "change",
                    "close",
                    "outcome",
                    "discard",
                    "destroy",
                    "discard_poll",
                    "max_depth",
                    "repair",
                ]
            )
        )
        ref = f"x{i}"
        if kind == "comment" or (kind == "reply" and not comments + stances):
            actions.append(Comment(ref))
            comments.append(ref)
        elif kind == "reply":
            actions.append(Comment(ref, reply_to=draw(st.sampled_from(comments + stances))))
            comments.append(ref)
        elif kind == "poll" or (not polls and kind in ("vote", "close", "outcome", "discard_poll")):
            hide = draw(st.sampled_from(["off", "until_vote", "until_closed"]))
            actions.append(CreatePoll(ref, hide_results=hide, anonymous=draw(st.booleans())))
            polls.append(ref)
        elif kind == "vote":
            actions.append(Vote(ref, draw(st.sampled_from(polls)), reason=draw(st.booleans())))
            stances.append(ref)
        elif kind == "change" and stances:
            stance = draw(st.sampled_from(stances))
            actions.append(
                ChangeVote(
                    stance,
                    reason=draw(st.booleans()),
                    revision_ref=ref,
                    scores_changed=draw(st.booleans()),
                )
            )
            stances.append(ref)
        elif kind == "close":
            actions.append(ClosePoll(draw(st.sampled_from(polls))))
        elif kind == "outcome":
            actions.append(CreateOutcome(ref, draw(st.sampled_from(polls))))
        elif kind == "discard_poll":
            actions.append(DiscardPoll(draw(st.sampled_from(polls))))
        elif kind in ("discard", "destroy") and comments:
            target = draw(st.sampled_from(comments))
            actions.append(DiscardComment(target) if kind == "discard" else DestroyComment(target))
        elif kind == "max_depth":
            actions.append(SetMaxDepth(draw(st.integers(1, 4))))
        else:
            actions.append(Repair())
    return actions


def _violations(actions: list[ThreadAction], max_depth: int, **kwargs: Any) -> list[str]:
    thread = simulate(actions, max_depth=max_depth)
    events, discussion = to_api(thread)
    return [str(v) for v in invariants(events, discussion, **kwargs)]


@given(thread_actions(), st.integers(1, 4))
def test_oracle_output_satisfies_invariants(actions, max_depth):
    thread = simulate(actions, max_depth=max_depth)
    if thread.quirks:
        return  # Loomio itself leaves such trees outside the invariants (see Thread.quirks)
    events, discussion = to_api(thread)
    assert invariants(events, discussion, max_depth_pending=thread.max_depth_pending) == []


@given(thread_actions(), st.integers(1, 4))
def test_after_repair_positions_are_exactly_one_to_n(actions, max_depth):
    thread = simulate([*actions, Repair()], max_depth=max_depth)
    if thread.quirks:
        return
    events, discussion = to_api(thread)
    assert invariants(events, discussion, repaired=True) == []


@given(thread_actions(), st.integers(1, 4))
def test_repair_is_idempotent(actions, max_depth):
    once = simulate([*actions, Repair()], max_depth=max_depth)
    twice = simulate([*actions, Repair(), Repair()], max_depth=max_depth)
    assert once.events == twice.events
    assert once.discussion == twice.discussion


@given(thread_actions(), st.integers(1, 4), st.integers(0, 40))
def test_events_index_pages_and_totals(actions, max_depth, per):
    thread = simulate(actions, max_depth=max_depth)
    items = thread.thread_events()
    page = query_events(thread, {"order_by": "sequence_id", "per": str(per)})
    assert page.total == len(items) == thread.discussion.items_count
    assert page.events == items[:per]
    if not thread.quirks:
        by_key = query_events(thread, {"order_by": "position_key", "per": "1000"})
        assert by_key.events == thread.by_position_key()


@given(thread_actions(), st.integers(1, 4))
def test_sequence_ids_only_grow(actions, max_depth):
    thread = simulate(actions, max_depth=max_depth)
    longer = simulate([*actions, Comment("new")], max_depth=max_depth)
    previous, _ = to_api(thread)
    events, discussion = to_api(longer, event_ids=synthetic_ids(longer))
    found = invariants(events, discussion, previous=previous, max_depth_pending=True)
    assert [v for v in found if v.invariant == 11] == []


def _tamper(field: str, value: Any, index: int = 2) -> tuple[list[dict], dict]:
    events, discussion = to_api(simulate(SECTION_10))
    events = copy.deepcopy(events)
    events[index][field] = value
    return events, discussion


TAMPERING = [
    ("root-seq", "sequence_id", 7, 0, 1),
    ("duplicate-seq", "sequence_id", 1, 2, 2),
    ("depth", "depth", 3, 2, 3),
    ("key", "position_key", "00001-00009", 2, 4),
    ("position-order", "position", 5, 2, 5),
    ("child-count", "child_count", 1, 2, 6),
    ("descendant-count", "descendant_count", 4, 1, 7),
    ("too-deep", "depth", 3, 3, 8),
]


@pytest.mark.parametrize(
    ("field", "value", "index", "invariant"),
    [t[1:] for t in TAMPERING],
    ids=[t[0] for t in TAMPERING],
)
def test_tampering_is_caught(field, value, index, invariant):
    events, discussion = _tamper(field, value, index)
    assert invariant in {v.invariant for v in invariants(events, discussion)}


def test_preorder_break_is_caught():
    events, discussion = to_api(simulate(SECTION_10))
    swapped = copy.deepcopy(events)
    b, c = swapped[2], swapped[3]
    b["position_key"], c["position_key"] = c["position_key"], b["position_key"]
    found = {v.invariant for v in invariants(swapped, discussion)}
    assert {4, 9} <= found


def test_discussion_counts_are_checked():
    events, discussion = to_api(simulate(SECTION_10))
    discussion = {**discussion, "items_count": 7, "ranges": [[1, 7]]}
    assert [v.invariant for v in invariants(events, discussion)] == [10, 10]


def test_index_response_checked():
    events, discussion = to_api(simulate(SECTION_10))
    response = {"events": [events[0], events[1]], "meta": {"root": "events", "total": 2}}
    assert [v.invariant for v in invariants(events, discussion, index_response=response)] == [
        13,
        13,
    ]


def test_stance_reason_checked():
    events, discussion = to_api(simulate(SECTION_10))
    stance_event = next(e for e in events if e["eventable_type"] == "Stance" and e["discussion_id"])
    stance_event["eventable_id"] = 9001
    stances = {9001: {"id": 9001, "poll_id": 88, "reason": "<p></p>"}}
    polls = {88: {"id": 88, "hide_results": "until_closed", "closed_at": None}}
    found = invariants(events, discussion, stances=stances, polls=polls)
    assert [v.invariant for v in found] == [12, 12]


def test_missing_root_is_reported():
    events, discussion = to_api(simulate(SECTION_10))
    assert 1 in {v.invariant for v in invariants(events[1:], discussion)}


def test_violation_message_names_event():
    events, discussion = _tamper("child_count", 5, 2)
    assert any(
        str(v).startswith("invariant 6 (event 1002)") for v in invariants(events, discussion)
    )


def test_undiscard_helpers_keep_invariants():
    assert _violations([Comment("A"), DiscardComment("A")], 2) == []


def test_a_reply_to_a_hidden_stance_sits_at_depth_two_after_the_close():
    """The stance joins the thread at close, after the reply to it: the repair meets it at
    the reset depth 1 (threading.md 7.4), so the reply is at depth 2 under a depth-2 parent."""
    actions = [
        CreatePoll("P", hide_results="until_closed"),
        Vote("S", "P", reason=True),
        Comment("R", reply_to="S"),
        ClosePoll("P"),
    ]
    events, discussion = to_api(simulate(actions, max_depth=2))
    reply = next(e for e in events if e["kind"] == "new_comment")
    stance = next(e for e in events if e["id"] == reply["parent_id"])
    assert (reply["depth"], stance["depth"]) == (2, 2)
    assert invariants(events, discussion, repaired=True) == []
    reply["depth"] = 3
    assert 3 in {v.invariant for v in invariants(events, discussion, repaired=True)}
