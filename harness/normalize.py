"""Loomio response bodies -> canonical form, so two backends' answers can be compared.

Loomio's envelope (see shared/loomio/api-envelope.md) is a flat dump of record
collections plus `meta`. What differs between two correct backends, and is erased here:

* ids and keys: each raw id becomes `<record type>#<n>` in order of first appearance per
  record type, kept in a `CanonicalIds` (one per backend, shared across the steps of an
  action sequence, so step 5's `discussions#2` is the same object on both sides);
* timestamps: replaced by their format class (`<timestamp 9999-99-99T99:99:99.999Z>`),
  the instants kept aside for order checks;
* order of side-loaded arrays: sorted by canonical id. The root collection (`meta.root`)
  keeps its order (it follows the query's ORDER BY); its order is recorded separately.

What is kept on purpose: int vs float (Loomio sends `0` and `50.0` deliberately), a string
id vs an integer id (emitted quoted: `"discussions#1"`), null vs absent.
"""

from __future__ import annotations

import functools
import re
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from harness.errors import HarnessError
from harness.vocabulary import (
    BARE_REFS,
    KEYED_BY_ID,
    NESTED_ID_TYPES,
    NOT_KEYS,
    NOT_REFS,
    USER_ROLES,
    Vocabulary,
    bundled,
)
from harness.vocabulary import TIMELINE_COLUMNS as TIMELINE_COLUMNS  # re-exported (suites)

JsonValue = Any

_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
)
# Rails' RecordNotFound texts: `Couldn't find Discussion with 'id'=12`,
# `Couldn't find PollOption with ID=5 for Poll with ID=3`.
_NOT_FOUND = re.compile(
    r"(?P<model>[A-Z][A-Za-z0-9]*(?:::[A-Z][A-Za-z0-9]*)*) with "
    r"(?:'(?P<column>\w+)'|(?P<upper>ID))=(?P<raw>[^\s,\]\[]+)"
)


def _singular(plural: str) -> str:
    return plural[:-3] + "y" if plural.endswith("ies") else plural.removesuffix("s")


@functools.cache
def _by_singular(types: tuple[str, ...]) -> list[tuple[str, str]]:
    return sorted(((_singular(t), t) for t in types), key=lambda p: -len(p[0]))


def record_type(stem: str, vocabulary: Vocabulary | None = None) -> str:
    """A reference's stem -> record type, by name (for what the spec does not describe):
    `author` -> users, `my_stance` -> stances (the spec's record types)."""
    if stem in USER_ROLES or stem.endswith("_user"):
        return "users"
    for singular, plural in _by_singular((vocabulary or bundled()).record_types):
        if stem == singular or stem.endswith("_" + singular):
            return plural
    return stem + "s"


def class_type(name: str, vocabulary: Vocabulary | None = None) -> str:
    """A Ruby class name or polymorphic type token -> record type: `DiscussionReader` -> ..."""
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.split("::")[-1]).lower()
    return record_type(snake, vocabulary)


@dataclass
class CanonicalIds:
    """Raw ids and keys -> canonical names, per record type, in order of first appearance.

    Keep one per backend for a whole action sequence; `raw()` maps a canonical name back
    to that backend's raw value, to build the next request.
    """

    _ordinals: dict[str, dict[str, int]] = field(default_factory=dict)
    _raw: dict[str, JsonValue] = field(default_factory=dict)

    def name(self, space: str, raw: JsonValue) -> str:
        """The canonical name of `raw` in `space` (a record type, or `<type>.key`); assigns one."""
        table = self._ordinals.setdefault(space, {})
        token = str(raw)
        if token not in table:
            table[token] = len(table) + 1
            self._raw[f"{space}#{table[token]}"] = raw
        return f"{space}#{table[token]}"

    def known(self, space: str, raw: JsonValue) -> bool:
        """Whether `raw` already has a canonical name in `space`."""
        return str(raw) in self._ordinals.get(space, {})

    def absent(self, space: str) -> str:
        """Take the next name of `space` for a record this backend does not have (no raw
        value), so the names of its later records stay in step with the other backend's."""
        table = self._ordinals.setdefault(space, {})
        ordinal = len(table) + 1
        table[f"\x00absent {ordinal}"] = ordinal
        return f"{space}#{ordinal}"

    def echoes(self, names: Iterable[str]) -> dict[str, str]:
        """Raw value -> name for the names a request sent that this backend has; a raw value
        sent under two names is left out (an echo of it names neither)."""
        sent: dict[str, set[str]] = {}
        for name in names:
            if self.has(name):
                sent.setdefault(str(self.raw(name)), set()).add(name)
        return {raw: named.pop() for raw, named in sent.items() if len(named) == 1}

    def has(self, canonical: str) -> bool:
        """Whether this backend has a raw value for `canonical`."""
        return canonical in self._raw

    def raw(self, canonical: str) -> JsonValue:
        """The raw value this backend used for `canonical` (`discussions#2` -> 42)."""
        try:
            return self._raw[canonical]
        except KeyError:
            raise HarnessError(
                f"no raw value for {canonical!r}: it has not appeared in a response of this "
                "backend yet. Use names returned by an earlier step."
            ) from None


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalized:
    """A body in canonical form.

    `keyed` is `body` with each record collection turned into {canonical id: record}; the
    JSON Pointers in `order`, `timestamps` (and in compare's differences) address it.
    """

    body: JsonValue
    keyed: JsonValue
    order: Mapping[str, tuple[str, ...]]  # ordered collection -> canonical ids as sent
    timestamps: Mapping[str, datetime]  # pointer -> instant (format is in the body)
    root: str | None
    envelope: bool


def to_pointer(segments: list[str | int] | tuple[str | int, ...]) -> str:
    """RFC 6901: ["a/b", 0] -> "/a~1b/0"."""
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in segments)


def split_pointer(pointer: str) -> list[str]:
    """RFC 6901: "/a~1b/0" -> ["a/b", "0"]."""
    if pointer and not pointer.startswith("/"):
        raise HarnessError(f"{pointer!r} is not a JSON Pointer: it must be empty or start with /")
    parts = pointer.split("/")[1:]
    return [p.replace("~1", "/").replace("~0", "~") for p in parts]


def timestamp_class(text: str) -> str:
    """`2025-06-01T10:15:00.000Z` -> `9999-99-99T99:99:99.999Z` (format, not value)."""
    return re.sub(r"\d", "9", text)


def parse_timestamp(text: str) -> datetime | None:
    """An ISO-8601 date or date-time string as an aware UTC instant; None if it is not one."""
    if not _TIMESTAMP.fullmatch(text):
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def collections_of(body: JsonValue) -> dict[str, list[dict[str, Any]]]:
    """The record collections of an envelope: top-level arrays whose items all have `id`."""
    if not isinstance(body, dict):
        return {}
    return {
        key: value
        for key, value in body.items()
        if key != "meta"
        and isinstance(value, list)
        and all(isinstance(item, dict) and "id" in item for item in value)
    }


def _root_of(body: JsonValue) -> str | None:
    meta = body.get("meta") if isinstance(body, dict) else None
    root = meta.get("root") if isinstance(meta, dict) else None
    return root if isinstance(root, str) else None


def _is_id(value: JsonValue) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _sort_token(raw: JsonValue) -> tuple[int, int, str]:
    text = str(raw)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _polymorphic(value: JsonValue, vocabulary: Vocabulary) -> tuple[str, JsonValue] | None:
    """`{"type": "comment", "id": 601}` -> ("comments", 601); None for anything else."""
    if not (isinstance(value, dict) and set(value) == {"type", "id"}):
        return None
    if isinstance(value["type"], str) and _is_id(value["id"]):
        return class_type(value["type"], vocabulary), value["id"]
    return None


def references(
    record: Mapping[str, Any], rtype: str | None, vocabulary: Vocabulary | None = None
) -> Iterator[tuple[str, JsonValue]]:
    """(record type, raw id) of each reference in a record, in a backend-independent order."""
    vocabulary = vocabulary or bundled()
    for key in sorted(record):
        value = record[key]
        if (poly := _polymorphic(value, vocabulary)) is not None:
            yield poly
        elif (target := _scalar_ref_type(key, value, record, rtype, vocabulary)) is not None:
            yield target, value
        elif key.endswith("_ids") and isinstance(value, list):
            target = _ref_type(key, record, rtype, vocabulary)
            yield from ((target, item) for item in value if _is_id(item))
        elif key in KEYED_BY_ID and isinstance(value, dict):
            for item in sorted(value, key=_sort_token):
                yield KEYED_BY_ID[key], item


def _is_change(key: str, value: JsonValue) -> bool:
    """A recorded change of a field that holds references (`object_changes` in versions
    rows: `{"poll_option_id": [12, 14]}`, `{"option_scores": [{}, {"12": 1}]}`): each side
    is then named as the field itself would be."""
    if not (isinstance(value, list) and len(value) == 2):
        return False
    if key in KEYED_BY_ID:
        return True
    if key.endswith("_ids"):
        return all(isinstance(side, list) or side is None for side in value)
    single = _is_id_key(key) or key in BARE_REFS
    return single and all(side is None or _is_id(side) for side in value)


def _is_id_key(key: str) -> bool:
    """`author_id` is a reference; `sequence_id` is a per-discussion counter (NOT_REFS)."""
    return key.endswith("_id") and key not in NOT_REFS


def _scalar_ref_type(
    key: str, value: JsonValue, record: Mapping[str, Any], rtype: str | None, vocabulary: Vocabulary
) -> str | None:
    """The record type a single-id field points at (`author_id`, `discarded_by`), or None."""
    if not _is_id(value):
        return None
    if _is_id_key(key):
        return _ref_type(key, record, rtype, vocabulary)
    return BARE_REFS.get(key)


def _ref_type(
    key: str, record: Mapping[str, Any], rtype: str | None, vocabulary: Vocabulary
) -> str:
    """What an `_id`/`_ids` field points at: a polymorphic `_type` beside it, else what the
    spec says of this record type's field, else the field's name."""
    stem = key.removesuffix("_ids") if key.endswith("_ids") else key.removesuffix("_id")
    polymorphic = record.get(stem + "_type")
    if isinstance(polymorphic, str):
        return class_type(polymorphic, vocabulary)
    if rtype is not None and (rtype, key) in vocabulary.references:
        return vocabulary.references[(rtype, key)]
    if stem == "parent" and rtype is not None:
        return rtype  # groups' parent is a group, events' parent an event
    return record_type(stem, vocabulary)


def _assign_ids(
    collections: Mapping[str, list[dict[str, Any]]],
    root: str | None,
    state: CanonicalIds,
    vocabulary: Vocabulary,
) -> None:
    """Name records breadth-first from the root records, following references.

    No array order may decide the names: side-load order is not contract, and the root's
    order is compared on its own (a reordered root must show as one `order` difference,
    not as every record renamed). So the walk starts at the root records in raw-id order
    (ids grow with creation on both backends, which share the PostgreSQL schema), visits
    fields sorted by name, and reaches side-loads through references. Records nothing
    points to are named last, by raw id.
    """
    types = vocabulary.collection_types
    index: dict[tuple[str, str], list[tuple[str, dict[str, Any]]]] = {}
    for name, records in collections.items():
        for record in records:
            if _is_id(record["id"]):
                rtype = types.get(name, name)
                index.setdefault((rtype, str(record["id"])), []).append((rtype, record))
    seen: set[tuple[str, str]] = set()
    queue: deque[tuple[str, dict[str, Any]]] = deque()

    def visit(rtype: str, raw: JsonValue) -> None:
        state.name(rtype, raw)
        if (rtype, str(raw)) not in seen:
            seen.add((rtype, str(raw)))
            queue.extend(index.get((rtype, str(raw)), []))

    by_id = {n: sorted(r, key=lambda x: _sort_token(x["id"])) for n, r in collections.items()}
    starts = [(root, by_id[root])] if root is not None and root in by_id else []
    for name, records in starts:  # root records first: discussions#1 is the oldest one
        for record in records:
            if _is_id(record["id"]):
                state.name(types.get(name, name), record["id"])
    rest = sorted(by_id.items())
    for name, records in [*starts, *rest]:
        for record in records:
            if _is_id(record["id"]):
                visit(types.get(name, name), record["id"])
            while queue:
                rtype, current = queue.popleft()
                for target, raw in references(current, rtype, vocabulary):
                    visit(target, raw)


def _key_space(key: str, rtype: str | None, vocabulary: Vocabulary) -> str | None:
    """The name space of a key-like string field, or None: `discussion_key` -> discussions.key."""
    owner = rtype or "values"
    if key in NOT_KEYS:
        return None
    if key in {"key", "token"}:
        return f"{owner}.{key}"
    if key.endswith("_key"):
        return record_type(key[:-4], vocabulary) + ".key"
    if key.endswith("_token"):
        return f"{owner}.{key}"
    return None


@dataclass
class _Walk:
    """Rewrites one body: ids, keys and timestamps; collects timestamps by pointer."""

    state: CanonicalIds
    vocabulary: Vocabulary
    echoes: Mapping[str, str] = field(default_factory=dict)
    timestamps: dict[str, datetime] = field(default_factory=dict)

    def ref(self, rtype: str, raw: JsonValue) -> str:
        name = self.state.name(rtype, raw)
        return f'"{name}"' if isinstance(raw, str) else name  # keep "id as string" visible

    def record(self, record: Mapping[str, Any], rtype: str, path: list[str | int]) -> JsonValue:
        return {
            key: self.ref(rtype, value)
            if key == "id" and _is_id(value)
            else self.field(key, value, record, rtype, [*path, key])
            for key, value in record.items()
        }

    def field(
        self,
        key: str,
        value: JsonValue,
        owner: Mapping[str, Any],
        rtype: str | None,
        path: list[str | int],
    ) -> JsonValue:
        if (poly := _polymorphic(value, self.vocabulary)) is not None:
            return {"type": value["type"], "id": self.ref(*poly)}
        if (target := _scalar_ref_type(key, value, owner, rtype, self.vocabulary)) is not None:
            return self.ref(target, value)
        if _is_change(key, value):  # paper_trail's [before, after] of a reference field
            return [self.field(key, v, owner, rtype, [*path, i]) for i, v in enumerate(value)]
        if key.endswith("_ids") and isinstance(value, list):
            target = _ref_type(key, owner, rtype, self.vocabulary)
            return [
                self.ref(target, item) if _is_id(item) else self.any(item, [*path, i])
                for i, item in enumerate(value)
            ]
        if key in KEYED_BY_ID and isinstance(value, dict):
            named = {self.state.name(KEYED_BY_ID[key], k): v for k, v in value.items()}
            return {k: self.any(v, [*path, k]) for k, v in named.items()}
        space = _key_space(key, rtype, self.vocabulary)
        if space is not None and isinstance(value, str):
            return self.state.name(space, value)
        if key in NESTED_ID_TYPES and isinstance(value, list):
            return [
                self.record(item, NESTED_ID_TYPES[key], [*path, i])
                if isinstance(item, dict) and "id" in item
                else self.any(item, [*path, i])
                for i, item in enumerate(value)
            ]
        return self.any(value, path)

    def any(self, value: JsonValue, path: list[str | int]) -> JsonValue:
        if isinstance(value, dict):
            return {k: self.field(k, v, value, None, [*path, k]) for k, v in value.items()}
        if isinstance(value, list):
            return [self.any(item, [*path, i]) for i, item in enumerate(value)]
        if isinstance(value, str):
            instant = parse_timestamp(value)
            if instant is not None:
                self.timestamps[to_pointer(path)] = instant
                return f"<timestamp {timestamp_class(value)}>"
            if " with " in value:
                return _NOT_FOUND.sub(self.not_found, value)
        return value

    def not_found(self, match: re.Match[str]) -> str:
        """`Discussion with 'id'=12` -> `Discussion with 'id'=<discussions#2>`.

        The value is the one the request looked up: when the request sent it as a record's
        reference, that is its name, whatever the model (Loomio's events#comment finds the
        Event by the comment id it was given: `Event with 'id'=<comments#3>`)."""
        space = _not_found_space(match["model"], match["column"] or "id", self.vocabulary)
        if space is None:
            return match[0]
        name = self.echoes.get(match["raw"]) or self.state.name(space, match["raw"])
        return match[0].removesuffix(match["raw"]) + f"<{name}>"

    def rows(self, body: list[Any], columns: tuple[str, ...]) -> list[Any]:
        """A bare array of rows (events/timeline), each cell read as the field it is."""
        return [
            [
                self.field(c, v, dict(zip(columns, row, strict=True)), None, [i, c])
                for c, v in zip(columns, row, strict=True)
            ]
            if isinstance(row, list) and len(row) == len(columns)
            else self.any(row, [i])
            for i, row in enumerate(body)
        ]


def _not_found_space(model: str, column: str, vocabulary: Vocabulary) -> str | None:
    """The name space of the value in a RecordNotFound text, by the column it was looked up by."""
    if column.lower() == "id":
        return class_type(model, vocabulary)
    if column == "key":
        return class_type(model, vocabulary) + ".key"
    if _is_id_key(column):
        return record_type(column[:-3], vocabulary)
    return None


def _record_sort_key(name: str) -> tuple[int, int, int, str]:
    match = re.fullmatch(r".*#(\d+)(?:@(\d+))?", name)
    if match is None:
        return (1, 0, 0, name)
    return (0, int(match[1]), int(match[2] or 0), name)


def normalize(
    body: JsonValue,
    state: CanonicalIds,
    *,
    ordered: frozenset[str] = frozenset(),
    columns: tuple[str, ...] = (),
    vocabulary: Vocabulary | None = None,
    echoes: Mapping[str, str] | None = None,
) -> Normalized:
    """Canonical form of one response body; `state` is this backend's id table (updated).

    `ordered` names collections whose order is contract besides `meta.root`; `columns`
    names the cells of a bare array of rows (`TIMELINE_COLUMNS`), so ids in it are mapped;
    `vocabulary` is what the run's spec says of the records (default: the bundled spec's);
    `echoes` maps the raw values the request sent as references to their names.
    """
    vocabulary = vocabulary or bundled()
    types = vocabulary.collection_types
    collections = collections_of(body)
    root = _root_of(body)
    _assign_ids(collections, root, state, vocabulary)
    walk = _Walk(state, vocabulary, echoes or {})
    if not isinstance(body, dict) or not (collections or "meta" in body):
        bare = (
            walk.rows(body, columns) if columns and isinstance(body, list) else walk.any(body, [])
        )
        return Normalized(
            body=bare,
            keyed=bare,
            order={},
            timestamps=walk.timestamps,
            root=None,
            envelope=False,
        )
    keyed: dict[str, JsonValue] = {}
    plain: dict[str, JsonValue] = {}
    order: dict[str, tuple[str, ...]] = {}
    for key, value in body.items():
        if key not in collections:
            keyed[key] = plain[key] = walk.field(key, value, body, None, [key])
            continue
        records = _keyed_records(walk, key, collections[key], types.get(key, key))
        keyed[key] = records
        if key == root or key in ordered:
            order[to_pointer([key])] = tuple(records)
            plain[key] = list(records.values())
        else:
            plain[key] = [records[k] for k in sorted(records, key=_record_sort_key)]
    return Normalized(
        body=plain,
        keyed=keyed,
        order=order,
        timestamps=walk.timestamps,
        root=root,
        envelope=True,
    )


def _keyed_records(
    walk: _Walk, collection: str, records: list[dict[str, Any]], rtype: str
) -> dict[str, JsonValue]:
    """{canonical id: rewritten record}; a repeated id gets `@2`, `@3` (a de-dup bug shows)."""
    out: dict[str, JsonValue] = {}
    for record in records:
        base = walk.state.name(rtype, record["id"]) if _is_id(record["id"]) else "null"
        name, n = base, 1
        while name in out:
            n += 1
            name = f"{base}@{n}"
        out[name] = walk.record(record, rtype, [collection, name])
    return out


def match_pointer(pointer: str, pattern: str) -> bool:
    """Whether `pointer` is at or under `pattern`; `*` matches one segment, `**` any number.

    `/discussions/*/last_activity_at` matches `/discussions/discussions#3/last_activity_at`;
    `/meta` matches `/meta/total` (ignoring an object ignores what is inside it). The root
    pattern `""` matches the root only: as "everything under it" it would match every
    difference of an answer, its status included.
    """
    if not pattern:
        return not pointer
    return _match(split_pointer(pointer), split_pointer(pattern))


def _match(segments: list[str], pattern: list[str]) -> bool:
    if not pattern:
        return True
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(segments[i:], rest) for i in range(len(segments) + 1))
    if not segments or head not in {"*", segments[0]}:
        return False
    return _match(segments[1:], rest)
