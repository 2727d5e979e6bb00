"""contracts.channels.deliveries: delivery sequences through the comparison core."""

from __future__ import annotations

from contracts.channels.deliveries import Delivery, sequence_differences
from harness.compare import Kind


def _records(room: str, **records: object) -> Delivery:
    return Delivery("records", {"room": room, "records": records})


def test_the_same_sequence_has_no_difference() -> None:
    events = [{"id": 5, "sequence_id": 1, "created_at": "2025-06-01T10:15:00.000Z"}]
    seq = [_records("group-1", events=events), Delivery("notice", {"notice": "x"})]
    assert sequence_differences(seq, list(seq)) == []


def test_one_for_one_point_zero_is_a_type_difference_at_its_pointer() -> None:
    left = [_records("group-1", stances=[{"id": 3, "score": 1}])]
    right = [_records("group-1", stances=[{"id": 3, "score": 1.0}])]
    (difference,) = sequence_differences(left, right)
    assert difference.kind is Kind.TYPE
    assert difference.pointer == "/0/data/records/stances/stances#1/score"


def test_a_lost_delivery_is_one_missing_item() -> None:
    left = [_records("group-1"), _records("user-2")]
    (difference,) = sequence_differences(left, left[:1])
    assert difference.kind is Kind.MISSING_ITEM and difference.pointer == "/1"
    (extra,) = sequence_differences(left[:1], left)
    assert extra.kind is Kind.EXTRA_ITEM


def test_the_inner_records_instead_of_the_message_is_seen() -> None:
    whole = [_records("group-1", users=[{"id": 1}])]
    inner = [Delivery("records", {"users": [{"id": 1}]})]
    kinds = {d.kind for d in sequence_differences(whole, inner)}
    assert Kind.MISSING_KEY in kinds
