"""The threading oracle on the worked examples of threading.md (sections 4.1, 6 and 10)."""

from __future__ import annotations

import pytest

from properties.oracles.threading import (
    ROOT,
    ChangeVote,
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    DestroyComment,
    DiscardComment,
    DiscardPoll,
    EditComment,
    PinEvent,
    ReopenPoll,
    Repair,
    SetMaxDepth,
    UndiscardComment,
    Vote,
    invariants,
    simulate,
    to_api,
)

# threading.md section 10: discussion D (max_depth 2), actions in order.
SECTION_10 = [
    Comment("A"),
    Comment("B", reply_to="A"),
    Comment("C", reply_to="B"),
    CreatePoll("P", by="pa"),
    Vote("S1", "P", reason=True),
    Vote("S2", "P", reason=False),
    Comment("E"),
    ClosePoll("P", by="pa"),
    CreateOutcome("O", "P", by="pa"),
]

# (step, event key, seq, parent, depth, position, position_key)
SECTION_10_ROWS = [
    (1, "new_comment:A", 1, ROOT, 1, 1, "00001"),
    (2, "new_comment:B", 2, "new_comment:A", 2, 1, "00001-00001"),
    (3, "new_comment:C", 3, "new_comment:A", 2, 2, "00001-00002"),
    (4, "poll_created:P", 4, ROOT, 1, 2, "00002"),
    (5, "stance_created:S1", 5, "poll_created:P", 2, 1, "00002-00001"),
    (7, "new_comment:E", 6, ROOT, 1, 3, "00003"),
    (8, "poll_closed_by_user:P", 7, "poll_created:P", 2, 2, "00002-00002"),
    (9, "outcome_created:O", 8, "poll_created:P", 2, 3, "00002-00003"),
]


@pytest.mark.parametrize(
    ("step", "key", "seq", "parent", "depth", "position", "position_key"),
    SECTION_10_ROWS,
    ids=[f"step{r[0]}-{r[1]}" for r in SECTION_10_ROWS],
)
def test_section_10_step_places_event(step, key, seq, parent, depth, position, position_key):
    event = simulate(SECTION_10[:step]).event(key)
    assert event.in_thread
    assert (event.sequence_id, event.parent, event.depth) == (seq, parent, depth)
    assert (event.position, event.position_key) == (position, position_key)


def test_section_10_vote_without_reason_stays_out_of_thread():
    event = simulate(SECTION_10[:6]).event("stance_created:S2")
    assert not event.in_thread
    assert event.sequence_id is None


def test_section_10_poll_created_is_pinned():
    assert simulate(SECTION_10).event("poll_created:P").pinned


def test_section_10_counts_after_all_steps():
    thread = simulate(SECTION_10)
    counts = {
        k: (thread.event(k).child_count, thread.event(k).descendant_count)
        for k in (ROOT, "new_comment:A", "poll_created:P")
    }
    assert counts == {ROOT: (3, 8), "new_comment:A": (2, 2), "poll_created:P": (3, 3)}
    assert thread.discussion.items_count == 8
    assert thread.discussion.ranges == ((1, 8),)


def test_section_10_position_key_order():
    keys = [e.key for e in simulate(SECTION_10).by_position_key()]
    assert keys == [
        "new_comment:A",
        "new_comment:B",
        "new_comment:C",
        "poll_created:P",
        "stance_created:S1",
        "poll_closed_by_user:P",
        "outcome_created:O",
        "new_comment:E",
    ]


def test_section_10_discard_b_moves_nothing_and_nulls_actor():
    before = simulate(SECTION_10)
    after = simulate([*SECTION_10, DiscardComment("B")])
    b = after.event("new_comment:B")
    assert b.actor is None
    assert not b.pinned
    moved = [
        e.key
        for e, f in zip(before.events, after.events, strict=True)
        if (e.sequence_id, e.position_key, e.child_count, e.descendant_count)
        != (f.sequence_id, f.position_key, f.child_count, f.descendant_count)
    ]
    assert moved == []


def test_undiscard_restores_actor():
    thread = simulate([Comment("A", by="ann"), DiscardComment("A"), UndiscardComment("A")])
    assert thread.event("new_comment:A").actor == "ann"


def test_comment_edit_is_no_thread_item_so_the_next_comment_takes_the_next_sequence_id():
    # threading.md 2: comment_edited never gets a sequence id (ranges stay contiguous)
    thread = simulate([Comment("A"), EditComment("A"), Comment("B")])
    assert thread.outcomes[1].status == 200
    assert thread.outcomes[1].published == ()
    assert (
        thread.event("new_comment:B").sequence_id == thread.event("new_comment:A").sequence_id + 1
    )


def test_editing_a_destroyed_comment_is_not_found():
    thread = simulate([Comment("A"), DestroyComment("A"), EditComment("A")])
    assert thread.outcomes[-1].status == 404


def test_section_10_destroy_b_refused_because_c_replies_to_b():
    thread = simulate([*SECTION_10, DiscardComment("B"), DestroyComment("B")])
    assert thread.outcomes[-1].status == 403
    assert thread.event("new_comment:B").in_thread


AFTER_DESTROY_C = [*SECTION_10, DiscardComment("B"), DestroyComment("B"), DestroyComment("C")]


def test_section_10_destroy_c_removes_event_and_recounts():
    thread = simulate(AFTER_DESTROY_C)
    assert "new_comment:C" not in {e.key for e in thread.events}
    a, root = thread.event("new_comment:A"), thread.event(ROOT)
    assert (a.child_count, a.descendant_count) == (1, 1)
    assert root.descendant_count == 7
    assert thread.discussion.items_count == 7
    assert thread.discussion.ranges == ((1, 2), (4, 8))
    assert thread.outcomes[-1].remaining_children == ("new_comment:B",)
    assert thread.repair_pending


def test_section_10_repair_after_destroying_last_child_changes_no_position():
    before = simulate(AFTER_DESTROY_C)
    after = simulate([*AFTER_DESTROY_C, Repair()])
    assert [(e.key, e.position_key) for e in before.by_position_key()] == [
        (e.key, e.position_key) for e in after.by_position_key()
    ]


# After destroy C, set max_depth 1 and run the repair: everything at depth 1, by sequence.
MAX_DEPTH_1 = [
    ("new_comment:A", 1, "00001"),
    ("new_comment:B", 2, "00002"),
    ("poll_created:P", 4, "00003"),
    ("stance_created:S1", 5, "00004"),
    ("new_comment:E", 6, "00005"),
    ("poll_closed_by_user:P", 7, "00006"),
    ("outcome_created:O", 8, "00007"),
]


@pytest.mark.parametrize(
    ("key", "seq", "position_key"), MAX_DEPTH_1, ids=[r[0] for r in MAX_DEPTH_1]
)
def test_section_10_max_depth_1_repair_flattens(key, seq, position_key):
    thread = simulate([*AFTER_DESTROY_C, SetMaxDepth(1), Repair()])
    event = thread.event(key)
    assert (event.depth, event.parent, event.sequence_id) == (1, ROOT, seq)
    assert (event.position_key, event.child_count, event.descendant_count) == (position_key, 0, 0)


def test_section_10_max_depth_1_repair_root_counts_and_invariants():
    thread = simulate([*AFTER_DESTROY_C, SetMaxDepth(1), Repair()])
    assert thread.event(ROOT).child_count == 7
    assert not thread.repair_pending and not thread.quirks
    events, discussion = to_api(thread)
    assert invariants(events, discussion, repaired=True) == []


def test_max_depth_change_waits_for_the_repair():
    thread = simulate([*SECTION_10, SetMaxDepth(1)])
    assert thread.event("new_comment:B").depth == 2
    assert thread.max_depth_pending


# threading.md 4.1: A top-level, B replies to A, C replies to B.
MAX_DEPTH_TABLE = [
    (1, [(1, "00001"), (1, "00002"), (1, "00003")]),
    (2, [(1, "00001"), (2, "00001-00001"), (2, "00001-00002")]),
    (3, [(1, "00001"), (2, "00001-00001"), (3, "00001-00001-00001")]),
]


@pytest.mark.parametrize(("max_depth", "rows"), MAX_DEPTH_TABLE, ids=["max1", "max2", "max3"])
def test_max_depth_table(max_depth, rows):
    thread = simulate(
        [Comment("A"), Comment("B", reply_to="A"), Comment("C", reply_to="B")], max_depth=max_depth
    )
    got = [
        (thread.event(f"new_comment:{r}").depth, thread.event(f"new_comment:{r}").position_key)
        for r in "ABC"
    ]
    assert got == rows


def test_reply_to_lifted_comment_lifts_one_level_only():
    thread = simulate(
        [
            Comment("A"),
            Comment("B", reply_to="A"),
            Comment("C", reply_to="B"),
            Comment("D", reply_to="C"),
        ]
    )
    d = thread.event("new_comment:D")
    assert (d.parent, d.depth, d.position_key) == ("new_comment:A", 2, "00001-00003")


def test_lowering_max_depth_without_repair_can_exceed_it():
    # C sits at depth 3; with max_depth now 2, C's depth is not equal to max_depth: no lift.
    thread = simulate(
        [
            Comment("A"),
            Comment("B", reply_to="A"),
            Comment("C", reply_to="B"),
            SetMaxDepth(2),
            Comment("D", reply_to="C"),
        ],
        max_depth=3,
    )
    d = thread.event("new_comment:D")
    assert (d.parent, d.depth) == ("new_comment:C", 4)


def test_root_shape():
    root = simulate([]).event(ROOT)
    assert (root.kind, root.in_thread, root.sequence_id, root.depth) == (
        "new_discussion",
        False,
        None,
        0,
    )
    assert (root.position, root.position_key, root.parent) == (0, "00000", None)


def test_destroying_middle_sibling_leaves_gap_until_repair():
    actions = [Comment("A"), Comment("B"), Comment("C"), DestroyComment("B")]
    thread = simulate(actions)
    assert thread.event("new_comment:C").position_key == "00003"
    assert thread.outcomes[-1].remaining_children == ("new_comment:A", "new_comment:C")
    repaired = simulate([*actions, Repair()])
    assert repaired.event("new_comment:C").position_key == "00002"
    assert repaired.discussion.ranges == ((1, 1), (3, 3))


def test_destroying_the_only_child_answers_null():
    thread = simulate([Comment("A"), DestroyComment("A")])
    assert thread.outcomes[-1].remaining_children is None


def test_destroying_highest_sequence_id_lets_next_item_reuse_it():
    thread = simulate([Comment("A"), Comment("B"), DestroyComment("B"), Comment("C")])
    assert thread.event("new_comment:C").sequence_id == 2
    assert thread.event("new_comment:C").position == 2


def test_hidden_results_stances_join_the_thread_at_closing():
    actions = [
        CreatePoll("P", hide_results="until_closed"),
        Vote("S1", "P", reason=True),
        Comment("A"),
        Vote("S2", "P", reason=False),
        Vote("S3", "P", reason=True),
    ]
    open_thread = simulate(actions)
    assert not open_thread.event("stance_created:S1").in_thread
    thread = simulate([*actions, ClosePoll("P")])
    s1, s3 = thread.event("stance_created:S1"), thread.event("stance_created:S3")
    assert (s1.sequence_id, s3.sequence_id) == (3, 4)  # fresh ids after the counter, id order
    assert (s1.position_key, s3.position_key) == ("00001-00001", "00001-00002")
    close = thread.event("poll_closed_by_user:P")
    assert (close.sequence_id, close.position_key) == (5, "00001-00003")
    assert not thread.event("stance_created:S2").in_thread
    events, discussion = to_api(thread)
    assert invariants(events, discussion) == []


def test_hidden_results_stance_updated_to_reason_joins_through_its_created_event():
    thread = simulate(
        [
            CreatePoll("P", hide_results="until_closed"),
            Vote("S", "P"),
            ChangeVote("S", reason=True),
            ClosePoll("P"),
        ]
    )
    assert thread.event("stance_created:S").in_thread
    assert not thread.event("stance_updated:S").in_thread


def test_stance_update_joins_thread_when_first_reason_arrives():
    thread = simulate(
        [
            CreatePoll("P"),
            Vote("S", "P"),
            ChangeVote("S", reason=True),
            ChangeVote("S", reason=True),
        ]
    )
    assert thread.event("stance_updated:S").in_thread
    assert not thread.event("stance_updated:S#2").in_thread  # the stance already has one


def test_vote_change_with_replies_makes_a_revision():
    actions = [
        CreatePoll("P"),
        Vote("S", "P", reason=True),
        Comment("R", reply_to="S"),
        ChangeVote("S", reason=True, revision_ref="S2"),
    ]
    thread = simulate(actions, max_depth=3)
    assert thread.event("stance_created:S").child_count == 1
    assert thread.event("stance_created:S2").in_thread
    assert thread.outcomes[-1].published == ("stance_created:S2",)
    # The old revision can no longer be changed.
    assert simulate([*actions, ChangeVote("S")], max_depth=3).outcomes[-1].status == 403


def test_reply_to_stance_is_lifted_under_default_max_depth_so_change_is_in_place():
    thread = simulate(
        [
            CreatePoll("P"),
            Vote("S", "P", reason=True),
            Comment("R", reply_to="S"),
            ChangeVote("S", reason=False),
        ]
    )
    assert thread.event("new_comment:R").parent == "poll_created:P"
    assert thread.outcomes[-1].published == ("stance_updated:S",)


def test_reply_to_stance_without_thread_event_is_an_orphan():
    thread = simulate([CreatePoll("P"), Vote("S", "P"), Comment("R", reply_to="S")])
    r = thread.event("new_comment:R")
    assert (r.parent, r.depth, r.position, r.position_key) == (None, 0, 0, "00000")
    assert r.sequence_id == 2
    assert thread.quirks


def test_anonymous_poll_stance_events_have_no_actor():
    thread = simulate([CreatePoll("P", anonymous=True), Vote("S", "P", reason=True, by="v")])
    assert thread.event("stance_created:S").actor is None
    assert thread.event("poll_created:P").actor == "author"


def test_discard_poll_removes_stance_events_and_anonymises_created_event():
    actions = [
        CreatePoll("P"),
        Vote("S1", "P", reason=True),
        Vote("S2", "P", reason=True),
        Comment("A"),
        DiscardPoll("P"),
    ]
    thread = simulate(actions)
    created = thread.event("poll_created:P")
    assert (created.actor, created.pinned, created.child_count) == (None, False, 0)
    assert created.descendant_count == 2  # not recomputed
    s1 = thread.event("stance_created:S1")
    assert (s1.in_thread, s1.sequence_id) == (False, 2)  # keeps its old sequence_id
    assert thread.discussion.items_count == 2
    assert thread.discussion.ranges == ((1, 1), (4, 4))
    assert thread.event(ROOT).descendant_count == 2
    events, discussion = to_api(thread)
    assert invariants(events, discussion) == []


@pytest.mark.parametrize(
    ("actions", "status"),
    [
        ([CreatePoll("P"), ClosePoll("P"), Vote("S", "P")], 403),
        ([CreatePoll("P"), CreateOutcome("O", "P")], 403),
        ([CreatePoll("P"), ClosePoll("P"), ClosePoll("P")], 403),
        ([CreatePoll("P", anonymous=True), ClosePoll("P"), ReopenPoll("P")], 403),
        ([CreatePoll("P"), ReopenPoll("P")], 403),
        ([CreatePoll("P"), DiscardPoll("P"), Vote("S", "P")], 403),
        ([Comment("A"), DestroyComment("A"), DiscardComment("A")], 404),
        ([Comment("A"), DestroyComment("A"), Comment("B", reply_to="A")], 404),
        ([Vote("S", "nope")], 404),
    ],
    ids=[
        "vote-closed",
        "outcome-active",
        "close-twice",
        "reopen-anonymous",
        "reopen-open",
        "vote-discarded",
        "discard-destroyed",
        "reply-to-destroyed",
        "vote-unknown-poll",
    ],
)
def test_refused_actions(actions, status):
    thread = simulate(actions)
    assert thread.outcomes[-1].status == status
    assert thread.outcomes[-1].published == ()


def test_reopen_and_close_again_keys_repeat_events():
    thread = simulate([CreatePoll("P"), ClosePoll("P"), ReopenPoll("P"), ClosePoll("P")])
    assert thread.event("poll_closed_by_user:P#2").position_key == "00001-00003"
    assert thread.event("poll_reopened:P").position_key == "00001-00002"


def test_outcome_allowed_on_discarded_poll():
    thread = simulate([CreatePoll("P"), DiscardPoll("P"), CreateOutcome("O", "P")])
    assert thread.outcomes[-1].status == 200
    assert thread.event("poll_created:P").child_count == 1


def test_discarding_a_pinned_comment_unpins_it():
    thread = simulate([Comment("A"), PinEvent("new_comment:A"), DiscardComment("A")])
    assert not thread.event("new_comment:A").pinned


def test_repair_is_idempotent():
    actions = [*SECTION_10, SetMaxDepth(1), Repair()]
    assert simulate(actions).events == simulate([*actions, Repair()]).events


def test_duplicate_refs_are_rejected():
    with pytest.raises(ValueError, match="already used"):
        simulate([Comment("A"), Comment("A")])


def test_an_update_listed_after_one_left_out_is_numbered_as_the_list_numbers_it():
    """First change without a reason (its stance_updated stays out of the thread), second
    with one (in): the events list shows one stance_updated of S, so the oracle names it
    `stance_updated:S`, and the one left out gets a name no listed event has."""
    thread = simulate(
        [CreatePoll("P"), Vote("S", "P"), ChangeVote("S"), ChangeVote("S", reason=True)]
    )
    listed = [e.key for e in thread.thread_events() if e.kind == "stance_updated"]
    assert listed == ["stance_updated:S"]
    assert not thread.event("stance_updated:S (outside the thread)").in_thread
