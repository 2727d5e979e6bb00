"""Loomio's rules of stored data on one side's rows (threading.md 8 and 10, polls.md 3.1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from harness.data_invariants import check, compress, outside_references
from harness.rows import Rows

T = datetime(2025, 6, 1, 9, 0, 0, 1)


def event(id: int, kind: str, parent: int | None, seq: int | None, pos: int, key: str | None,
          depth: int, children: int = 0, descendants: int = 0, **more: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "id": id, "kind": kind, "eventable_type": more.pop("etype", "Comment"),
        "eventable_id": more.pop("eid", id), "discussion_id": None if seq is None else 1,
        "sequence_id": seq, "parent_id": parent, "position": pos, "position_key": key,
        "depth": depth, "child_count": children, "descendant_count": descendants,
        "user_id": 5, "pinned": False, **more,
    }  # fmt: skip


def worked_example() -> Rows:
    """threading.md section 10 after step 9: A, B, C (lifted), P with S1, close, O; E."""
    events = [
        event(100, "new_discussion", None, None, 0, None, 0, 3, 8, etype="Discussion", eid=1),
        event(101, "new_comment", 100, 1, 1, "00001", 1, 2, 2, eid=11),
        event(102, "new_comment", 101, 2, 1, "00001-00001", 2, eid=12),
        event(103, "new_comment", 101, 3, 2, "00001-00002", 2, eid=13),
        event(104, "poll_created", 100, 4, 2, "00002", 1, 3, 3, etype="Poll", eid=7),
        event(105, "stance_created", 104, 5, 1, "00002-00001", 2, etype="Stance", eid=70),
        event(107, "new_comment", 100, 6, 3, "00003", 1, eid=14),
        event(108, "poll_closed_by_user", 104, 7, 2, "00002-00002", 2, etype="Poll", eid=7),
        event(109, "outcome_created", 104, 8, 3, "00002-00003", 2, etype="Outcome", eid=9),
    ]
    comments = [
        {"id": n, "discussion_id": 1, "user_id": 5, "parent_id": 1, "parent_type": "Discussion",
         "created_at": T + timedelta(seconds=n), "discarded_at": None, "discarded_by": None}
        for n in (11, 12, 13, 14)
    ]  # fmt: skip
    return {
        "users": [{"id": 5, "memberships_count": 1}],
        "groups": [{"id": 3, "parent_id": None, "memberships_count": 1}],
        "memberships": [{"id": 4, "group_id": 3, "user_id": 5, "revoked_at": None, "admin": True}],
        "discussions": [
            {
                "id": 1,
                "group_id": 3,
                "author_id": 5,
                "created_at": T,
                "items_count": 8,
                "ranges_string": "1-8",
                "last_activity_at": T + timedelta(seconds=20),
                "discarded_at": None,
                "discarded_by": None,
            }
        ],
        "comments": comments,
        "events": events,
        "polls": [
            {
                "id": 7,
                "discussion_id": 1,
                "group_id": 3,
                "author_id": 5,
                "voters_count": 1,
                "undecided_voters_count": 0,
                "stance_counts": [1, 0],
                "discarded_at": None,
                "discarded_by": None,
            }
        ],
        "poll_options": [
            {"id": 60 + n, "poll_id": 7, "priority": n, "voter_count": 1 - n, "total_score": 1 - n}
            for n in (0, 1)
        ],
        "stances": [
            {
                "id": 70,
                "poll_id": 7,
                "participant_id": 5,
                "latest": True,
                "revoked_at": None,
                "cast_at": T,
            }
        ],
        "stance_choices": [{"id": 80, "stance_id": 70, "poll_option_id": 60, "score": 1}],
        "outcomes": [{"id": 9, "poll_id": 7, "author_id": 5}],
    }


def test_the_worked_example_keeps_every_rule() -> None:
    rows = worked_example()
    assert outside_references(rows) == {}
    assert check(rows) == []


def _set(rows: Rows, table: str, id: int, **values: Any) -> Rows:
    next(r for r in rows[table] if r["id"] == id).update(values)
    return rows


CORRUPTIONS = {
    "child_count": (("events", 101, {"child_count": 1}), "child_count = children"),
    "descendant_count": (("events", 100, {"descendant_count": 7}), "descendant_count = subtree"),
    "key_width": (("events", 107, {"position_key": "0003"}), "key = parent's key + position"),
    "depth": (("events", 102, {"depth": 1}), "depth = parent's + 1"),
    "items_count": (("discussions", 1, {"items_count": 9}), "items_count = items"),
    "ranges": (("discussions", 1, {"ranges_string": "1-9"}), "ranges = sequence ids"),
    "last_activity": (("discussions", 1, {"last_activity_at": T}), "last_activity_at (threading.md 9)"),
    "voters": (("polls", 7, {"voters_count": 0}), "voters_count = stances"),
    "stance_counts": (("polls", 7, {"stance_counts": [0, 1]}), "stance_counts = scores"),
    "voter_count": (("poll_options", 61, {"voter_count": 1}), "voter_count"),
    "memberships": (("groups", 3, {"memberships_count": 0}), "memberships_count = count"),
    "duplicate_sequence": (("events", 103, {"sequence_id": 2}), "a thread item's sequence id"),
    "positions": (("events", 103, {"position": 1, "position_key": "00001-00001"}),
                  "positions follow sequence ids"),
    "discarded_comment": (("comments", 12, {"discarded_at": T, "discarded_by": 5}),
                          "a discarded comment's event"),
    "discarded_by": (("comments", 12, {"discarded_at": T}), "a discarded row names who discarded it"),
}  # fmt: skip


@pytest.mark.parametrize("case", CORRUPTIONS, ids=list(CORRUPTIONS))
def test_a_corruption_breaks_its_rule(case: str) -> None:
    (table, id, values), rule = CORRUPTIONS[case]
    broken = check(_set(worked_example(), table, id, **values))
    assert rule in {v.rule for v in broken}, broken


def test_an_orphaned_event_has_a_dangling_reference() -> None:
    rows = worked_example()
    rows["events"].append(event(110, "new_comment", 101, None, 0, None, 0, eid=15))
    rows["events"][-1]["discussion_id"] = None
    assert outside_references(rows) == {"comments": {15}}
    broken = check(rows, absent={"comments": {15}})
    assert [(v.table, v.id, v.column, v.rule) for v in broken] == [
        ("events", 110, "eventable_id", "foreign key resolves")
    ]
    assert check(rows, absent={}) == []  # the database has it outside the example's rows


def test_ranges_compress_sequence_ids_into_runs() -> None:
    assert compress([1, 2, 3, 5, 7, 8]) == "1-3,5-5,7-8"


def test_a_discarded_discussion_discards_the_polls_it_had_then() -> None:
    rows = worked_example()
    rows["polls"][0]["created_at"] = T
    _set(rows, "discussions", 1, discarded_at=T + timedelta(seconds=1), discarded_by=5)
    assert "a discarded discussion's polls are discarded" in {v.rule for v in check(rows)}
    rows["polls"][0]["created_at"] = T + timedelta(seconds=2)  # made after the discard
    assert check(rows) == []


def test_a_poll_discard_leaves_the_root_descendant_count_stale() -> None:
    """Its stance events leave the thread without a recount of the root (threading.md 6)."""
    rows = worked_example()
    _set(rows, "polls", 7, discarded_at=T, discarded_by=5)
    _set(rows, "events", 105, discussion_id=None)  # S1 out of the thread, keeps its sequence id
    _set(rows, "events", 104, user_id=None, child_count=0, pinned=False)
    _set(rows, "discussions", 1, items_count=7, ranges_string="1-4,6-8")
    assert check(rows) == []
    _set(rows, "discussions", 1, items_count=8)
    assert {v.rule for v in check(rows)} == {"items_count = items"}


def test_an_edit_after_a_comment_discard_keeps_its_actor() -> None:
    """Loomio's comment ability lets the author edit a discarded comment: that event, made
    after the discard, names the editor; the events from before it have no actor."""
    rows = worked_example()
    _set(rows, "comments", 14, discarded_at=T + timedelta(seconds=30), discarded_by=5)
    _set(rows, "events", 107, user_id=None, created_at=T + timedelta(seconds=14))
    edited = event(110, "comment_edited", None, None, 0, None, 0, eid=14)
    rows["events"].append(
        {**edited, "discussion_id": None, "created_at": T + timedelta(seconds=40)}
    )
    assert check(rows) == []
    _set(rows, "events", 107, user_id=5)
    assert {v.rule for v in check(rows)} == {"a discarded comment's event"}


def test_a_reply_to_a_stance_that_joined_the_thread_later_sits_at_depth_two() -> None:
    """A hidden stance moves into the thread at poll close (threading.md 3); the repair then
    meets it, after the reply sequenced before it, at the reset depth 1 (7.4): the reply gets
    depth 2 under a depth-2 parent, with a three-level key."""
    rows = worked_example()
    _set(rows, "events", 105, sequence_id=10, position=3, position_key="00002-00003")
    _set(rows, "events", 105, child_count=1, descendant_count=1)
    _set(rows, "events", 108, position=1, position_key="00002-00001")
    _set(rows, "events", 109, position=2, position_key="00002-00002")
    _set(rows, "events", 104, descendant_count=4)
    _set(rows, "events", 100, descendant_count=9)
    _set(rows, "discussions", 1, items_count=9, ranges_string="1-4,6-10")
    rows["events"].append(event(110, "new_comment", 105, 9, 1, "00002-00003-00001", 2, eid=15))
    rows["comments"].append(
        {**rows["comments"][0], "id": 15, "parent_id": 70, "parent_type": "Stance",
         "created_at": T + timedelta(seconds=15)}
    )  # fmt: skip
    assert check(rows) == []
    _set(rows, "events", 110, depth=3)
    assert {v.rule for v in check(rows)} == {"depth under a later-sequenced parent"}


def test_parentless_thread_items_all_sit_at_position_zero() -> None:
    """An item whose parent rule finds nothing (a reply to a stance outside the thread) has no
    parent, depth 0 and position 0 (threading.md 3): two of them are not out of order."""
    rows = worked_example()
    for n, (id, seq) in enumerate(((110, 9), (111, 10)), start=15):
        rows["events"].append(event(id, "new_comment", None, seq, 0, "00000", 0, eid=n))
        rows["comments"].append(
            {**rows["comments"][0], "id": n, "parent_id": 70, "parent_type": "Stance"}
        )
    _set(rows, "events", 100, descendant_count=10)
    _set(rows, "discussions", 1, items_count=10, ranges_string="1-10")
    assert check(rows) == []


def test_a_rejected_in_place_edit_may_leave_the_counts_stale() -> None:
    """Loomio deletes a stance's choices before validating an in-place edit and recounts only
    after a save (polls.md): the counts may still hold the lost choices, or not (a later vote
    recounted), but nothing else."""
    rows = worked_example()
    rows["stances"][0]["option_scores"] = {"60": 1}
    rows["stance_choices"] = []  # the rejected edit deleted them; the counts are stale
    assert check(rows) == []
    _set(rows, "polls", 7, stance_counts=[0, 0])  # a later recount: the choices are gone
    _set(rows, "poll_options", 60, voter_count=0, total_score=0)
    assert check(rows) == []
    _set(rows, "poll_options", 60, total_score=1)  # half stale: neither state
    assert {v.rule for v in check(rows)} == {"total_score"}
    rows["stances"][0]["option_scores"] = {}  # no saved scores: nothing may be stale
    _set(rows, "polls", 7, stance_counts=[1, 0])
    _set(rows, "poll_options", 60, voter_count=1)
    assert {v.rule for v in check(rows)} == {"stance_counts = scores", "voter_count", "total_score"}


def test_the_root_may_not_count_parentless_items_made_since_its_last_recount() -> None:
    """The root counts every thread item but is recounted only when an item under it saves
    (threading.md 4): replies to a stance outside the thread trigger no recount."""
    rows = worked_example()
    for n, (id, seq) in enumerate(((110, 9), (111, 10)), start=15):
        rows["events"].append(event(id, "new_comment", None, seq, 0, "00000", 0, eid=n))
        rows["comments"].append(
            {**rows["comments"][0], "id": n, "parent_id": 70, "parent_type": "Stance"}
        )
    _set(rows, "discussions", 1, items_count=10, ranges_string="1-10")
    for stale in (8, 9, 10):  # neither, one or both counted
        _set(rows, "events", 100, descendant_count=stale)
        assert check(rows) == [], stale
    _set(rows, "events", 100, descendant_count=7)
    assert {v.rule for v in check(rows)} == {"descendant_count = subtree"}
    _set(rows, "events", 110, sequence_id=5, position=0)  # before an item with a parent:
    _set(rows, "events", 105, sequence_id=9)  # the root was recounted after it
    _set(rows, "events", 100, descendant_count=8)
    assert "descendant_count = subtree" in {v.rule for v in check(rows)}
