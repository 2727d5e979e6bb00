"""Read side of the threading oracle: GET /api/v1/events and friends (threading.md 5.1, 5.2).

`query_events(thread, params)` runs the events-index pipeline of threading.md 5.1 on the
oracle's events: the `order_by` branch (no `from` bound), the `order`/`from` branch with
`from_sequence_id_of_position` and `comment_id`, `unread`, `pinned`, `kind`, the
`parent_id|depth|sequence_id|position|position_key` `=`/`_lt`/`_gt`/`_lte`/`_gte`/`_sw`
filters, `until_sequence_id_of_position`, `per` and `meta.total`, including the 500 quirks
(integer compared with the varchar position_key, LIKE on an integer column, a non-integer
bound on an integer column) and the 404s.

Params are the HTTP query strings, except that id-valued ones use oracle names:
`comment_id` is a comment ref and `parent_id*` an event key (ids compare in publication
order, as serial ids do). `discussion_id` is implied and ignored.

ORDER BY on a non-unique column (`position`, `depth`) leaves ties in no defined order, so a
`QueryResult` keeps rows in tie groups; `accepts(actual_keys)` allows any order inside a
group and any choice of rows from the group the `per` limit cuts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from properties.oracles.thread_model import ROOT, ExpectedEvent, Thread

ORDER_COLUMNS = ("sequence_id", "position", "position_key")
FILTER_COLUMNS = ("parent_id", "depth", "sequence_id", "position", "position_key")
SUFFIXES = ("_lte", "_gte", "_lt", "_gt", "_sw", "")
DEFAULT_PER = 30
_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_UNSUPPORTED = ("since", "until", "timeframe_for")


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryResult:
    """Expected answer of one events-index request.

    `groups` are all matching rows (before the limit) in order, tied rows grouped together;
    `events` is one valid page (ties broken by sequence_id); `total` is meta.total.
    """

    status: int
    groups: tuple[tuple[ExpectedEvent, ...], ...] = ()
    per: int = DEFAULT_PER
    total: int | None = None

    @property
    def events(self) -> tuple[ExpectedEvent, ...]:
        rows = [e for group in self.groups for e in group]
        return tuple(rows[: self.per])

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(e.key for e in self.events)

    def explain(self, actual_keys: Sequence[str]) -> str | None:
        """Why `actual_keys` (a page's event keys in order) is not a valid answer, or None."""
        expected_len = min(self.per, sum(len(g) for g in self.groups))
        if len(actual_keys) != expected_len:
            return f"expected {expected_len} events ({list(self.keys)}), got {list(actual_keys)}"
        at = 0
        for group in self.groups:
            if at >= len(actual_keys):
                break
            chunk = actual_keys[at : at + len(group)]
            allowed = {e.key for e in group}
            if not set(chunk) <= allowed or len(set(chunk)) != len(chunk):
                return f"at index {at} expected some order of {sorted(allowed)}, got {list(chunk)}"
            at += len(chunk)
        return None

    def accepts(self, actual_keys: Sequence[str]) -> bool:
        return self.explain(actual_keys) is None


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """A row of GET /api/v1/events/timeline without created_at (index 2 of the API array)."""

    position_key: str | None
    sequence_id: int | None
    actor: str | None
    depth: int
    descendant_count: int


class _ServerError(Exception):
    """The request makes PostgreSQL raise: the API answers 500."""


def _int(value: str) -> int:
    if not _INTEGER.match(value):
        raise _ServerError(value)  # PostgreSQL rejects the cast of the bound literal
    return int(value)


def _like(prefix: str) -> re.Pattern[str]:
    """LIKE 'prefix%' with % and _ wildcards and backslash escapes."""
    out, chars = [], iter(prefix)
    for ch in chars:
        if ch == "\\":
            out.append(re.escape(next(chars, "\\")))
        else:
            out.append({"%": ".*", "_": "."}.get(ch, re.escape(ch)))
    return re.compile("".join(out) + ".*", re.DOTALL)


def _value(event: ExpectedEvent, column: str, order: Mapping[str, int]) -> object:
    if column == "parent_id":
        return None if event.parent is None else order[event.parent]
    return getattr(event, column)


def _compare(op: str) -> Callable[[object, object], bool]:
    ops: dict[str, Callable[[object, object], bool]] = {
        "": lambda a, b: a == b,
        "_lt": lambda a, b: a < b,  # type: ignore[operator]  # same-typed column values
        "_gt": lambda a, b: a > b,  # type: ignore[operator]
        "_lte": lambda a, b: a <= b,  # type: ignore[operator]
        "_gte": lambda a, b: a >= b,  # type: ignore[operator]
    }
    return ops[op]


def _filter(
    rows: list[ExpectedEvent], column: str, op: str, raw: str, order: Mapping[str, int]
) -> list[ExpectedEvent]:
    if op == "_sw":
        if column != "position_key":
            raise _ServerError(column)  # integer LIKE text: no such operator
        pattern = _like(raw)
        return [e for e in rows if e.position_key is not None and pattern.fullmatch(e.position_key)]
    if column == "position_key":
        bound: object = raw
    elif column == "parent_id":
        if raw not in order:
            raise ValueError(f"parent_id value {raw!r} is not an event key of this thread")
        bound = order[raw]
    else:
        bound = _int(raw)
    test = _compare(op)
    return [e for e in rows if (v := _value(e, column, order)) is not None and test(v, bound)]


def _depth_one(thread: Thread, position: int) -> ExpectedEvent | None:
    for event in thread.thread_events():
        if event.depth == 1 and event.position == position:
            return event
    return None


def _from_bound(thread: Thread, params: Mapping[str, str], column: str) -> object:
    """The inclusive lower bound of the `order` branch, or raise _NotFound/_ServerError."""
    if "from_sequence_id_of_position" in params:
        event = _depth_one(thread, max(_int(params["from_sequence_id_of_position"]), 1))
        if event is None:
            raise _NotFound
        bound: object = event.sequence_id
    elif "comment_id" in params:
        event = _comment_event(thread, params["comment_id"])
        if event is None:
            raise _NotFound
        bound = event.sequence_id
    elif "from" in params:
        return params["from"] if column == "position_key" else _int(params["from"])
    else:
        bound = 0
    if column == "position_key":
        raise _ServerError("varchar >= integer")
    return bound


class _NotFound(Exception):
    """The lookup of comment_id or a depth-1 position finds nothing: the API answers 404."""


def _sorted(rows: list[ExpectedEvent], spec: list[tuple[str, bool]]) -> list[list[ExpectedEvent]]:
    """ORDER BY spec (PostgreSQL: NULLs last ascending, first descending), in tie groups."""

    def sort_key(event: ExpectedEvent) -> tuple[object, ...]:
        parts: list[object] = []
        for column, desc in spec:
            value = getattr(event, column)
            parts.append(_Desc((value is None, value)) if desc else (value is None, value))
        return tuple(parts)

    ordered = sorted(rows, key=lambda e: (sort_key(e), e.sequence_id or 0))
    groups: list[list[ExpectedEvent]] = []
    for event in ordered:
        if groups and sort_key(groups[-1][0]) == sort_key(event):
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups


@dataclass(frozen=True, slots=True)
class _Desc:
    """Reverses the comparison of the wrapped (is_null, value) pair."""

    inner: tuple[bool, object]

    def __lt__(self, other: _Desc) -> bool:
        return _lt(other.inner, self.inner)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Desc) and self.inner == other.inner

    def __hash__(self) -> int:
        return hash(self.inner)


def _lt(a: tuple[bool, object], b: tuple[bool, object]) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    return a[0] is False and a[1] < b[1]  # type: ignore[operator]  # same column


def _order_spec(
    thread: Thread, params: Mapping[str, str], column: str
) -> tuple[list[tuple[str, bool]], list[ExpectedEvent]]:
    """(ORDER BY spec, rows kept by the column bound) for the two branches of 5.1."""
    spec: list[tuple[str, bool]] = []
    rows = list(thread.thread_events())
    if params.get("order_by") in ("position_key", "sequence_id"):
        spec.append((params["order_by"], "order_desc" in params))
    else:
        bound = _from_bound(thread, params, column)
        rows = [e for e in rows if (v := getattr(e, column)) is not None and v >= bound]
    return spec, rows


def _run(
    thread: Thread, params: Mapping[str, str], read_ranges: Sequence[tuple[int, int]]
) -> QueryResult:
    column = params.get("order", "sequence_id")
    column = column if column in ORDER_COLUMNS else "sequence_id"
    spec, rows = _order_spec(thread, params, column)
    if params.get("unread") == "true":
        rows = [e for e in rows if not any(a <= (e.sequence_id or 0) <= b for a, b in read_ranges)]
    if params.get("pinned") == "true":
        rows = [e for e in rows if e.pinned]
    if params.get("kind"):
        kinds = set(params["kind"].split(","))
        rows = [e for e in rows if e.kind in kinds]
    order = {e.key: i for i, e in enumerate(thread.events)}
    for name, raw in params.items():
        for column_name in FILTER_COLUMNS:
            op = name.removeprefix(column_name)
            if name.startswith(column_name) and op in SUFFIXES:
                rows = _filter(rows, column_name, op, raw, order)
    per = _int(params.get("per", str(DEFAULT_PER)))
    if per < 0:
        raise _ServerError("LIMIT must not be negative")
    total = len(rows)
    if "until_sequence_id_of_position" in params:
        root = thread.event(ROOT)
        anchor = _depth_one(
            thread, min(_int(params["until_sequence_id_of_position"]), root.child_count)
        )
        if anchor is None:
            raise _NotFound
        limit = (anchor.sequence_id or 0) + anchor.child_count
        rows = [e for e in rows if e.sequence_id is not None and e.sequence_id <= limit]
        spec += [("depth", False), ("position", False)]
    else:
        spec.append((column, False))
    groups = _sorted(rows, spec)
    return QueryResult(status=200, groups=tuple(tuple(g) for g in groups), per=per, total=total)


def query_events(
    thread: Thread,
    params: Mapping[str, str],
    *,
    read_ranges: Sequence[tuple[int, int]] = (),
) -> QueryResult:
    """Expected answer of GET /api/v1/events?discussion_id=D&<params> for `thread`."""
    for name in _UNSUPPORTED:
        if name in params:
            raise ValueError(f"{name}: timestamps are not modelled by the threading oracle")
    try:
        return _run(thread, params, read_ranges)
    except _NotFound:
        return QueryResult(status=404)
    except _ServerError:
        return QueryResult(status=500)


def _comment_event(thread: Thread, comment: str) -> ExpectedEvent | None:
    for event in thread.events:
        if event.kind == "new_comment" and event.eventable == comment:
            return event
    return None


def comment_event(thread: Thread, comment: str) -> tuple[int, ExpectedEvent | None]:
    """GET /api/v1/events/comment?discussion_id=&comment_id=: (status, the new_comment event)."""
    event = _comment_event(thread, comment)
    return (404, None) if event is None else (200, event)


def position_keys(thread: Thread, *, discussion_param: str = "id") -> tuple[str | None, ...]:
    """GET /api/v1/events/position_keys; with a discussion key instead of the id: empty."""
    if discussion_param == "key":
        return ()
    keys = [e.position_key for e in thread.thread_events()]
    return tuple(sorted(keys, key=lambda k: (k is None, k or "")))


def timeline(thread: Thread) -> tuple[TimelineRow, ...]:
    """GET /api/v1/events/timeline?discussion_id=<numeric id>, ordered by position_key."""
    return tuple(
        TimelineRow(e.position_key, e.sequence_id, e.actor, e.depth, e.descendant_count)
        for e in thread.by_position_key()
    )
