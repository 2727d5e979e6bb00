"""Publications compared per room (contracts.live_compare), on recorded messages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contracts.live_compare import RECORDS, Message, by_room, canonical_room, compare_room
from harness.compare import Kind
from harness.noise import declared_noise
from harness.normalize import CanonicalIds


def message(room: Any, records: dict[str, Any], key: str = "room") -> Message:
    return Message.decode(RECORDS, json.dumps({key: room, "records": records}).encode(), 0.0)


def event(eid: int, discussion: int, kind: str = "new_comment", **extra: Any) -> dict[str, Any]:
    return {
        "events": [{"id": eid, "kind": kind, "discussion_id": discussion, **extra}],
        "discussions": [{"id": discussion, "title": "T", "created_at": "2025-06-01T10:15:00.000Z"}],
    }


def ids() -> tuple[CanonicalIds, CanonicalIds]:
    rails, go = CanonicalIds(), CanonicalIds()
    rails.name("groups", 11), go.name("groups", 901)
    rails.name("users", 5), go.name("users", 77)
    return rails, go


def test_rooms_get_canonical_names_from_the_sides_own_ids() -> None:
    rails, go = ids()
    assert canonical_room(message("group-11", {}), rails) == "group-groups#1"
    assert canonical_room(message("group-901", {}), go) == "group-groups#1"
    assert canonical_room(message("user-77", {}), go) == "user-users#1"
    assert canonical_room(message(None, {}), go) == "(no room)"
    assert canonical_room(message("notice", {}), go) == "notice"


def test_same_records_with_other_raw_ids_compare_equal() -> None:
    tables = ids()
    rails = by_room([message("group-11", event(3, 40))], tables[0])
    go = by_room([message("group-901", event(8, 12))], tables[1])
    assert set(rails) == set(go) == {"group-groups#1"}
    kept, _ = compare_room(
        "group-groups#1", rails["group-groups#1"], go["group-groups#1"], tables, 0, ()
    )
    assert kept == []


def test_a_missing_message_is_one_difference_with_both_sides() -> None:
    tables = ids()
    sent = [message("user-5", event(3, 40))]
    kept, _ = compare_room("user-users#1", sent, [], tables, 0, ())
    assert [(d.index, d.difference.kind) for d in kept] == [(0, Kind.MISSING_RECORD)]
    assert kept[0].rails == sent[0].value and kept[0].go is None


def test_a_renamed_room_key_is_an_envelope_difference() -> None:
    tables = ids()
    kept, _ = compare_room(
        "r",
        [message("group-11", event(3, 40))],
        [message("group-901", event(8, 12), key="channel")],
        tables,
        0,
        (),
    )
    assert [d.difference.kind for d in kept] == [Kind.ENVELOPE]


@pytest.mark.parametrize(
    ("go_records", "kind", "pointer"),
    [
        ({"events": event(8, 12)["events"]}, Kind.ENVELOPE, "/discussions"),
        (event(8, 12, kind="comment_edited"), Kind.VALUE, "/events/events#1/kind"),
        (
            event(8, 12, discussion_reader_id=4),
            Kind.EXTRA_KEY,
            "/events/events#1/discussion_reader_id",
        ),
    ],
    ids=["no-sideloads", "other-kind", "reader-field"],
)
def test_record_differences_point_into_the_envelope(
    go_records: dict[str, Any], kind: Kind, pointer: str
) -> None:
    tables = ids()
    kept, _ = compare_room(
        "r", [message("group-11", event(3, 40))], [message("group-901", go_records)], tables, 0, ()
    )
    assert [(d.difference.kind, d.difference.pointer) for d in kept] == [(kind, pointer)]


def test_declared_ignores_apply_to_envelope_pointers() -> None:
    tables = ids()
    noise = declared_noise(["/events/*/kind"])
    kept, ignored = compare_room(
        "r",
        [message("group-11", event(3, 40))],
        [message("group-901", event(8, 12, kind="x"))],
        tables,
        0,
        noise,
    )
    assert kept == [] and [d.pointer for d, _ in ignored] == ["/events/events#1/kind"]


def test_messages_already_compared_are_not_compared_again() -> None:
    tables = ids()
    first = message("group-11", event(3, 40))
    kept, _ = compare_room("r", [first], [first, message("group-901", event(8, 12))], tables, 1, ())
    assert [(d.index, d.difference.kind) for d in kept] == [(1, Kind.EXTRA_RECORD)]
