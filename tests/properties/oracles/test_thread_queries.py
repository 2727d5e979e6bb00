"""GET /api/v1/events query forms of threading.md 5.1/5.2 on the section 10 thread."""

from __future__ import annotations

import pytest

from properties.oracles.threading import (
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    PinEvent,
    QueryResult,
    Vote,
    comment_event,
    position_keys,
    query_events,
    simulate,
    timeline,
    to_api_event,
)

THREAD = simulate(
    [
        Comment("A"),
        Comment("B", reply_to="A"),
        Comment("C", reply_to="B"),
        CreatePoll("P", by="pa"),
        Vote("S1", "P", reason=True),
        Vote("S2", "P", reason=False),
        Comment("E"),
        ClosePoll("P", by="pa"),
        CreateOutcome("OUT", "P", by="pa"),
    ]
)
A, B, C, P, S1 = (
    "new_comment:A",
    "new_comment:B",
    "new_comment:C",
    "poll_created:P",
    "stance_created:S1",
)
E, CLOSE, OUT = "new_comment:E", "poll_closed_by_user:P", "outcome_created:OUT"
BY_SEQ = [A, B, C, P, S1, E, CLOSE, OUT]
BY_KEY = [A, B, C, P, S1, CLOSE, OUT, E]

CASES = [
    ("default", {}, BY_SEQ, 8),
    ("first-page", {"order_by": "sequence_id", "per": "3"}, [A, B, C], 8),
    ("order-seq-from-0", {"order": "sequence_id", "from": "0", "per": "3"}, [A, B, C], 8),
    (
        "newest-page",
        {"order_by": "sequence_id", "order_desc": "true", "per": "3"},
        [OUT, CLOSE, E],
        8,
    ),
    (
        "order-desc-false-still-desc",
        {"order_by": "sequence_id", "order_desc": "false"},
        BY_SEQ[::-1],
        8,
    ),
    (
        "order-desc-empty-still-desc",
        {"order_by": "position_key", "order_desc": ""},
        BY_KEY[::-1],
        8,
    ),
    ("order-by-ignores-from", {"order_by": "sequence_id", "from": "5", "per": "2"}, [A, B], 8),
    ("from-is-inclusive-bound", {"from": "5", "per": "2"}, [S1, E], 4),
    ("jump-to-seq", {"sequence_id_gte": "3", "order": "sequence_id", "per": "2"}, [C, P], 6),
    ("by-key", {"order_by": "position_key"}, BY_KEY, 8),
    (
        "order-key-with-string-from",
        {"order": "position_key", "from": "00002"},
        [P, S1, CLOSE, OUT, E],
        5,
    ),
    (
        "around-key-after",
        {"position_key_gte": "00002", "order_by": "position_key", "per": "2"},
        [P, S1],
        5,
    ),
    (
        "around-key-before",
        {"position_key_lt": "00002", "order_by": "position_key", "order_desc": "1", "per": "2"},
        [C, B],
        3,
    ),
    (
        "continue-after",
        {"position_key_gt": "00001-00002", "order_by": "position_key"},
        [P, S1, CLOSE, OUT, E],
        5,
    ),
    ("subtree-sw", {"position_key_sw": "00002-", "order_by": "position_key"}, [S1, CLOSE, OUT], 3),
    ("comment-id", {"comment_id": "C", "order": "sequence_id"}, [C, P, S1, E, CLOSE, OUT], 6),
    (
        "from-position",
        {"from_sequence_id_of_position": "2", "order": "sequence_id"},
        [P, S1, E, CLOSE, OUT],
        5,
    ),
    ("from-position-0-means-1", {"from_sequence_id_of_position": "0"}, BY_SEQ, 8),
    ("pinned", {"pinned": "true", "per": "200"}, [P], 1),
    ("kind-list", {"kind": "new_comment,outcome_created"}, [A, B, C, E, OUT], 5),
    ("depth-eq", {"depth": "2"}, [B, C, S1, CLOSE, OUT], 5),
    ("depth-lte", {"depth_lte": "1"}, [A, P, E], 3),
    ("position-gt", {"position_gt": "2"}, [E, OUT], 2),
    ("sequence-lt", {"sequence_id_lt": "3"}, [A, B], 2),
    ("per-0", {"per": "0"}, [], 8),
    ("parent-id", {"parent_id": P}, [S1, CLOSE, OUT], 3),
    ("parent-id-gt-root", {"parent_id_gt": "root"}, [B, C, S1, CLOSE, OUT], 5),
    (
        "until-position-1",
        {"until_sequence_id_of_position": "1", "order": "sequence_id"},
        [A, B, C],
        8,
    ),
    ("until-position-clamped", {"until_sequence_id_of_position": "9"}, [A, P, E, B, S1, C], 8),
    ("unknown-order-falls-back", {"order": "created_at", "per": "2"}, [A, B], 8),
]


@pytest.mark.parametrize(
    ("params", "keys", "total"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_query_forms(params, keys, total):
    result = query_events(THREAD, params)
    assert result.status == 200
    assert list(result.keys) == keys
    assert result.total == total
    assert result.accepts(keys)


STATUS_CASES = [
    ("order-key-no-from", {"order": "position_key"}, 500),
    (
        "order-key-from-position",
        {"order": "position_key", "from_sequence_id_of_position": "1"},
        500,
    ),
    ("order-key-comment-id", {"order": "position_key", "comment_id": "A"}, 500),
    ("sw-on-integer", {"depth_sw": "1"}, 500),
    ("non-integer-from", {"from": "abc"}, 500),
    ("negative-per", {"per": "-1"}, 500),
    ("unknown-comment", {"comment_id": "nope"}, 404),
    ("unknown-comment-beats-500", {"comment_id": "nope", "order": "position_key"}, 404),
    ("position-without-event", {"from_sequence_id_of_position": "9"}, 404),
    ("until-position-0", {"until_sequence_id_of_position": "0"}, 404),
]


@pytest.mark.parametrize(
    ("params", "status"), [c[1:] for c in STATUS_CASES], ids=[c[0] for c in STATUS_CASES]
)
def test_query_quirk_statuses(params, status):
    assert query_events(THREAD, params).status == status


def test_order_by_position_ties_are_groups():
    result = query_events(THREAD, {"order": "position", "per": "4"})
    first = {e.key for e in result.groups[0]}
    assert first == {A, B, S1}  # every position-1 event ties
    assert result.accepts([S1, B, A, P])
    assert not result.accepts([A, C, B, S1])
    assert result.total == 8


def test_limit_cutting_a_tie_group_accepts_any_members():
    result = query_events(THREAD, {"order": "position", "per": "2"})
    assert result.accepts([S1, B])
    assert result.explain([A, P]) is not None


def test_unread_drops_read_ranges():
    result = query_events(THREAD, {"unread": "true"}, read_ranges=[(1, 3), (5, 5)])
    assert list(result.keys) == [P, E, CLOSE, OUT]


def test_explain_names_length_mismatch():
    assert "expected 8 events" in (query_events(THREAD, {}).explain([A]) or "")


def test_timestamp_filters_are_refused():
    with pytest.raises(ValueError, match="timestamps"):
        query_events(THREAD, {"since": "2025-01-01"})


def test_empty_result_status():
    assert QueryResult(status=404).keys == ()


def test_comment_event_endpoint():
    assert comment_event(THREAD, "B") == (200, THREAD.event(B))
    assert comment_event(THREAD, "Z") == (404, None)


def test_position_keys_endpoint():
    assert position_keys(THREAD) == (
        "00001",
        "00001-00001",
        "00001-00002",
        "00002",
        "00002-00001",
        "00002-00002",
        "00002-00003",
        "00003",
    )
    assert position_keys(THREAD, discussion_param="key") == ()


def test_timeline_endpoint_rows():
    rows = timeline(THREAD)
    assert [(r.position_key, r.sequence_id, r.depth, r.descendant_count) for r in rows[:2]] == [
        ("00001", 1, 1, 2),
        ("00001-00001", 2, 2, 0),
    ]
    assert rows[3].actor == "pa"


def test_pinned_comment_appears_in_table_of_contents():
    thread = simulate([Comment("A"), Comment("B"), PinEvent("new_comment:B")])
    assert list(query_events(thread, {"pinned": "true"}).keys) == ["new_comment:B"]


# api-envelope.md section 11: GET /api/v1/events?discussion_id=42&per=3
ENVELOPE_11 = [
    {
        "id": 1001,
        "sequence_id": 1,
        "position": 1,
        "depth": 1,
        "child_count": 1,
        "descendant_count": 1,
        "kind": "new_comment",
        "discussion_id": 42,
        "parent_id": 1000,
        "actor_id": 9,
        "position_key": "00001",
        "eventable_type": "Comment",
        "pinned": False,
    },
    {
        "id": 1002,
        "sequence_id": 2,
        "position": 1,
        "depth": 2,
        "child_count": 0,
        "descendant_count": 0,
        "kind": "new_comment",
        "discussion_id": 42,
        "parent_id": 1001,
        "actor_id": 5,
        "position_key": "00001-00001",
        "eventable_type": "Comment",
        "pinned": False,
    },
    {
        "id": 1004,
        "sequence_id": 3,
        "position": 2,
        "depth": 1,
        "child_count": 1,
        "descendant_count": 1,
        "kind": "poll_created",
        "discussion_id": 42,
        "pinned": True,
        "parent_id": 1000,
        "actor_id": 5,
        "position_key": "00002",
        "eventable_type": "Poll",
    },
]


def test_envelope_example_page_matches_oracle_rendering():
    thread = simulate(
        [
            Comment("601", by="ben"),
            Comment("602", reply_to="601", by="ana"),
            CreatePoll("88", by="ana"),
            Vote("9001", "88", reason=True, by="ana"),
        ]
    )
    page = query_events(thread, {"per": "3"})
    assert page.total == 4
    event_ids = {
        "root": 1000,
        "new_comment:601": 1001,
        "new_comment:602": 1002,
        "poll_created:88": 1004,
        "stance_created:9001": 1005,
    }
    rendered = [
        to_api_event(e, event_ids=event_ids, discussion_id=42, actor_ids={"ben": 9, "ana": 5})
        for e in page.events
    ]
    assert rendered == ENVELOPE_11
