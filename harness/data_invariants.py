"""Loomio's rules of stored data, checked on one side's rows (pure).

From shared/loomio/threading.md (sections 2, 4, 6, 8, 9) and polls.md (3.1). They catch a
corruption even when both sides share it, which a comparison of the two cannot:

* counter caches equal their counts: discussions.items_count, events.child_count and
  descendant_count, groups' and users' memberships_count (live memberships),
  polls.voters_count / undecided_voters_count / stance_counts, poll_options.voter_count /
  total_score (the counts the facts define; a group's other counters are not checked; a
  cast stance a rejected in-place edit left without choices may still be counted, as
  Loomio leaves the counts stale until the next recount);
* event trees: the root (no discussion, sequence or parent, depth 0), every thread item with
  a sequence id unique in its discussion, a parent that is the root or a thread item of the
  same discussion, depth = parent's + 1, position_key = parent's key + "-" + 5-digit
  position, siblings' positions increasing with their sequence ids, ranges_string = the
  sequence ids compressed into runs;
* every foreign key resolves (within the example's rows, or else in the database);
* soft-deleted rows follow their rules: a discarded comment's events (those made before the
  discard) have no actor and are not pinned; a discarded poll's stance events are out of the thread and its created event
  has no actor, is not pinned and has child_count 0; a discarded discussion's polls are
  discarded; a discarded row names who discarded it; last_activity_at is not before the
  discussion's or any live comment's created_at.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations, pairwise
from typing import Any

from harness.normalize import class_type, references
from harness.rows import COUNTERS, Row, Rows

NOT_CHECKED_REFS = frozenset({"versions"})  # paper_trail keeps versions of destroyed rows
MAX_EMPTIED = 6  # stances left without choices in one poll, beyond which only all-or-none


@dataclass(frozen=True, slots=True, kw_only=True)
class Violation:
    """One broken rule: where (table, raw id, column), the rule, expected and actual values."""

    table: str
    id: Any
    column: str
    rule: str
    expected: Any
    actual: Any


def _by(rows: list[Row], column: str) -> dict[Any, list[Row]]:
    grouped: dict[Any, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row.get(column)].append(row)
    return grouped


def _counter(table: str, row: Row, column: str, expected: Any, rule: str) -> Iterator[Violation]:
    if column in row and row[column] != expected:
        yield Violation(
            table=table, id=row["id"], column=column, rule=rule, expected=expected,
            actual=row[column],
        )  # fmt: skip


def zero_fill(position: int) -> str:
    return str(position).zfill(5)


def compress(ids: list[int]) -> str:
    """Sequence ids as Loomio's ranges string: [1, 2, 3, 5] -> "1-3,5-5"."""
    runs: list[list[int]] = []
    for n in sorted(set(ids)):
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    return ",".join(f"{a}-{b}" for a, b in runs)


def check(rows: Rows, absent: Mapping[str, set[Any]] | None = None) -> list[Violation]:
    """Every rule above on one side's rows; `absent`: referenced ids (by table) that the
    database does not hold outside these rows (see `outside_references`)."""
    found = [
        *_thread_rules(rows),
        *_discussion_rules(rows),
        *_group_and_user_counts(rows),
        *_poll_counts(rows),
        *_soft_delete_rules(rows),
        *_dangling(rows, absent or {}),
    ]
    return sorted(found, key=lambda v: (v.table, str(v.id), v.column, v.rule))


# -- events ------------------------------------------------------------------------------


def _roots(events: list[Row]) -> dict[Any, Row]:
    roots: dict[Any, Row] = {}
    for e in events:
        if e["kind"] == "new_discussion" and e["eventable_type"] == "Discussion":
            roots.setdefault(e["eventable_id"], e)
    return roots


def _thread_rules(rows: Rows) -> Iterator[Violation]:
    events = rows.get("events", [])
    by_id = {e["id"]: e for e in events}
    roots = _roots(events)
    discarded_polls = {p["id"] for p in rows.get("polls", []) if p.get("discarded_at")}
    held = {d["id"] for d in rows.get("discussions", [])}
    # a poll discard takes its stance events out of the thread without a recount of the
    # root's descendant_count (an update_all: no callbacks), nor of its created event's
    # (threading.md 6, 8.7): those stay stale until a repair
    stale_roots = {p["discussion_id"] for p in rows.get("polls", []) if p.get("discarded_at")}
    for discussion_id, items in _by(events, "discussion_id").items():
        if discussion_id not in held:  # a thread the rows hold only part of (none, or older)
            continue
        root = roots.get(discussion_id)
        yield from _sequence_rules(items)
        for e in items:
            yield from _tree_rules(e, by_id, root, discussion_id)
        for parent in [*([root] if root else []), *items]:
            stale = parent["kind"] == "poll_created" and parent["eventable_id"] in discarded_polls
            stale_root = parent is root and discussion_id in stale_roots
            yield from _counts(parent, items, root, stale, stale_root)
    for root in roots.values():
        for column, expected in (("discussion_id", None), ("sequence_id", None), ("depth", 0)):
            yield from _counter("events", root, column, expected, "the root event")


def _sequence_rules(items: list[Row]) -> Iterator[Violation]:
    seen = Counter(e["sequence_id"] for e in items)
    for e in items:
        if e["sequence_id"] is None or seen[e["sequence_id"]] > 1:
            yield Violation(
                table="events", id=e["id"], column="sequence_id", expected="unique, not null",
                actual=e["sequence_id"], rule="a thread item's sequence id",
            )  # fmt: skip
    for parent_id, siblings in _by(items, "parent_id").items():
        if parent_id is None:  # parentless items all sit at position 0 (threading.md 3)
            continue
        ordered = sorted(siblings, key=lambda e: (e["sequence_id"] or 0, e["id"]))
        for before, after in pairwise(ordered):
            if after["position"] <= before["position"]:
                yield Violation(
                    table="events", id=after["id"], column="position",
                    expected=f"> {before['position']} (sibling with an earlier sequence id)",
                    actual=after["position"], rule="positions follow sequence ids",
                )  # fmt: skip


def _tree_rules(e: Row, by_id: Mapping[Any, Row], root: Row | None, d: Any) -> Iterator[Violation]:
    parent = by_id.get(e["parent_id"])
    if parent is None or not (parent is root or parent["discussion_id"] == d):
        if e["parent_id"] is not None or e["depth"] != 0:
            yield Violation(
                table="events", id=e["id"], column="parent_id", rule="parent in the thread",
                expected="the root or a thread item of the discussion", actual=e["parent_id"],
            )  # fmt: skip
        return
    if not (e["kind"] == "poll_created" and e["depth"] == 0):  # add-to-thread (section 6)
        if parent is not root and _entered_later(parent, e):
            # a repair (section 7.4) met this parent before placing it, at the reset depth 1
            yield from _counter("events", e, "depth", 2, "depth under a later-sequenced parent")
        else:
            yield from _counter("events", e, "depth", parent["depth"] + 1, "depth = parent's + 1")
    prefix = "" if parent is root else f"{parent['position_key']}-"
    expected = prefix + zero_fill(e["position"])
    yield from _counter("events", e, "position_key", expected, "key = parent's key + position")


def _parentless_since_last_recount(items: Sequence[Mapping[str, Any]]) -> int:
    """Thread items without a parent sequenced after the last item with one. The root's
    descendant_count counts every thread item, but it is recounted only when an item under
    it saves (threading.md 4): a parentless item (a reply to a stance outside the thread)
    triggers no recount, so the root may not count those made since the last one that did."""
    parented = [e.get("sequence_id") or 0 for e in items if e.get("parent_id") is not None]
    last = max(parented, default=0)
    return sum(
        1 for e in items if e.get("parent_id") is None and (e.get("sequence_id") or 0) > last
    )


def _entered_later(parent: Row, e: Row) -> bool:
    """The parent joined the thread after its child (a hidden stance moved in at poll close)."""
    return (parent["sequence_id"] or 0) > (e["sequence_id"] or 0)


def _counts(
    parent: Row, items: list[Row], root: Row | None, stale: bool, stale_root: bool = False
) -> Iterator[Violation]:
    children = sum(1 for e in items if e["parent_id"] == parent["id"])
    if parent is root:
        descendants = len(items)
        unseen = _parentless_since_last_recount(items)
        if descendants - unseen <= (parent.get("descendant_count") or 0) <= descendants:
            descendants = parent.get("descendant_count") or 0
    else:
        prefix = f"{parent['position_key']}-"
        descendants = sum(1 for e in items if (e["position_key"] or "").startswith(prefix))
    if stale:  # a discarded poll's created event: child_count forced to 0 at discard, later
        return  # items under it recount it; descendant_count is stale (threading.md 6, 8.7)
    yield from _counter("events", parent, "child_count", children, "child_count = children")
    if stale_root:
        return
    rule = "descendant_count = subtree"
    yield from _counter("events", parent, "descendant_count", descendants, rule)


# -- discussions -------------------------------------------------------------------------


def _discussion_rules(rows: Rows) -> Iterator[Violation]:
    thread = _by(
        [e for e in rows.get("events", []) if e["sequence_id"] is not None], "discussion_id"
    )
    comments = _by(
        [c for c in rows.get("comments", []) if not c.get("discarded_at")], "discussion_id"
    )
    for d in rows.get("discussions", []):
        ids = [e["sequence_id"] for e in thread.get(d["id"], [])]
        yield from _counter("discussions", d, "items_count", len(ids), "items_count = items")
        if ids or d.get("ranges_string"):
            rule = "ranges = sequence ids"
            yield from _counter("discussions", d, "ranges_string", compress(ids), rule)
        yield from _last_activity(d, comments.get(d["id"], []))


def _last_activity(d: Row, comments: list[Row]) -> Iterator[Violation]:
    floor = max([d["created_at"], *(c["created_at"] for c in comments)], key=_instant)
    last = d.get("last_activity_at")
    if "last_activity_at" in d and (last is None or _instant(last) < _instant(floor)):
        yield Violation(
            table="discussions", id=d["id"], column="last_activity_at", actual=last,
            expected=f">= {floor} (the newest live comment or the discussion)",
            rule="last_activity_at (threading.md 9)",
        )  # fmt: skip


def _instant(value: datetime | None) -> datetime:
    return value if value is not None else datetime.min


# -- groups, users, polls ----------------------------------------------------------------


def _group_and_user_counts(rows: Rows) -> Iterator[Violation]:
    live = [m for m in rows.get("memberships", []) if m.get("revoked_at") is None]
    for table, column in (("groups", "group_id"), ("users", "user_id")):
        members = _by(live, column)
        for row in rows.get(table, []):
            count = len(members.get(row["id"], []))
            yield from _counter(table, row, "memberships_count", count, "memberships_count = count")


def _poll_counts(rows: Rows) -> Iterator[Violation]:
    voting = [s for s in rows.get("stances", []) if s["latest"] and s.get("revoked_at") is None]
    stances, live = _by(voting, "poll_id"), {s["id"] for s in voting}
    choices = _by(
        [c for c in rows.get("stance_choices", []) if c["stance_id"] in live], "stance_id"
    )
    options = _by(rows.get("poll_options", []), "poll_id")
    for p in rows.get("polls", []):
        mine = stances.get(p["id"], [])
        undecided = sum(1 for s in mine if s["cast_at"] is None)
        yield from _counter("polls", p, "voters_count", len(mine), "voters_count = stances")
        yield from _counter("polls", p, "undecided_voters_count", undecided, "undecided = uncast")
        ordered = sorted(options.get(p["id"], []), key=lambda o: (o["priority"], o["id"]))
        kept = [(c["poll_option_id"], c["score"]) for s in mine for c in choices.get(s["id"], [])]
        emptied = [_stored_scores(s) for s in mine if s["cast_at"] and s["id"] not in choices]
        # the rule as stated first, then the states a stale recount may have left
        found = (
            _tally_violations(_tally(p, ordered, kept + lost)) for lost in _lost_choices(emptied)
        )
        stated = next(found)
        if stated and all(found):
            yield from stated


Tally = list[tuple[str, Row, str, Any, str]]  # (table, row, column, expected, rule)


def _tally(poll: Row, ordered: list[Row], picked: list[tuple[Any, int]]) -> Tally:
    """The counts polls.md 3.1 defines from (option id, score) choices."""
    by_option = _by([{"option": o, "score": s} for o, s in picked], "option")
    scores = [sum(c["score"] for c in by_option.get(o["id"], [])) for o in ordered]
    tally: Tally = [("polls", poll, "stance_counts", scores, "stance_counts = scores")]
    for o, total in zip(ordered, scores, strict=True):
        count = len(by_option.get(o["id"], []))
        tally.append(("poll_options", o, "voter_count", count, "voter_count"))
        tally.append(("poll_options", o, "total_score", total, "total_score"))
    return tally


def _tally_violations(tally: Tally) -> list[Violation]:
    return [v for cell in tally for v in _counter(*cell)]


def _stored_scores(stance: Row) -> list[tuple[Any, int]]:
    scores = stance.get("option_scores") or {}
    if isinstance(scores, str):
        scores = json.loads(scores)
    return [(int(option), int(score)) for option, score in scores.items()]


def _lost_choices(emptied: list[list[tuple[Any, int]]]) -> Iterator[list[tuple[Any, int]]]:
    """The choices the stored counts may still hold: Loomio deletes a stance's choices before
    validating an in-place edit and recounts only after a save (polls.md, "edited in place"),
    so a rejected edit leaves a cast stance without choices and the counts stale until the
    next recount. Each such stance's last saved scores (`option_scores`) may be counted or
    not: every combination is accepted (the first is "none", the rule as stated)."""
    emptied = [e for e in emptied if e]
    if len(emptied) > MAX_EMPTIED:
        yield from ([], [c for e in emptied for c in e])
        return
    for size in range(len(emptied) + 1):
        for subset in combinations(emptied, size):
            yield [c for e in subset for c in e]


# -- soft deletes and references ---------------------------------------------------------


def _after(row: Row, moment: Any) -> bool:
    """Whether the row was made after `moment` (False when either time is unknown)."""
    made = row.get("created_at")
    return isinstance(made, datetime) and isinstance(moment, datetime) and made > moment


def _soft_delete_rules(rows: Rows) -> Iterator[Violation]:
    events = _by(rows.get("events", []), "eventable_id")
    for table in ("comments", "polls", "discussions"):
        for row in rows.get(table, []):
            if row.get("discarded_at") and "discarded_by" in row and row["discarded_by"] is None:
                yield Violation(
                    table=table, id=row["id"], column="discarded_by", expected="who discarded it",
                    actual=None, rule="a discarded row names who discarded it",
                )  # fmt: skip
    for c in rows.get("comments", []):
        if c.get("discarded_at"):
            for e in events.get(c["id"], []):
                # an edit after the discard is allowed (Loomio's comment ability does not ask
                # whether it is kept) and its event names the editor
                if e["eventable_type"] == "Comment" and not _after(e, c["discarded_at"]):
                    yield from _counter("events", e, "user_id", None, "a discarded comment's event")
                    yield from _counter("events", e, "pinned", False, "a discarded comment's event")
    stance_poll = {s["id"]: s["poll_id"] for s in rows.get("stances", [])}
    discarded = {d["id"] for d in rows.get("discussions", []) if d.get("discarded_at")}
    # discarding a discussion discards its polls and leaves events untouched (threading.md 6)
    gone = {
        p["id"]
        for p in rows.get("polls", [])
        if p.get("discarded_at") and p.get("discussion_id") not in discarded
    }
    for e in rows.get("events", []):
        if e["eventable_type"] == "Stance" and stance_poll.get(e["eventable_id"]) in gone:
            yield from _counter(
                "events", e, "discussion_id", None, "a discarded poll's stance event"
            )
        if e["kind"] == "poll_created" and e["eventable_id"] in gone:
            yield from _counter("events", e, "user_id", None, "a discarded poll's event")
            yield from _counter("events", e, "pinned", False, "a discarded poll's event")
    discarded_at = {d["id"]: d["discarded_at"] for d in rows.get("discussions", [])}
    for p in rows.get("polls", []):
        at, made = discarded_at.get(p.get("discussion_id")), p.get("created_at")
        # only the polls the discussion had when it was discarded (threading.md 6)
        if at is not None and made is not None and made <= at and not p.get("discarded_at"):
            yield Violation(
                table="polls", id=p["id"], column="discarded_at", expected="set",
                actual=None, rule="a discarded discussion's polls are discarded",
            )  # fmt: skip


def outside_references(rows: Rows) -> dict[str, set[Any]]:
    """Referenced ids (by table) that are not among `rows`: the database must have them."""
    held = {t: {r["id"] for r in records} for t, records in rows.items() if t != COUNTERS}
    wanted: dict[str, set[Any]] = defaultdict(set)
    for table, records in rows.items():
        if table == COUNTERS or table in NOT_CHECKED_REFS:
            continue
        for record in records:
            for target, raw in _checked_refs(record, table, held):
                if raw not in held[target]:
                    wanted[target].add(raw)
    return dict(wanted)


def _checked_refs(
    record: Row, table: str, held: Mapping[str, set[Any]]
) -> Iterator[tuple[str, Any]]:
    for target, raw in references({k: v for k, v in record.items() if k != "id"}, table):
        if target in held and isinstance(raw, int):
            yield target, raw


def _dangling(rows: Rows, absent: Mapping[str, set[Any]]) -> Iterator[Violation]:
    held = {t: {r["id"] for r in records} for t, records in rows.items() if t != COUNTERS}
    for table, records in rows.items():
        if table == COUNTERS or table in NOT_CHECKED_REFS:
            continue
        for record in records:
            for target, raw in _checked_refs(record, table, held):
                if raw not in held[target] and raw in absent.get(target, set()):
                    yield Violation(
                        table=table, id=record["id"], column=_column_of(record, target, raw),
                        expected=f"a row of {target}", actual=raw, rule="foreign key resolves",
                    )  # fmt: skip


def _column_of(record: Row, target: str, raw: Any) -> str:
    for column, value in record.items():
        if value == raw and column != "id" and (column.endswith("_id") or column == "discarded_by"):
            poly = record.get(column[:-3] + "_type")
            if not isinstance(poly, str) or class_type(poly) == target:
                return column
    return "?"
