"""normalize(): canonical ids/keys, timestamp classes, side-load order, on recorded bodies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.errors import HarnessError
from harness.normalize import (
    TIMELINE_COLUMNS,
    CanonicalIds,
    class_type,
    match_pointer,
    normalize,
    parse_timestamp,
    record_type,
    split_pointer,
    timestamp_class,
    to_pointer,
)

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


@pytest.mark.parametrize("name", ["discussion_show", "events_index"])
def test_recorded_pair_differing_in_ids_timestamps_and_order_normalizes_equal(name: str) -> None:
    rails = normalize(load(f"{name}.rails.json"), CanonicalIds())
    go = normalize(load(f"{name}.go.json"), CanonicalIds())
    assert rails.body == go.body
    assert rails.keyed == go.keyed
    assert rails.order == go.order


def test_ids_become_type_and_ordinal_with_references_mapped_through_same_table() -> None:
    body = normalize(load("discussion_show.rails.json"), CanonicalIds()).body
    discussion = body["discussions"][0]
    assert discussion["id"] == "discussions#1"
    assert discussion["group_id"] == body["groups"][0]["id"] == "groups#1"
    assert discussion["author_id"] == body["users"][0]["id"]
    assert discussion["active_poll_ids"] == [body["polls"][0]["id"]]
    assert discussion["created_event_id"] == body["parent_events"][0]["id"]
    assert discussion["key"] == "discussions.key#1"
    poll = body["polls"][0]
    assert poll["poll_option_ids"] == ["poll_options#1", "poll_options#2", "poll_options#3"]
    assert [row["id"] for row in poll["results"]] == poll["poll_option_ids"]
    assert body["stances"][0]["option_scores"] == {"poll_options#1": 1}


def test_discarded_by_is_a_user_reference() -> None:
    """A discarded poll names its discarder by raw id without `_id`; both sides must agree on
    who, not on the number (noise learning once took it for noise)."""
    rails = {"polls": [{"id": 7, "author_id": 40, "discarded_by": 41}], "users": [{"id": 41}]}
    go = {"polls": [{"id": 9, "author_id": 50, "discarded_by": 51}], "users": [{"id": 51}]}
    left, right = normalize(rails, CanonicalIds()), normalize(go, CanonicalIds())
    assert left.body == right.body
    assert left.body["polls"][0]["discarded_by"] == left.body["users"][0]["id"]
    other = normalize({**go, "polls": [{**go["polls"][0], "discarded_by": 50}]}, CanonicalIds())
    assert other.body != left.body


def test_polymorphic_refs_and_parent_follow_their_type() -> None:
    body = normalize(load("events_index.rails.json"), CanonicalIds()).body
    first, reply = body["comments"]
    assert first["parent_id"] == "discussions#1"  # parent_type Discussion
    assert reply["parent_id"] == first["id"]  # parent_type Comment
    event = body["events"][0]
    assert event["eventable"] == {"type": "comment", "id": first["id"]}
    assert event["eventable_id"] == first["id"]
    root_event = next(e for e in body["parent_events"] if e["kind"] == "new_discussion")
    assert event["parent_id"] == root_event["id"]  # events' parent: an event


def test_sideloads_are_sorted_by_canonical_id_and_the_root_keeps_its_order() -> None:
    raw = load("events_index.rails.json")
    raw["events"].reverse()
    raw["poll_options"].reverse()
    result = normalize(raw, CanonicalIds())
    assert [o["id"] for o in result.body["poll_options"]] == [
        "poll_options#1",
        "poll_options#2",
        "poll_options#3",
    ]
    assert [e["id"] for e in result.body["events"]] == ["events#3", "events#2", "events#1"]
    assert result.order == {"/events": ("events#3", "events#2", "events#1")}


def test_names_are_stable_across_steps_of_a_sequence() -> None:
    state = CanonicalIds()
    normalize(load("events_index.rails.json"), state)
    later = normalize(
        {"discussions": [{"id": 42, "title": "x"}], "meta": {"root": "discussions"}}, state
    )
    assert later.body["discussions"][0]["id"] == "discussions#1"
    assert state.raw("discussions#1") == 42
    assert state.raw("discussions.key#1") == "aB3dE5fG"


def test_raw_of_a_name_never_seen_says_what_to_do() -> None:
    with pytest.raises(HarnessError, match="has not appeared"):
        CanonicalIds().raw("discussions#9")


def test_string_id_keeps_its_json_type_visible() -> None:
    body = {"discussions": [{"id": "42", "group_id": 7}], "meta": {"root": "discussions"}}
    result = normalize(body, CanonicalIds())
    assert result.body["discussions"][0]["id"] == '"discussions#1"'
    assert "discussions#1" in result.keyed["discussions"]  # still the same record


def test_timestamps_become_format_classes_and_are_kept_for_order() -> None:
    body = {
        "discussions": [{"id": 1, "created_at": "2025-06-01T10:15:00.000Z", "due_on": "2025-07-01"}]
    }
    result = normalize(body, CanonicalIds())
    record = result.body["discussions"][0]
    assert record["created_at"] == "<timestamp 9999-99-99T99:99:99.999Z>"
    assert record["due_on"] == "<timestamp 9999-99-99>"
    assert set(result.timestamps) == {
        "/discussions/discussions#1/created_at",
        "/discussions/discussions#1/due_on",
    }


@pytest.mark.parametrize(
    ("value", "kept"),
    [(50.0, 50.0), (0, 0), (True, True), (None, None), ("2025", "2025"), ("hello", "hello")],
    ids=["float", "int", "bool", "null", "year-only", "text"],
)
def test_scalars_keep_value_and_json_type(value: Any, kept: Any) -> None:
    result = normalize({"polls": [{"id": 1, "x": value}]}, CanonicalIds())
    out = result.body["polls"][0]["x"]
    assert out == kept
    assert type(out) is type(kept)


def test_duplicate_record_gets_a_suffix_instead_of_vanishing() -> None:
    body = {"users": [{"id": 5}, {"id": 5}], "meta": {"root": "discussions"}}
    assert list(normalize(body, CanonicalIds()).keyed["users"]) == ["users#1", "users#1@2"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"success": "ok"}, {"success": "ok"}),
        (None, None),
        ({}, {}),
        ([{"handle": "ana", "name": "Ana"}], [{"handle": "ana", "name": "Ana"}]),
        (
            [["00001", 1, "2025-06-01T10:05:00.000Z", 9, 1, 1]],
            [["00001", 1, "<timestamp 9999-99-99T99:99:99.999Z>", 9, 1, 1]],
        ),
    ],
    ids=["success-ok", "null", "empty-object", "mentions", "timeline"],
)
def test_non_envelope_bodies_pass_through_with_timestamps_classed(body: Any, expected: Any) -> None:
    result = normalize(body, CanonicalIds())
    assert result.envelope is False
    assert result.body == expected


@pytest.mark.parametrize(
    ("error", "named"),
    [
        (
            "Couldn't find Discussion with 'id'=42",
            "Couldn't find Discussion with 'id'=<discussions#1>",
        ),
        (
            "Couldn't find Discussion with 'key'=a1B2",
            "Couldn't find Discussion with 'key'=<discussions.key#1>",
        ),
        (
            "Couldn't find PollOption with ID=9 for Poll with ID=42",
            "Couldn't find PollOption with ID=<poll_options#1> for Poll with ID=<polls#1>",
        ),
        ("Couldn't find Event", "Couldn't find Event"),
        ("Couldn't find Group with 'name'=x", "Couldn't find Group with 'name'=x"),
    ],
)
def test_raw_ids_in_not_found_errors_get_canonical_names(error: str, named: str) -> None:
    body = {"exception": "ActiveRecord::RecordNotFound", "error": error}
    assert normalize(body, CanonicalIds()).body["error"] == named


def test_not_found_error_names_the_record_an_earlier_step_named() -> None:
    ids = CanonicalIds()
    ids.name("discussions", 7)
    ids.name("discussions", 42)
    body = normalize({"error": "Couldn't find Discussion with 'id'=42"}, ids).body
    assert body == {"error": "Couldn't find Discussion with 'id'=<discussions#2>"}


def test_not_found_error_echoing_a_sent_reference_keeps_its_name() -> None:
    """events#comment looks the Event up by the comment id it was sent: on each backend the
    number collides with an unrelated event (or none), so only the request's name is stable."""
    named = []
    for events_before in (3, 40):
        ids = CanonicalIds()
        for raw in range(1, events_before + 1):
            ids.name("events", raw)
        ids.name("comments", 11)
        error = {"error": "Couldn't find Event with 'id'=11"}
        named.append(normalize(error, ids, echoes={"11": "comments#1"}).body["error"])
    assert named == ["Couldn't find Event with 'id'=<comments#1>"] * 2


def test_timeline_rows_map_user_ids_and_class_timestamps() -> None:
    ids = CanonicalIds()
    rows = [
        ["00001", 1, "2025-06-01T10:15:00.000Z", 7, 1, 0],
        ["00002", 2, "2025-06-01T10:16:00.000Z", 3, 1, 0],
    ]
    result = normalize(rows, ids, columns=TIMELINE_COLUMNS)
    stamp = "<timestamp 9999-99-99T99:99:99.999Z>"
    assert result.body == [
        ["00001", 1, stamp, "users#1", 1, 0],
        ["00002", 2, stamp, "users#2", 1, 0],
    ]
    assert ids.raw("users#2") == 3
    assert list(result.timestamps) == ["/0/created_at", "/1/created_at"]


def test_rows_of_another_width_are_left_as_they_are() -> None:
    assert normalize([[1, 2]], CanonicalIds(), columns=TIMELINE_COLUMNS).body == [[1, 2]]


def test_login_payload_without_meta_is_an_envelope_with_current_user_mapped() -> None:
    body = {"users": [{"id": 5}], "current_user_id": 5, "pending_identity": {}, "flash": {}}
    result = normalize(body, CanonicalIds())
    assert result.envelope is True
    assert result.body["current_user_id"] == result.body["users"][0]["id"] == "users#1"


def test_unreferenced_sideloads_are_named_by_raw_id_not_array_order() -> None:
    one = {"users": [{"id": 9}, {"id": 5}], "meta": {"root": "groups"}, "groups": []}
    two = {"users": [{"id": 15}, {"id": 19}], "meta": {"root": "groups"}, "groups": []}
    assert normalize(one, CanonicalIds()).body == normalize(two, CanonicalIds()).body


@pytest.mark.parametrize(
    ("stem", "rtype"),
    [
        ("author", "users"),
        ("discussion_reader_user", "users"),
        ("current_user_membership", "memberships"),
        ("poll_option", "poll_options"),
        ("created_event", "events"),
        ("my_stance", "stances"),
        ("source_group", "groups"),
        ("discussion_reader", "discussion_readers"),
        ("widget", "widgets"),
    ],
)
def test_record_type_of_a_reference_stem(stem: str, rtype: str) -> None:
    assert record_type(stem) == rtype


@pytest.mark.parametrize(
    ("name", "rtype"),
    [("Poll", "polls"), ("comment", "comments"), ("DiscussionReader", "discussion_readers")],
)
def test_class_type(name: str, rtype: str) -> None:
    assert class_type(name) == rtype


def test_timestamp_class_and_parse() -> None:
    assert timestamp_class("2025-06-01T10:15:00Z") == "9999-99-99T99:99:99Z"
    assert parse_timestamp("2025-06-01T10:15:00.000Z") == parse_timestamp("2025-06-01T10:15:00Z")
    assert parse_timestamp("not a time") is None
    assert parse_timestamp("2025-13-01") is None


@pytest.mark.parametrize(
    ("segments", "pointer"),
    [(["a/b", 0], "/a~1b/0"), (["m~n"], "/m~0n"), ([], ""), (["users#1"], "/users#1")],
)
def test_pointer_round_trip(segments: list[Any], pointer: str) -> None:
    assert to_pointer(segments) == pointer
    assert split_pointer(pointer) == [str(s) for s in segments]


def test_split_pointer_rejects_a_non_pointer() -> None:
    with pytest.raises(HarnessError, match="start with /"):
        split_pointer("discussions/0")


@pytest.mark.parametrize(
    ("pointer", "pattern", "matched"),
    [
        ("/discussions/discussions#3/last_activity_at", "/discussions/*/last_activity_at", True),
        ("/discussions/discussions#3/title", "/discussions/*/last_activity_at", False),
        ("/meta/total", "/meta", True),
        ("/polls/polls#1/results/0/score", "/**/score", True),
        ("/polls/polls#1/results/0/score", "/polls/**", True),
        ("/users/users#1/name", "/polls/**", False),
        ("", "", True),
        ("/discussions/discussions#3/title", "", False),  # the root pattern is the root only
        ("/a", "/a/b", False),
    ],
)
def test_match_pointer(pointer: str, pattern: str, matched: bool) -> None:
    assert match_pointer(pointer, pattern) is matched
