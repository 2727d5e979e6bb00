"""Deliveries of one socket -> the comparison core (harness.normalize, harness.compare).

A socket's deliveries are a sequence of `(event, data)`; `records` data is `{room, records}`
where `records` is the API's side-loading envelope. Each envelope goes through
`harness.normalize.normalize` (canonical ids, timestamps, side-load order) with the side's
`CanonicalIds`, the rest of the delivery as a plain value; the sequence becomes one
`Normalized` whose pointers read `/<index>/data/records/events/events#1/sequence_id`, and
`harness.compare.compare_normalized` finds the differences, type-strict (1 is not 1.0).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from harness.compare import Difference, Kind, compare_normalized
from harness.normalize import CanonicalIds, Normalized, normalize

JsonValue = Any


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event a socket received: its name and first argument (the offset is protocol)."""

    event: str
    data: JsonValue

    def describe(self) -> str:
        room = self.data.get("room") if isinstance(self.data, dict) else None
        return f"{self.event} to {room}" if room is not None else self.event


def _prefixed(mapping: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {prefix + pointer: value for pointer, value in mapping.items()}


def normalize_sequence(deliveries: Sequence[Delivery], ids: CanonicalIds) -> Normalized:
    """A socket's deliveries in canonical form (see the module docstring)."""
    keyed: list[JsonValue] = []
    order: dict[str, tuple[str, ...]] = {}
    stamps: dict[str, datetime] = {}
    for index, delivery in enumerate(deliveries):
        data = delivery.data
        records = data.get("records") if isinstance(data, dict) else None
        if isinstance(data, dict) and isinstance(records, dict):
            rest = normalize({k: v for k, v in data.items() if k != "records"}, ids)
            inner = normalize(records, ids)
            value = {**rest.keyed, "records": inner.keyed}
            order.update(_prefixed(inner.order, f"/{index}/data/records"))
            stamps.update(_prefixed(inner.timestamps, f"/{index}/data/records"))
            stamps.update(_prefixed(rest.timestamps, f"/{index}/data"))
        else:
            plain = normalize(data, ids)
            value = plain.keyed
            order.update(_prefixed(plain.order, f"/{index}/data"))
            stamps.update(_prefixed(plain.timestamps, f"/{index}/data"))
        keyed.append({"event": delivery.event, "data": value})
    return Normalized(
        body=keyed, keyed=keyed, order=order, timestamps=stamps, root=None, envelope=False
    )


def sequence_differences(
    left: Sequence[Delivery],
    right: Sequence[Delivery],
    left_ids: CanonicalIds | None = None,
    right_ids: CanonicalIds | None = None,
    names: tuple[str, str] = ("rails", "go"),
) -> list[Difference]:
    """Differences between two delivery sequences (left plays `rails`, right `go`; `names`
    says who they are in the details: ("the oracle", "go") for a side against the oracle).

    Sequences of different lengths are compared on their common prefix, and the surplus is
    one `missing_item` / `extra_item` difference per delivery: a lost message is one
    difference, not a cascade of shifted ones.
    """
    common = min(len(left), len(right))
    found = compare_normalized(
        normalize_sequence(left[:common], left_ids or CanonicalIds()),
        normalize_sequence(right[:common], right_ids or CanonicalIds()),
    )
    for index in range(common, max(len(left), len(right))):
        missing = index < len(left)
        shown = (left if missing else right)[index]
        found.append(
            Difference(
                pointer=f"/{index}",
                kind=Kind.MISSING_ITEM if missing else Kind.EXTRA_ITEM,
                rails={"event": shown.event, "data": shown.data} if missing else "<absent>",
                go="<absent>" if missing else {"event": shown.event, "data": shown.data},
                detail=f"delivery ({shown.describe()}) in {names[0 if missing else 1]}'s "
                "sequence only",
            )
        )
    return found
