"""Two backends' answers to the same request -> the differences that matter.

Bodies are normalized first (harness.normalize), then diffed with deepdiff on their keyed
form, where record collections are maps from canonical id to record: a record missing on
one side is one difference, not a cascade of shifted array items. Order is checked apart:
the root collection's sequence of canonical ids, and the relative order of timestamps.
Pointers (RFC 6901) address the keyed form: `/discussions/discussions#1/title`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from deepdiff import DeepDiff

from harness.http import ApiResponse, JsonValue
from harness.normalize import (
    CanonicalIds,
    Normalized,
    match_pointer,
    normalize,
    split_pointer,
    to_pointer,
)
from harness.vocabulary import Vocabulary

ABSENT = "<absent>"  # stands for a key or record that one side did not send


class Kind(StrEnum):
    """What sort of difference: each maps to a different bug class in a port."""

    STATUS = "status"
    ENVELOPE = "envelope"  # body shape: envelope vs not, collection or meta missing, meta.root
    MISSING_RECORD = "missing_record"  # a record rails sent and go did not
    EXTRA_RECORD = "extra_record"
    MISSING_KEY = "missing_key"
    EXTRA_KEY = "extra_key"
    NULL_VS_ABSENT = "null_vs_absent"
    TYPE = "type"  # JSON type: int vs float, id as string, null vs value
    VALUE = "value"
    MISSING_ITEM = "missing_item"  # array item (not a record) only rails sent
    EXTRA_ITEM = "extra_item"
    ORDER = "order"  # the root collection's records in another order
    TIMESTAMP_FORMAT = "timestamp_format"
    TIMESTAMP_ORDER = "timestamp_order"


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """One difference: where (JSON Pointer into the keyed normalized body), what, both values."""

    pointer: str
    kind: Kind
    rails: JsonValue
    go: JsonValue
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Payload:
    """A response body as compared: JSON (possibly `null`), text, or nothing."""

    form: str  # "json" | "text" | "empty"
    value: JsonValue


def payload_of(response: ApiResponse) -> Payload:
    """What to compare: the decoded body, else the text (`null` text is JSON null)."""
    if response.body is not None:
        return Payload(form="json", value=response.body)
    text = response.text.strip()
    if not text:
        return Payload(form="empty", value=None)
    decoded = ApiResponse.decode(text)
    if decoded is not None or text == "null":
        return Payload(form="json", value=decoded)
    return Payload(form="text", value=response.text)


def compare(
    rails: ApiResponse,
    go: ApiResponse,
    ignore: Sequence[str] = (),
    *,
    rails_ids: CanonicalIds | None = None,
    go_ids: CanonicalIds | None = None,
    ordered: frozenset[str] = frozenset(),
    columns: tuple[str, ...] = (),
    vocabulary: Vocabulary | None = None,
    params: Sequence[tuple[str, str]] = (),
) -> list[Difference]:
    """Differences between two answers, minus those under an `ignore` pattern.

    Pass each backend's `CanonicalIds` to keep names stable across an action sequence;
    `ordered`, `columns` and `vocabulary` are handed to harness.normalize.normalize; the
    request's query `params` name its sort key (`without_ties`). A status difference is
    reported alone: the bodies of two statuses are not comparable.
    """
    ids = (rails_ids or CanonicalIds(), go_ids or CanonicalIds())
    found = _differences(rails, go, *ids, ordered, columns, vocabulary, params)
    return [d for d in found if not any(match_pointer(d.pointer, p) for p in ignore)]


def _differences(
    rails: ApiResponse,
    go: ApiResponse,
    rails_ids: CanonicalIds,
    go_ids: CanonicalIds,
    ordered: frozenset[str],
    columns: tuple[str, ...],
    vocabulary: Vocabulary | None,
    params: Sequence[tuple[str, str]],
) -> list[Difference]:
    if rails.status != go.status:
        detail = f"status {rails.status} on rails, {go.status} on go"
        return [
            Difference(
                pointer="", kind=Kind.STATUS, rails=rails.status, go=go.status, detail=detail
            )
        ]
    left, right = payload_of(rails), payload_of(go)
    if left.form != right.form:
        detail = f"rails sent {left.form}, go sent {right.form}"
        return [
            Difference(
                pointer="", kind=Kind.ENVELOPE, rails=left.value, go=right.value, detail=detail
            )
        ]
    if left.form != "json":
        if left.value == right.value:
            return []
        return [
            Difference(
                pointer="",
                kind=Kind.VALUE,
                rails=left.value,
                go=right.value,
                detail="bodies differ",
            )
        ]
    a = normalize(left.value, rails_ids, ordered=ordered, columns=columns, vocabulary=vocabulary)
    b = normalize(right.value, go_ids, ordered=ordered, columns=columns, vocabulary=vocabulary)
    return without_ties(compare_normalized(a, b), a, b, params)


def compare_normalized(rails: Normalized, go: Normalized) -> list[Difference]:
    """Differences between two normalized bodies: shape, values, order, timestamp order."""
    if rails.envelope != go.envelope:
        detail = (
            "rails sent an envelope, go did not"
            if rails.envelope
            else "go sent an envelope, rails did not"
        )
        return [
            Difference(pointer="", kind=Kind.ENVELOPE, rails=rails.body, go=go.body, detail=detail)
        ]
    found = _body_differences(rails, go)
    found.extend(_order_differences(rails.order, go.order))
    found.extend(_timestamp_order_differences(rails.timestamps, go.timestamps))
    return found


def same(left: Any, right: Any) -> bool:
    """JSON equality that keeps types apart (Python says 1 == 1.0 == True; JSON does not)."""
    if type(left) is not type(right):
        return False
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(v, right[k]) for k, v in left.items())
    if isinstance(left, list):
        return len(left) == len(right) and all(map(same, left, right))
    return bool(left == right)


def _body_differences(rails: Normalized, go: Normalized) -> list[Difference]:
    if same(rails.keyed, go.keyed):  # the usual case, ~50x faster than DeepDiff
        return []
    # threshold_to_diff_deeper=0: always descend, so a renamed record is missing + extra
    tree = DeepDiff(rails.keyed, go.keyed, view="tree", threshold_to_diff_deeper=0)
    found = []
    for report_type, levels in tree.items():
        for level in levels:
            path = level.path(output_format="list")
            left = ABSENT if report_type in _ADDED else _shown(rails, path, level.t1)
            right = ABSENT if report_type in _REMOVED else _shown(go, path, level.t2)
            kind = _classify(report_type, path, left, right, rails.envelope)
            found.append(
                Difference(
                    pointer=to_pointer(path),
                    kind=kind,
                    rails=left,
                    go=right,
                    detail=_detail(kind, left, right),
                )
            )
    return sorted(found, key=lambda d: (split_pointer(d.pointer), d.kind))


def _shown(side: Normalized, path: list[Any], value: Any) -> Any:
    """A whole collection is shown as sent (an array), not in its keyed form."""
    if side.envelope and len(path) == 1 and isinstance(side.body, dict):
        return side.body.get(path[0], value)
    return value


_ADDED = frozenset({"dictionary_item_added", "iterable_item_added", "attribute_added"})
_REMOVED = frozenset({"dictionary_item_removed", "iterable_item_removed", "attribute_removed"})


def _classify(report_type: str, path: list[Any], left: Any, right: Any, envelope: bool) -> Kind:
    """The kind of one deepdiff report, from where it is and what the two sides hold."""
    depth = len(path)
    if envelope and (depth == 1 or path == ["meta", "root"]):
        return Kind.ENVELOPE
    if envelope and depth == 2 and path[0] != "meta" and report_type in _ADDED | _REMOVED:
        return Kind.EXTRA_RECORD if report_type in _ADDED else Kind.MISSING_RECORD
    if report_type.startswith("iterable_item"):
        return Kind.EXTRA_ITEM if report_type in _ADDED else Kind.MISSING_ITEM
    if report_type in _ADDED | _REMOVED:
        present = right if report_type in _ADDED else left
        if present is None:
            return Kind.NULL_VS_ABSENT
        return Kind.EXTRA_KEY if report_type in _ADDED else Kind.MISSING_KEY
    if report_type == "type_changes":
        return Kind.TYPE
    if isinstance(left, str) and isinstance(right, str):
        if left.startswith("<timestamp ") and right.startswith("<timestamp "):
            return Kind.TIMESTAMP_FORMAT
        if left.strip('"') == right.strip('"') and "#" in left:
            return Kind.TYPE  # the same canonical id, sent as a string on one side
    return Kind.VALUE


_DETAILS: Mapping[Kind, str] = {
    Kind.ENVELOPE: "envelope differs",
    Kind.MISSING_RECORD: "record sent by rails only",
    Kind.EXTRA_RECORD: "record sent by go only",
    Kind.MISSING_KEY: "key sent by rails only",
    Kind.EXTRA_KEY: "key sent by go only",
    Kind.NULL_VS_ABSENT: "null on one side, key absent on the other",
    Kind.MISSING_ITEM: "array item sent by rails only",
    Kind.EXTRA_ITEM: "array item sent by go only",
    Kind.TIMESTAMP_FORMAT: "timestamp format differs",
    Kind.VALUE: "value differs",
}


def _detail(kind: Kind, left: Any, right: Any) -> str:
    if kind is Kind.TYPE:
        return f"JSON type differs: {_json_type(left)} on rails, {_json_type(right)} on go"
    return _DETAILS[kind]


def _json_type(value: Any) -> str:
    if isinstance(value, str) and value.startswith('"') and "#" in value:
        return "string id"
    names = {bool: "boolean", int: "integer", float: "number", str: "string", type(None): "null"}
    return names.get(type(value), "object" if isinstance(value, dict) else "array")


def _order_differences(
    rails: Mapping[str, tuple[str, ...]], go: Mapping[str, tuple[str, ...]]
) -> list[Difference]:
    """The root collection in another order (compared on the records both sides sent)."""
    found = []
    for pointer in sorted(rails.keys() & go.keys()):
        common = set(rails[pointer]) & set(go[pointer])
        left = [name for name in rails[pointer] if name in common]
        right = [name for name in go[pointer] if name in common]
        if left != right:
            detail = "records in another order (the order of the root collection is contract)"
            found.append(
                Difference(pointer=pointer, kind=Kind.ORDER, rails=left, go=right, detail=detail)
            )
    return found


def sort_keys(params: Sequence[tuple[str, str]], normalized: Normalized) -> tuple[str, ...]:
    """What a request sorts its root collection by: the query parameter values that name a
    field of its records (`order=position`, `order_by=sequence_id`, `sort=name`)."""
    records = _keyed_records(normalized, normalized.root or "")
    fields = {key for record in records.values() for key in record}
    return tuple(dict.fromkeys(value for _, value in params if value in fields))


def only_ties_reordered(
    difference: Difference, rails: Normalized, go: Normalized, keys: Sequence[str]
) -> bool:
    """An order difference among records the sort `keys` cannot tell apart: ORDER BY leaves
    the order of ties to the database, so two databases may differ there (not contract)."""
    if difference.kind != Kind.ORDER or not keys:
        return False
    collection = split_pointer(difference.pointer)[0]

    def sorted_by(side: Normalized, names: Any) -> list[tuple[Any, ...]]:
        records = _keyed_records(side, collection)
        return [tuple(records.get(name, {}).get(key) for key in keys) for name in names]

    return sorted_by(rails, difference.rails) == sorted_by(go, difference.go)


def ties_at_page_edges(rails: Normalized, go: Normalized, keys: Sequence[str]) -> bool:
    """Whether the root collections differ only in which of the records tied on the sort
    `keys` with a page's first or last record made it into the page: ORDER BY ... LIMIT /
    OFFSET leaves that to the database (`order=position&per=1` on a thread whose first item
    and first reply both sit at position 1). Both pages must have the same length and the
    same sequence of key values, and every record on one side only must share its key values
    with its page's first or last record. The side-loads of such a page follow its records,
    so their extra or missing records say nothing either."""
    root = rails.root or ""
    if not keys or root != (go.root or ""):
        return False

    def page(side: Normalized) -> list[tuple[str, tuple[Any, ...]]]:
        records = _keyed_records(side, root)
        return [(name, tuple(r.get(key) for key in keys)) for name, r in records.items()]

    a, b = page(rails), page(go)
    if not a or [k for _, k in a] != [k for _, k in b]:
        return False
    edges = {a[0][1], a[-1][1]}
    names_a, names_b = {n for n, _ in a}, {n for n, _ in b}
    moved = [k for n, k in a if n not in names_b] + [k for n, k in b if n not in names_a]
    return bool(moved) and all(k in edges for k in moved)


_RECORD_SET = frozenset({Kind.MISSING_RECORD, Kind.EXTRA_RECORD, Kind.ORDER})


def without_ties(
    found: Sequence[Difference],
    rails: Normalized,
    go: Normalized,
    params: Sequence[tuple[str, str]],
) -> list[Difference]:
    """`found` without what the order of ties under the request's sort key explains (not
    contract): a page whose edge records differ among ties, records reordered among ties."""
    keys = sort_keys(params, rails)
    if ties_at_page_edges(rails, go, keys):
        found = [d for d in found if d.kind not in _RECORD_SET]
    return [d for d in found if not only_ties_reordered(d, rails, go, keys)]


def _keyed_records(side: Normalized, collection: str) -> dict[str, dict[str, Any]]:
    """The records of a keyed collection by canonical id (none when it is not one)."""
    keyed = side.keyed.get(collection) if isinstance(side.keyed, dict) else None
    if not isinstance(keyed, dict):
        return {}
    return {name: record for name, record in keyed.items() if isinstance(record, dict)}


def _timestamp_order_differences(
    rails: Mapping[str, datetime], go: Mapping[str, datetime]
) -> list[Difference]:
    """Timestamps whose relative order differs: a before b on rails, b before a on go.

    Sorted by the rails instant, each timestamp is checked against the latest go instant of
    all strictly earlier rails instants, which finds every inverted pair in O(n log n).
    """
    common = sorted(rails.keys() & go.keys(), key=lambda p: (rails[p], go[p]))
    found: list[Difference] = []
    latest: tuple[datetime, str] | None = None  # max go instant over earlier rails instants
    group_max: tuple[datetime, str] | None = None  # max go instant of the current rails instant
    for i, pointer in enumerate(common):
        if i and rails[pointer] != rails[common[i - 1]]:
            if group_max is not None and (latest is None or group_max[0] > latest[0]):
                latest = group_max
            group_max = None
        if latest is not None and go[pointer] < latest[0]:
            detail = f"after {latest[1]} on rails, before it on go"
            found.append(
                Difference(
                    pointer=pointer,
                    kind=Kind.TIMESTAMP_ORDER,
                    rails=rails[pointer].isoformat(),
                    go=go[pointer].isoformat(),
                    detail=detail,
                )
            )
        if group_max is None or go[pointer] > group_max[0]:
            group_max = (go[pointer], pointer)
    return found
