"""GET /api/v1/events: threading.md section 5.1 semantics, quirks included; api-envelope.md section 11."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference.conftest import Client, World


@pytest.fixture(scope="module")
def thread(world: World) -> tuple[Client, dict[str, Any], list[int]]:
    """Comments: A (00001), B reply to A (00001-00001), C (00002), D (00003), E reply to C."""
    ana = world.seed.user()
    group = world.seed.group(ana)
    d = world.thread(group, ana)
    a = world.comment(ana, d["id"])["comments"][0]["id"]
    world.comment(ana, d["id"], parent=a)
    c = world.comment(ana, d["id"])["comments"][0]["id"]
    world.comment(ana, d["id"])
    world.comment(ana, d["id"], parent=c)
    return world.client(ana), d, [a, c]


def seqs(answer: tuple[int, Any]) -> list[int]:
    status, body = answer
    assert status == 200, body
    return [e["sequence_id"] for e in body["events"]]


def test_default_is_sequence_order_from_zero(thread: Any) -> None:
    client, d, _ = thread
    _status, body = client.get("/api/v1/events", discussion_id=d["id"], per=3)
    assert [e["sequence_id"] for e in body["events"]] == [1, 2, 3]
    assert body["meta"] == {"root": "events", "total": 5}
    assert all(e["kind"] != "new_discussion" for e in body["events"])
    assert next(e["kind"] for e in body["parent_events"]) == "new_discussion"
    assert body["parent_events"][0]["position_key"] == "00000"


def test_discussion_key_is_accepted(thread: Any) -> None:
    client, d, _ = thread
    assert seqs(client.get("/api/v1/events", discussion_id=d["key"])) == [1, 2, 3, 4, 5]


def test_from_is_an_inclusive_bound_not_an_offset(thread: Any) -> None:
    client, d, _ = thread
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], **{"from": 4})) == [4, 5]


def test_order_desc_is_tested_for_presence_only(thread: Any) -> None:
    client, d, _ = thread
    got = seqs(
        client.get(
            "/api/v1/events",
            discussion_id=d["id"],
            order_by="sequence_id",
            order_desc="false",
            per=2,
        )
    )
    assert got == [5, 4]


def test_order_by_position_key_is_preorder(thread: Any) -> None:
    client, d, _ = thread
    _status, body = client.get("/api/v1/events", discussion_id=d["id"], order_by="position_key")
    assert [e["position_key"] for e in body["events"]] == [
        "00001",
        "00001-00001",
        "00002",
        "00002-00001",
        "00003",
    ]


def test_filters(thread: Any) -> None:
    client, d, _ = thread
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], position_key_sw="00002")) == [
        3,
        5,
    ]
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], depth=2)) == [2, 5]
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], sequence_id_gt=3)) == [4, 5]
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], kind="new_comment", per=1)) == [
        1
    ]
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], pinned="true")) == []


def test_comment_id_starts_at_that_comment(thread: Any) -> None:
    client, d, (_a, c) = thread
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], comment_id=c)) == [3, 4, 5]
    assert client.get("/api/v1/events", discussion_id=d["id"], comment_id=999999)[0] == 404


def test_until_sequence_id_of_position(thread: Any) -> None:
    client, d, _ = thread
    got = seqs(client.get("/api/v1/events", discussion_id=d["id"], until_sequence_id_of_position=1))
    assert got == [1, 2]


def test_position_parameters_are_ruby_to_i_and_count_when_empty(thread: Any) -> None:
    """`if params[:x]` is true for "", and `"2abc".to_i` is 2 (threading.md 5.1)."""
    client, d, _ = thread
    empty_position = {"from_sequence_id_of_position": "", "from": 4}
    assert seqs(client.get("/api/v1/events", discussion_id=d["id"], **empty_position)) == [
        1,
        2,
        3,
        4,
        5,
    ]
    # position 2 is C (sequence 3, one child): sequence_id <= 4, ordered by depth, position
    got = seqs(
        client.get("/api/v1/events", discussion_id=d["id"], until_sequence_id_of_position="2abc")
    )
    assert got == [1, 3, 4, 2]
    assert client.get("/api/v1/events", discussion_id=d["id"], **{"from": ""})[0] == 500


def test_position_key_order_without_from_is_a_500(thread: Any) -> None:
    client, d, _ = thread
    status, body = client.get("/api/v1/events", discussion_id=d["id"], order="position_key")
    assert (status, body) == (500, {"status": 500, "error": "Internal Server Error"})
    assert seqs(
        client.get(
            "/api/v1/events", discussion_id=d["id"], order="position_key", **{"from": "00002"}
        )
    ) == [3, 5, 4]


def test_exclude_types_drops_group_and_discussion_sideloads(thread: Any) -> None:
    client, d, _ = thread
    _, body = client.get("/api/v1/events", discussion_id=d["id"], exclude_types="group discussion")
    assert not {"discussions", "groups", "parent_groups", "memberships", "tags"} & set(body)
    assert all(e["discussion_id"] == d["id"] for e in body["events"])


def test_position_keys_and_timeline_use_the_numeric_id(thread: Any) -> None:
    client, d, _ = thread
    assert client.get("/api/v1/events/position_keys", discussion_id=d["key"])[1] == {
        "position_keys": []
    }
    _status, rows = client.get("/api/v1/events/timeline", discussion_id=d["id"])
    assert [r[0] for r in rows] == ["00001", "00001-00001", "00002", "00002-00001", "00003"]
    assert rows[0][1:2] == [1] and rows[0][4:] == [1, 1] and rows[0][2].endswith("Z")


def test_visitor_is_refused_a_private_thread(thread: Any, world: World) -> None:
    _, d, _ = thread
    assert world.visitor.get("/api/v1/events", discussion_id=d["id"]) == (
        403,
        {
            "exception": "CanCan::AccessDenied",
            "error": "You are not authorized to access this page.",
        },
    )
    assert world.visitor.get("/api/v1/events", discussion_id=99999999)[0] == 404
