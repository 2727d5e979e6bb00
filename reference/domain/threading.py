"""Discussion threading (threading.md): the root event, thread items, counters, repair.

For the polls engineer — publishing a poll event:

    from reference.domain import threading as th
    created = th.publish(conn, kind="poll_created", eventable=("Poll", poll["id"]),
                         user_id=poll["author_id"], discussion_id=poll["discussion_id"],
                         parent=th.root_event(conn, poll["discussion_id"]), pinned=True)
    th.publish(conn, kind="stance_created", eventable=("Stance", s["id"]), user_id=...,
               discussion_id=d_id if in_thread else None,
               parent=th.eventable_event(conn, "Poll", poll_id, "poll_created"))

`publish` applies section 4 (max_depth lift of one level, partition_sequences counters,
zero-filled keys), inserts the row, then recomputes the discussion's items_count/ranges/
last_activity_at and ripples child/descendant counts up to the root. With discussion_id None
the event is not a thread item (parent, sequence, position stay empty). `repair_thread` is
the full algorithm of section 7; `update_sequence_info` is section 4's "after insert" part.

Loomio queues some repairs (after comment destroy and max_depth change) on a background
worker; here they run synchronously at the end of the same request, so a client never sees
the intermediate state (documented deviation).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from psycopg import Connection

from reference import db, faults, live
from reference.db import Row
from reference.domain import ranges as ranges_mod

F_KEY_WIDTH_4 = faults.declare(
    "position_key_width_4", "threading", 'position keys are zero-filled to 4 digits ("0001-0002")'
)
F_NO_LIFT = faults.declare(
    "max_depth_not_flattened",
    "threading",
    "replies deeper than the discussion's max_depth are not lifted",
)
F_SEQ_GAP = faults.declare(
    "sequence_gap_on_edit",
    "threading",
    "comment_edited (not a thread item) still consumes a sequence id",
)
F_STALE_CHILD = faults.declare(
    "child_count_not_recounted",
    "threading",
    "a parent's child_count/descendant_count is not updated on insert",
)
F_DIRECT_ONLY = faults.declare(
    "descendant_count_no_ripple",
    "threading",
    "descendant_count is recounted on the direct parent only, not up to the root",
)
F_KEY_STORED_4 = faults.declare(
    "position_key_stored_width_4",
    "data",
    "position keys are stored zero-filled to 4 digits, answered re-padded to 5",
)
F_NO_LAST_ACTIVITY = faults.declare(
    "last_activity_at_not_written",
    "data",
    "discussions.last_activity_at is left as it was when thread items come and go",
)
F_POSITION_GLOBAL = faults.declare(
    "position_counts_all_siblings",
    "threading",
    "position is numbered across the whole discussion, not per parent",
)

SEQUENCE_KEY = "discussions_sequence_id"
POSITION_KEY = "events_position"


def zero_fill(position: int) -> str:
    return str(position).zfill(4 if F_KEY_WIDTH_4.on or F_KEY_STORED_4.on else 5)


def rendered_key(key: str | None) -> str | None:
    """A stored position key as the API answers it (re-padded under position_key_stored_width_4)."""
    if key is None or not F_KEY_STORED_4.on:
        return key
    return "-".join(part.zfill(5) for part in key.split("-"))


def child_key(parent_key: str | None, position: int) -> str:
    return zero_fill(position) if parent_key is None else f"{parent_key}-{zero_fill(position)}"


# ---------------------------------------------------------------- lookups


def root_event(conn: Connection, discussion_id: int) -> Row | None:
    """The discussion's new_discussion event (its created_event)."""
    return db.one(
        conn,
        "SELECT * FROM events WHERE kind = 'new_discussion' AND eventable_type = 'Discussion' "
        "AND eventable_id = %s ORDER BY id LIMIT 1",
        (discussion_id,),
    )


def eventable_event(
    conn: Connection, eventable_type: str, eventable_id: int, kind: str | None = None
) -> Row | None:
    """The first event of a record (of one kind), e.g. a poll's poll_created event."""
    if kind:
        return db.one(
            conn,
            "SELECT * FROM events WHERE eventable_type = %s AND eventable_id = %s AND kind = %s ORDER BY id LIMIT 1",
            (eventable_type, eventable_id, kind),
        )
    return db.one(
        conn,
        "SELECT * FROM events WHERE eventable_type = %s AND eventable_id = %s ORDER BY id LIMIT 1",
        (eventable_type, eventable_id),
    )


def thread_event_of(conn: Connection, eventable_type: str, eventable_id: int) -> Row | None:
    """The first thread event (discussion_id set) of a record."""
    return db.one(
        conn,
        "SELECT * FROM events WHERE eventable_type = %s AND eventable_id = %s "
        "AND discussion_id IS NOT NULL ORDER BY id LIMIT 1",
        (eventable_type, eventable_id),
    )


# ---------------------------------------------------------------- counters


def next_sequence_id(conn: Connection, discussion_id: int) -> int:
    return int(
        db.scalar(
            conn,
            """INSERT INTO partition_sequences (key, id, counter)
               VALUES (%(k)s, %(d)s, (SELECT COALESCE(max(sequence_id), 0) + 1 FROM events WHERE discussion_id = %(d)s))
               ON CONFLICT (key, id) DO UPDATE SET counter = partition_sequences.counter + 1
               RETURNING counter""",
            {"k": SEQUENCE_KEY, "d": discussion_id},
        )
    )


def next_position(conn: Connection, parent: Row, discussion_id: int) -> int:
    if F_POSITION_GLOBAL.on:
        return int(
            db.scalar(
                conn,
                "SELECT COALESCE(max(position), 0) + 1 FROM events WHERE discussion_id = %s",
                (discussion_id,),
            )
        )
    return int(
        db.scalar(
            conn,
            """INSERT INTO partition_sequences (key, id, counter)
               VALUES (%(k)s, %(p)s, (SELECT COALESCE(max(position), 0) + 1 FROM events
                                       WHERE parent_id = %(p)s AND discussion_id = %(d)s))
               ON CONFLICT (key, id) DO UPDATE SET counter = partition_sequences.counter + 1
               RETURNING counter""",
            {"k": POSITION_KEY, "p": parent["id"], "d": discussion_id},
        )
    )


def drop_sequence_counter(conn: Connection, discussion_id: int) -> None:
    conn.execute(
        "DELETE FROM partition_sequences WHERE key = %s AND id = %s", (SEQUENCE_KEY, discussion_id)
    )


def drop_position_counters(conn: Connection, parent_ids: list[int]) -> None:
    if parent_ids:
        conn.execute(
            "DELETE FROM partition_sequences WHERE key = %s AND id = ANY(%s)",
            (POSITION_KEY, parent_ids),
        )


# ---------------------------------------------------------------- publish


def create_root(conn: Connection, discussion: Row, created_at: datetime | None = None) -> Row:
    """The new_discussion event: no discussion_id, sequence, parent; depth and position 0."""
    when = created_at or discussion["created_at"]
    return db.insert(
        conn,
        "events",
        {
            "kind": "new_discussion",
            "eventable_type": "Discussion",
            "eventable_id": discussion["id"],
            "user_id": discussion["author_id"],
            "created_at": when,
            "updated_at": when,
            "custom_fields": json.dumps({}),
        },
    )


def _placement(conn: Connection, discussion_id: int, original: Row | None) -> Row | None:
    if original is None:
        return None
    max_depth = db.scalar(conn, "SELECT max_depth FROM discussions WHERE id = %s", (discussion_id,))
    if max_depth == original["depth"] and not F_NO_LIFT.on:
        return db.one(conn, "SELECT * FROM events WHERE id = %s", (original["parent_id"],))
    return original


def publish(
    conn: Connection,
    *,
    kind: str,
    eventable: tuple[str, int],
    user_id: int | None,
    discussion_id: int | None = None,
    parent: Row | None = None,
    pinned: bool = False,
    custom_fields: dict[str, Any] | None = None,
    created_at: datetime | None = None,
    context_discussion_id: int | None = None,
) -> Row:
    """Insert an event; a thread item when discussion_id is given (section 4).

    `parent` is the *original* parent from the kind's rule (section 3); the max_depth lift
    is applied here. `context_discussion_id` names the discussion of a non-thread event
    (only a fault uses it).
    """
    when = created_at or _now(conn)
    values: dict[str, Any] = {
        "kind": kind,
        "eventable_type": eventable[0],
        "eventable_id": eventable[1],
        "user_id": user_id,
        "discussion_id": discussion_id,
        "pinned": pinned,
        "custom_fields": json.dumps(custom_fields or {}),
        "created_at": when,
        "updated_at": when,
    }
    if discussion_id is None:
        if F_SEQ_GAP.on and context_discussion_id is not None:
            next_sequence_id(conn, context_discussion_id)
        event = db.insert(conn, "events", values)
        live.event_created(conn, event, user_id)
        return event
    placed = _placement(conn, discussion_id, parent)
    values["parent_id"] = placed["id"] if placed else None
    values["depth"] = placed["depth"] + 1 if placed else 0
    values["sequence_id"] = next_sequence_id(conn, discussion_id)
    values["position"] = next_position(conn, placed, discussion_id) if placed else 0
    values["position_key"] = child_key(
        placed["position_key"] if placed else None, values["position"]
    )
    event = db.insert(conn, "events", values)
    update_sequence_info(conn, discussion_id)
    if placed is not None and not F_STALE_CHILD.on:
        recount(conn, placed["id"])
    live.event_created(conn, event, user_id)
    return event


def _now(conn: Connection) -> datetime:
    return db.scalar(conn, "SELECT (now() AT TIME ZONE 'utc')::timestamp")  # type: ignore[no-any-return]


# ---------------------------------------------------------------- counts


def recount(conn: Connection, event_id: int | None) -> None:
    """Recount child_count and descendant_count of this event, then of its ancestors."""
    while event_id is not None:
        event = db.one(conn, "SELECT * FROM events WHERE id = %s", (event_id,))
        if event is None:
            return
        if event["kind"] == "new_discussion" and event["discussion_id"] is None:
            counts = db.one(
                conn,
                """SELECT (SELECT count(*) FROM events WHERE parent_id = %(id)s AND discussion_id IS NOT NULL) AS children,
                          (SELECT count(*) FROM events WHERE discussion_id = %(d)s) AS descendants""",
                {"id": event["id"], "d": event["eventable_id"]},
            )
        else:
            counts = db.one(
                conn,
                """SELECT (SELECT count(*) FROM events WHERE parent_id = %(id)s AND discussion_id IS NOT NULL) AS children,
                          (SELECT count(*) FROM events WHERE discussion_id = %(d)s AND id <> %(id)s
                             AND position_key LIKE %(prefix)s) AS descendants""",
                {
                    "id": event["id"],
                    "d": event["discussion_id"],
                    "prefix": _like_prefix(event["position_key"]),
                },
            )
        conn.execute(
            "UPDATE events SET child_count = %s, descendant_count = %s WHERE id = %s",
            (counts["children"], counts["descendants"], event["id"]),  # type: ignore[index]
        )
        if F_DIRECT_ONLY.on:
            return
        event_id = event["parent_id"]


def _like_prefix(key: str | None) -> str:
    if key is None:
        return "\x00"  # matches nothing
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def last_activity_at(conn: Connection, discussion_id: int) -> datetime | None:
    """Section 9, including the stance quirk (least recently updated latest stance)."""
    parts = [
        "SELECT max(created_at) FROM comments WHERE discussion_id = %(d)s AND discarded_at IS NULL",
        "SELECT created_at FROM discussions WHERE id = %(d)s",
    ]
    if has_polls(conn):
        parts += [
            "SELECT max(created_at) FROM polls WHERE discussion_id = %(d)s AND discarded_at IS NULL",
            "SELECT max(o.created_at) FROM outcomes o JOIN polls p ON p.id = o.poll_id WHERE p.discussion_id = %(d)s",
            """SELECT s.created_at FROM stances s JOIN polls p ON p.id = s.poll_id
               WHERE p.discussion_id = %(d)s AND s.latest AND s.revoked_at IS NULL
               ORDER BY s.updated_at ASC, s.id ASC LIMIT 1""",
        ]
    union = " UNION ALL ".join(f"({p})" for p in parts)
    return db.scalar(conn, f"SELECT max(t) FROM ({union}) AS x(t)", {"d": discussion_id})  # type: ignore[no-any-return]


_HAS_POLLS: dict[str, bool] = {}


def has_polls(conn: Connection) -> bool:
    dsn = conn.info.dbname
    if dsn not in _HAS_POLLS:
        _HAS_POLLS[dsn] = bool(db.scalar(conn, "SELECT to_regclass('polls') IS NOT NULL"))
    return _HAS_POLLS[dsn]


def update_sequence_info(conn: Connection, discussion_id: int) -> None:
    """items_count, ranges, first/last sequence id and last_activity_at of the discussion."""
    ids = [
        r["sequence_id"]
        for r in db.all_rows(
            conn,
            "SELECT sequence_id FROM events WHERE discussion_id = %s AND sequence_id IS NOT NULL",
            (discussion_id,),
        )
    ]
    runs = ranges_mod.compress(ids)
    activity = "" if F_NO_LAST_ACTIVITY.on else ", last_activity_at = %(activity)s"
    conn.execute(
        f"""UPDATE discussions SET items_count = %(count)s, ranges_string = %(ranges)s,
           first_sequence_id = %(first)s, last_sequence_id = %(last)s{activity}
           WHERE id = %(id)s""",
        {
            "count": len(ids),
            "ranges": ranges_mod.dump(runs),
            "first": min(ids) if ids else 0,
            "last": max(ids) if ids else 0,
            "activity": last_activity_at(conn, discussion_id),
            "id": discussion_id,
        },
    )


# ---------------------------------------------------------------- repair


def original_parent_id(
    conn: Connection, event: Row, root_id: int, by_key: dict[tuple[str, int], Row]
) -> int | None:
    """Section 3's parent rule for an existing event (None when the rule finds nothing)."""
    kind, etype, eid = event["kind"], event["eventable_type"], event["eventable_id"]
    if kind in (
        "discussion_moved",
        "discussion_edited",
        "discussion_forked",
        "poll_created",
        "discussion_closed",
        "discussion_reopened",
        "discussion_title_edited",
        "discussion_description_edited",
    ):
        return root_id
    if kind == "new_comment":
        comment = db.one(conn, "SELECT parent_id, parent_type FROM comments WHERE id = %s", (eid,))
        if comment is None or comment["parent_type"] == "Discussion":
            return root_id
        target = by_key.get((comment["parent_type"], comment["parent_id"]))
        return target["id"] if target else None
    poll_id = None
    if etype == "Poll":
        poll_id = eid
    elif etype == "Stance" and has_polls(conn):
        poll_id = db.scalar(conn, "SELECT poll_id FROM stances WHERE id = %s", (eid,))
    elif etype == "Outcome" and has_polls(conn):
        poll_id = db.scalar(conn, "SELECT poll_id FROM outcomes WHERE id = %s", (eid,))
    if poll_id is not None:
        created = by_key.get(("Poll", poll_id))
        return created["id"] if created else None
    return None


def ensure_root(conn: Connection, discussion_id: int) -> Row:
    root = root_event(conn, discussion_id)
    if root is None:
        discussion = db.one(conn, "SELECT * FROM discussions WHERE id = %s", (discussion_id,))
        root = create_root(conn, discussion)  # type: ignore[arg-type]
    return root


def repair_thread(conn: Connection, discussion_id: int) -> None:
    """EventService.repair_thread (section 7); idempotent."""
    root = ensure_root(conn, discussion_id)
    events = db.all_rows(
        conn, "SELECT * FROM events WHERE discussion_id = %s ORDER BY id", (discussion_id,)
    )
    # 2. sequence ids for events lacking one, in id order, continuing the counter.
    for event in events:
        if event["sequence_id"] is None:
            event["sequence_id"] = next_sequence_id(conn, discussion_id)
            conn.execute(
                "UPDATE events SET sequence_id = %s WHERE id = %s",
                (event["sequence_id"], event["id"]),
            )
    events.sort(key=lambda e: e["sequence_id"])
    by_id = {e["id"]: e for e in events}
    by_key: dict[tuple[str, int], Row] = {}
    for e in events:  # first thread event of each record (comment or poll) is its anchor
        if e["kind"] in ("new_comment", "poll_created") or e["eventable_type"] == "Stance":
            by_key.setdefault((e["eventable_type"], e["eventable_id"]), e)
    max_depth = db.scalar(conn, "SELECT max_depth FROM discussions WHERE id = %s", (discussion_id,))
    # 3 + 4. reset to root (depth 1), then recompute parent and depth in sequence order: a
    # parent sequenced later than its child is met at the reset depth.
    placed: dict[int, tuple[int | None, int]] = {}  # id -> (parent_id, depth)
    depth_of = {root["id"]: 0}
    for e in events:
        orig = original_parent_id(conn, e, root["id"], by_key)
        if orig is None or (orig != root["id"] and orig not in by_id):
            parent_id, depth = None, 0
        else:
            parent_id = orig
            if depth_of.get(orig, 1) == max_depth and not F_NO_LIFT.on:
                parent_id = placed[orig][0] if orig in placed else root["id"]
            depth = depth_of.get(parent_id, 1) + 1 if parent_id is not None else 0
        placed[e["id"]] = (parent_id, depth)
        depth_of[e["id"]] = depth
    _renumber(conn, root, events, placed)
    update_sequence_info(conn, discussion_id)
    _clip_readers(conn, discussion_id)


def _renumber(
    conn: Connection, root: Row, events: list[Row], placed: dict[int, tuple[int | None, int]]
) -> None:
    children: dict[int | None, list[Row]] = {}
    for e in events:
        children.setdefault(placed[e["id"]][0], []).append(e)
    keys: dict[int, str | None] = {root["id"]: None}
    order = [root["id"]] + [e["id"] for e in sorted(events, key=lambda e: placed[e["id"]][1])]
    positions: dict[int, tuple[int, str | None]] = {}
    for parent_id in order:
        for pos, child in enumerate(children.get(parent_id, []), start=1):
            key = child_key(keys.get(parent_id), pos)
            keys[child["id"]] = key
            positions[child["id"]] = (pos, key)
    for e in children.get(None, []):  # parentless: step 3's reset (position 0, key NULL) stays
        positions[e["id"]] = (0, None)
    subtree = _descendant_counts(events, positions)
    for e in events:
        parent_id, depth = placed[e["id"]]
        pos, key = positions[e["id"]]
        conn.execute(
            """UPDATE events SET parent_id = %s, depth = %s, position = %s, position_key = %s,
               child_count = %s, descendant_count = %s WHERE id = %s""",
            (parent_id, depth, pos, key, len(children.get(e["id"], [])), subtree[e["id"]], e["id"]),
        )
    conn.execute(
        "UPDATE events SET child_count = %s, descendant_count = %s WHERE id = %s",
        (len(children.get(root["id"], [])), len(events), root["id"]),
    )
    drop_position_counters(conn, [root["id"], *[e["id"] for e in events]])


def _descendant_counts(
    events: list[Row], positions: dict[int, tuple[int, str | None]]
) -> dict[int, int]:
    """Section 7.6's key-prefix rule: events whose key starts with this one's, itself excluded
    (depths can disagree with the tree after a repair, keys cannot); none under a NULL key."""
    keys = [positions[e["id"]][1] or "" for e in events]
    counts = {}
    for e in events:
        key = positions[e["id"]][1]
        counts[e["id"]] = sum(1 for other in keys if other.startswith(key)) - 1 if key else 0
    return counts


def _clip_readers(conn: Connection, discussion_id: int) -> None:
    allowed = ranges_mod.parse(
        db.scalar(conn, "SELECT ranges_string FROM discussions WHERE id = %s", (discussion_id,))
    )
    for reader in db.all_rows(
        conn,
        "SELECT id, read_ranges_string FROM discussion_readers WHERE discussion_id = %s",
        (discussion_id,),
    ):
        clipped = ranges_mod.dump(
            ranges_mod.clip(ranges_mod.parse(reader["read_ranges_string"]), allowed)
        )
        if clipped != (reader["read_ranges_string"] or ""):
            conn.execute(
                "UPDATE discussion_readers SET read_ranges_string = %s WHERE id = %s",
                (clipped, reader["id"]),
            )
