"""Two databases' rows after the same actions -> the differences that matter (pure).

The rows each side holds (harness.rows) become one document per side, `{table: [row, ...]}`,
and go through the one comparison core: harness.normalize with the side's `CanonicalIds` of
the example (the map its API answers were named with), then harness.compare. So a row the
API showed keeps its name (`comments#3`), foreign keys become the names they point at,
timestamps become their format class with their instants kept for order checks, and a
difference has a JSON Pointer `/table/row/column` that noise patterns match.

What the document changes before normalizing:

* rows the API never showed (stance choices, versions, events of edits) are named by their
  references: ordered by the canonical names they point at (and their kind), then raw id,
  so the same row gets the same name on both sides whatever ids the databases gave;
* timestamps are rendered with the precision their column has on that side: microseconds
  when any value of the column has some, else whole seconds. A side that stores a column
  without microseconds then differs in format, not in value (values are not compared);
* secret columns (harness.redact.is_secret_key: encrypted_password, tokens, api keys) are
  compared for presence only: their value never enters the document;
* `partition_sequences` rows are named after the discussion or event they count for.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from harness.compare import Difference, compare_normalized
from harness.normalize import CanonicalIds, Normalized, normalize, references, split_pointer
from harness.redact import is_secret_key
from harness.rows import COUNTER_TARGETS, COUNTERS, Row, Rows
from harness.vocabulary import Vocabulary

SECRET = {"secret": "present"}  # what a secret column holds in the document when not NULL
# columns that tell rows with the same references apart (an event's kind, a version's event)
DISCRIMINATORS = ("kind", "event", "item_type", "eventable_type", "key")


def secret_columns(rows: Rows) -> dict[str, tuple[str, ...]]:
    """Per table, the columns compared for presence only."""
    return {
        table: tuple(c for c in (records[0] if records else {}) if is_secret_key(c))
        for table, records in rows.items()
    }


def name_rows(rows: Rows, ids: CanonicalIds, vocabulary: Vocabulary | None = None) -> None:
    """Give every row a canonical name in `ids`: the API's where it showed the row, else by
    its references (see the module docstring). Tables in `rows` order (parents first)."""
    for table, records in rows.items():
        if table == COUNTERS:
            records = [_counter(r) for r in records]
        unknown = [r for r in records if not ids.known(table, r["id"])]
        signed = [((_signature(r, table, ids, vocabulary), r["id"]), r) for r in unknown]
        for _, record in sorted(signed, key=lambda pair: pair[0]):
            ids.name(table, record["id"])


def _signature(
    record: Row, table: str, ids: CanonicalIds, vocabulary: Vocabulary | None
) -> tuple[str, ...]:
    named = [
        ids.name(rtype, raw) if ids.known(rtype, raw) else "?"
        for rtype, raw in references(record, table, vocabulary)
    ]
    return (*named, *(str(record.get(c)) for c in DISCRIMINATORS if c in record))


def document(rows: Rows) -> dict[str, list[dict[str, Any]]]:
    """The side's rows as an envelope of record collections, ready for `normalize`."""
    precision = _precisions(rows)
    body: dict[str, list[dict[str, Any]]] = {}
    for table, records in rows.items():
        if table == COUNTERS:
            body[table] = [_counter(r) for r in records]
            continue
        body[table] = [
            {c: _cell(table, c, v, precision) for c, v in record.items()} for record in records
        ]
    return body


def _counter(row: Row) -> dict[str, Any]:
    """A partition_sequences row as a record named after what it counts for."""
    target = COUNTER_TARGETS.get(str(row["key"]), "unknown")
    return {
        "id": f"{row['key']}:{row['id']}",
        f"{target[:-1]}_id": row["id"],
        "sequence": row["key"],
        "counter": row["counter"],
    }


def _cell(table: str, column: str, value: Any, precision: Mapping[tuple[str, str], bool]) -> Any:
    if is_secret_key(column) and column != "id":
        return None if value is None else dict(SECRET)
    if isinstance(value, datetime):
        fraction = ".%f" if precision.get((table, column)) else ""
        return value.strftime(f"%Y-%m-%dT%H:%M:%S{fraction}Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _precisions(rows: Rows) -> dict[tuple[str, str], bool]:
    """(table, column) -> whether any timestamp of the column has microseconds."""
    found: dict[tuple[str, str], bool] = {}
    for table, records in rows.items():
        for record in records:
            for column, value in record.items():
                if isinstance(value, datetime):
                    key = (table, column)
                    found[key] = found.get(key, False) or value.microsecond != 0
    return found


@dataclass(frozen=True, slots=True, kw_only=True)
class SideData:
    """One side's rows in canonical form, and the id map that named them."""

    rows: Rows
    ids: CanonicalIds
    normalized: Normalized


def side_data(rows: Rows, api_ids: CanonicalIds, vocabulary: Vocabulary | None = None) -> SideData:
    """Name and normalize one side's rows with a copy of its API id map (left untouched);
    `vocabulary`: what the run's spec says of the records (default: the bundled spec's)."""
    ids = copy.deepcopy(api_ids)
    name_rows(rows, ids, vocabulary)
    normalized = normalize(document(rows), ids, vocabulary=vocabulary)
    return SideData(rows=rows, ids=ids, normalized=normalized)


def compare_sides(rails: SideData, go: SideData) -> list[Difference]:
    """harness.compare on the two documents: missing/extra rows, values, formats, order."""
    return compare_normalized(rails.normalized, go.normalized)


@dataclass(frozen=True, slots=True)
class Place:
    """Where a difference is: table, canonical row, column ("" for a whole row or table)."""

    table: str
    row: str
    column: str


def place_of(pointer: str) -> Place:
    """`/comments/comments#3/body_format` -> Place("comments", "comments#3", "body_format")."""
    parts = [*split_pointer(pointer), "", "", ""]
    return Place(parts[0], parts[1], parts[2])


def tables_and_rows(sides: Iterable[SideData]) -> tuple[int, int]:
    """(tables with rows on either side, rows over both sides), for the report."""
    tables: set[str] = set()
    count = 0
    for side in sides:
        tables |= {t for t, r in side.rows.items() if r}
        count += sum(len(r) for r in side.rows.values())
    return len(tables), count
