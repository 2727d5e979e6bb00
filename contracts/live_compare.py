"""Live-update publications of one step, both sides: normalized and compared per room.

A `/records` message is `{"room": ROOM, "records": ENVELOPE}` (shared/loomio/realtime.md
section 2). Rooms name raw ids (`group-12`, `user-7`): they become canonical names with the
side's own `CanonicalIds` (`group-groups#1`), the same tables the step's responses use.
Envelopes go through the one normalizer (harness.normalize) and comparison
(harness.compare); declared and learned noise patterns apply to the envelope's pointers as
they do to a response's. Rooms are visited in canonical order, messages in arrival order
within a room, so both sides name new records in the same order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from contracts.differential import EVENT_COLLECTIONS
from harness.compare import Difference, Kind, compare_normalized
from harness.noise import NoiseField, partition
from harness.normalize import CanonicalIds, normalize

RECORDS = "/records"
NOTICE = "/system_notice"
NO_ROOM = "(no room)"
_ROOM = re.compile(r"^(group|user)-(\d+)$")
ROOM_TYPES = {"group": "groups", "user": "users"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One message as received on one side: its channel, decoded JSON (None: not JSON)."""

    channel: str
    text: str
    value: Any
    at: float  # time.monotonic() when received

    @classmethod
    def decode(cls, channel: str, data: bytes, at: float) -> Message:
        text = data.decode("utf-8", errors="replace")
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        return cls(channel=channel, text=text, value=value, at=at)

    @property
    def raw_room(self) -> Any:
        return self.value.get("room") if isinstance(self.value, dict) else None

    @property
    def records(self) -> Any:
        return self.value.get("records") if isinstance(self.value, dict) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveDifference:
    """A difference between the two sides' publications to one room."""

    room: str  # canonical: group-groups#1, user-users#4, /system_notice, (no room)
    index: int  # the message's place in that room during the example
    difference: Difference  # pointer into the message's normalized envelope
    rails: Any  # both messages as sent (raw), for the finding
    go: Any


def canonical_room(message: Message, ids: CanonicalIds) -> str:
    """`group-12` -> `group-groups#1`; a notice is its channel; anything else as sent."""
    if message.channel != RECORDS:
        return message.channel
    room = message.raw_room
    if not isinstance(room, str):
        return NO_ROOM
    match = _ROOM.match(room)
    if match is None:
        return room
    return f"{match[1]}-{ids.name(ROOM_TYPES[match[1]], int(match[2]))}"


def by_room(messages: Sequence[Message], ids: CanonicalIds) -> dict[str, list[Message]]:
    """Messages grouped by canonical room, each room in arrival order."""
    rooms: dict[str, list[Message]] = {}
    for message in messages:
        rooms.setdefault(canonical_room(message, ids), []).append(message)
    return rooms


def message_body(message: Message, ids: CanonicalIds) -> Any:
    """What is compared of one message: its normalized envelope plus its other keys."""
    if message.value is None or not isinstance(message.value, dict):
        return None
    records = message.records
    if message.channel == RECORDS and isinstance(records, dict):
        return normalize(records, ids, ordered=EVENT_COLLECTIONS)
    return normalize(message.value, ids)


def compare_room(
    room: str,
    rails: Sequence[Message],
    go: Sequence[Message],
    ids: tuple[CanonicalIds, CanonicalIds],
    start: int,
    noise: Sequence[NoiseField],
) -> tuple[list[LiveDifference], list[tuple[Difference, NoiseField]]]:
    """Messages `start`.. of one room on both sides, pairwise; unmatched ones are missing or
    extra messages."""
    kept: list[LiveDifference] = []
    ignored: list[tuple[Difference, NoiseField]] = []
    for index in range(start, max(len(rails), len(go))):
        left = rails[index] if index < len(rails) else None
        right = go[index] if index < len(go) else None
        found = _pair(left, right, ids)
        counted, set_aside = partition(found, noise)
        ignored += set_aside
        kept += [
            LiveDifference(
                room=room,
                index=index,
                difference=d,
                rails=left.value if left else None,
                go=right.value if right else None,
            )
            for d in counted
        ]
    return kept, ignored


def _pair(
    left: Message | None, right: Message | None, ids: tuple[CanonicalIds, CanonicalIds]
) -> list[Difference]:
    if left is None or right is None:
        kind = Kind.EXTRA_RECORD if left is None else Kind.MISSING_RECORD
        side = "go only" if left is None else "rails only"
        shown = (left or right).text[:2000] if (left or right) else None  # type: ignore[union-attr]
        return [
            Difference(
                pointer="",
                kind=kind,
                rails=shown if left else None,
                go=shown if right else None,
                detail=f"a message published on {side}",
            )
        ]
    keys = _envelope_keys(left), _envelope_keys(right)
    if keys[0] != keys[1]:
        return [
            Difference(
                pointer="",
                kind=Kind.ENVELOPE,
                rails=sorted(keys[0]),
                go=sorted(keys[1]),
                detail="the message's top-level keys differ",
            )
        ]
    a, b = message_body(left, ids[0]), message_body(right, ids[1])
    if a is None or b is None:
        same = left.text == right.text
        detail = "a message is not a JSON object"
        kind = Kind.ENVELOPE
        return (
            []
            if same
            else [Difference(pointer="", kind=kind, rails=left.text, go=right.text, detail=detail)]
        )
    return compare_normalized(a, b)


def _envelope_keys(message: Message) -> frozenset[str]:
    return frozenset(message.value) if isinstance(message.value, dict) else frozenset()
