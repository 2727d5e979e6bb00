"""Poll records: lookup, recount (Poll#update_counts!), versions, invited voters, and the
PollService actions create / update / close / reopen / discard."""

from __future__ import annotations

import json
import secrets
import string
from datetime import datetime
from typing import Any

from psycopg import Connection

from reference import db
from reference.db import Row
from reference.domain import threading as th
from reference.domain.casts import all_digits
from reference.domain.poll_options import OptionPlan, plan_meeting_priorities
from reference.domain.tallies import CountedStance, count_votes
from reference.web import Ctx, now, record_not_found

_KEY_ALPHABET = string.ascii_letters + string.digits
# paper_trail `only:` list of Poll.
POLL_VERSIONED = (
    "author_id",
    "title",
    "details",
    "details_format",
    "closing_at",
    "closed_at",
    "group_id",
    "discussion_id",
    "anonymous",
    "discarded_at",
    "discarded_by",
    "voter_can_add_options",
    "specified_voters_only",
    "stance_reason_required",
    "tags",
    "notify_on_closing_soon",
    "hide_results",
)


def find_poll(ctx: Ctx, ident: str) -> Row:
    """Poll.find(id or key) (friendly_id finders), 404 when missing."""
    row = None
    if all_digits(ident):
        row = db.one(ctx.conn, "SELECT * FROM polls WHERE id = %s", (int(ident),))
    if row is None:
        row = db.one(ctx.conn, "SELECT * FROM polls WHERE key = %s", (ident,))
    if row is None:
        raise record_not_found("Poll", ident)
    ctx.cache[("Poll", row["id"])] = row
    return row


def reload(ctx: Ctx, poll_id: int) -> Row:
    row = db.one(ctx.conn, "SELECT * FROM polls WHERE id = %s", (poll_id,))
    ctx.cache[("Poll", poll_id)] = row
    ctx.memo.pop(("options", poll_id), None)
    return row  # type: ignore[return-value]


def options_of(ctx: Ctx, poll_id: int) -> list[Row]:
    key = ("options", poll_id)
    if key not in ctx.memo:
        rows = db.all_rows(
            ctx.conn,
            "SELECT * FROM poll_options WHERE poll_id = %s ORDER BY priority, id",
            (poll_id,),
        )
        for row in rows:
            ctx.cache[("PollOption", row["id"])] = row
        ctx.memo[key] = rows
    return ctx.memo[key]  # type: ignore[no-any-return]


def new_key(conn: Connection, table: str) -> str:
    while True:
        key = "".join(secrets.choice(_KEY_ALPHABET) for _ in range(8))
        if key.isdigit():
            continue
        if not db.scalar(conn, f"SELECT EXISTS (SELECT 1 FROM {table} WHERE key = %s)", (key,)):
            return key


def record_version(
    conn: Connection,
    item_type: str,
    item_id: int,
    event: str,
    whodunnit: int | None,
    changes: dict[str, Any],
) -> None:
    db.insert(
        conn,
        "versions",
        {
            "item_type": item_type,
            "item_id": item_id,
            "event": event,
            "whodunnit": whodunnit,
            "created_at": now(),
            "object_changes": json.dumps(changes, default=str),
        },
    )


def versions_count(conn: Connection, item_type: str, item_id: int) -> int:
    return int(
        db.scalar(
            conn,
            "SELECT count(*) FROM versions WHERE item_type = %s AND item_id = %s",
            (item_type, item_id),
        )
    )


def version_changes(before: Row, after: dict[str, Any]) -> dict[str, Any]:
    return {
        k: [before.get(k), after[k]]
        for k in POLL_VERSIONED
        if k in after and before.get(k) != after[k]
    }


def recount(conn: Connection, poll: Row) -> None:
    """Poll#update_counts!: option totals, voter counts and scores, poll counters."""
    option_ids = [
        r["id"]
        for r in db.all_rows(
            conn,
            "SELECT id FROM poll_options WHERE poll_id = %s ORDER BY priority, id",
            (poll["id"],),
        )
    ]
    stances = db.all_rows(
        conn,
        "SELECT id, participant_id, cast_at, none_of_the_above FROM stances "
        "WHERE poll_id = %s AND latest AND revoked_at IS NULL ORDER BY id",
        (poll["id"],),
    )
    choices: dict[int, list[tuple[int, int]]] = {}
    for c in db.all_rows(
        conn,
        "SELECT sc.stance_id, sc.poll_option_id, sc.score FROM stance_choices sc "
        "JOIN stances s ON s.id = sc.stance_id "
        "WHERE s.poll_id = %s AND s.latest AND s.revoked_at IS NULL ORDER BY sc.id",
        (poll["id"],),
    ):
        choices.setdefault(c["stance_id"], []).append((c["poll_option_id"], c["score"]))
    counted = [
        CountedStance(
            id=s["id"],
            participant_id=s["participant_id"],
            cast=s["cast_at"] is not None,
            none_of_the_above=s["none_of_the_above"],
            choices=tuple(choices.get(s["id"], ())),
        )
        for s in stances
    ]
    counts = count_votes(option_ids, counted, anonymous=poll["anonymous"])
    for option_id, oc in counts.options.items():
        conn.execute(
            "UPDATE poll_options SET total_score = %s, voter_count = %s, voter_scores = %s "
            "WHERE id = %s",
            (oc.total_score, oc.voter_count, json.dumps(oc.voter_scores), option_id),
        )
    conn.execute(
        "UPDATE polls SET stance_counts = %s, voters_count = %s, undecided_voters_count = %s, "
        "none_of_the_above_count = %s, versions_count = %s WHERE id = %s",
        (
            json.dumps(counts.stance_counts),
            counts.voters_count,
            counts.undecided_voters_count,
            counts.none_of_the_above_count,
            versions_count(conn, "Poll", poll["id"]),
            poll["id"],
        ),
    )


def save_options(conn: Connection, poll: Row, plans: list[OptionPlan]) -> None:
    """Autosave of poll_options: destroy marked ones (with their choices), insert/update."""
    if poll["poll_type"] == "meeting":
        plan_meeting_priorities(plans)
    when = now()
    for plan in plans:
        if plan.destroy:
            if plan.id is not None:
                conn.execute("DELETE FROM stance_choices WHERE poll_option_id = %s", (plan.id,))
                conn.execute("DELETE FROM poll_options WHERE id = %s", (plan.id,))
            continue
        values = {
            "name": plan.name,
            "priority": plan.priority,
            "icon": plan.icon,
            "meaning": plan.meaning,
            "prompt": plan.prompt,
            "updated_at": when,
        }
        if plan.id is None:
            db.insert(conn, "poll_options", {**values, "poll_id": poll["id"], "created_at": when})
        else:
            db.update(conn, "poll_options", plan.id, values)


def invite_members(conn: Connection, poll: Row) -> None:
    """PollService.create_anyone_can_vote_stances: undecided stances for accepted human
    members of the group and the discussion's guests who have none yet."""
    conn.execute(
        """
        INSERT INTO stances (poll_id, participant_id, inviter_id, guest, volume, latest,
                             reason_format, created_at, updated_at, token)
        SELECT %(poll)s, u.id, %(author)s, (gm.id IS NULL), COALESCE(dr.volume, gm.volume,
               u.default_membership_volume), true,
               CASE WHEN u.experiences ->> 'html-editor.uses-markdown' = 'true'
                    THEN 'md' ELSE 'html' END, %(now)s, %(now)s,
               substr(md5(random()::text || u.id::text), 1, 24)
        FROM users u
        LEFT JOIN memberships gm ON gm.group_id = %(group)s AND gm.user_id = u.id
                                AND gm.revoked_at IS NULL
        LEFT JOIN discussion_readers dr ON dr.discussion_id = %(discussion)s AND dr.user_id = u.id
                                       AND dr.revoked_at IS NULL
        WHERE u.deactivated_at IS NULL AND (
          (gm.id IS NOT NULL AND gm.accepted_at IS NOT NULL AND NOT u.bot)
          OR (dr.id IS NOT NULL AND dr.guest AND gm.id IS NULL))
          AND NOT EXISTS (SELECT 1 FROM stances s WHERE s.poll_id = %(poll)s
                          AND s.participant_id = u.id
                          AND (s.latest OR s.revoked_at IS NOT NULL))
        ORDER BY u.id
        """,
        {
            "poll": poll["id"],
            "author": poll["author_id"],
            "group": poll["group_id"] or 0,
            "discussion": poll["discussion_id"] or 0,
            "now": now(),
        },
    )


def created_event(conn: Connection, poll_id: int) -> Row | None:
    return th.eventable_event(conn, "Poll", poll_id, "poll_created")


def members_removed(
    conn: Connection, group_id: int, user_id: int, actor_id: int, at: datetime
) -> None:
    """PollService.group_members_removed: the removed member's stances in the group's active
    (kept, not closed) polls are revoked, and each such poll is recounted."""
    active = db.all_rows(
        conn,
        "SELECT * FROM polls WHERE group_id = %s AND discarded_at IS NULL AND closed_at IS NULL "
        "ORDER BY id",
        (group_id,),
    )
    for poll in active:
        conn.execute(
            "UPDATE stances SET revoked_at = %s, revoker_id = %s "
            "WHERE poll_id = %s AND participant_id = %s AND revoked_at IS NULL",
            (at, actor_id, poll["id"], user_id),
        )
        recount(conn, poll)


def close(conn: Connection, poll: Row, at: datetime) -> None:
    """PollService.do_closing_work (no recount)."""
    if poll["closed_at"] is not None:
        return
    if poll["anonymous"]:
        conn.execute("UPDATE stances SET participant_id = NULL WHERE poll_id = %s", (poll["id"],))
    if poll["discussion_id"] and poll["hide_results"] == 2:
        conn.execute(
            """UPDATE events SET discussion_id = %(d)s
               WHERE kind = 'stance_created' AND eventable_type = 'Stance' AND discussion_id IS NULL
                 AND eventable_id IN (SELECT id FROM stances WHERE poll_id = %(p)s AND latest
                   AND revoked_at IS NULL AND COALESCE(reason, '') NOT IN ('', '<p></p>'))""",
            {"d": poll["discussion_id"], "p": poll["id"]},
        )
        th.repair_thread(conn, poll["discussion_id"])
    conn.execute(
        "UPDATE polls SET closed_at = %s, updated_at = %s WHERE id = %s", (at, at, poll["id"])
    )
    record_version(conn, "Poll", poll["id"], "update", None, {"closed_at": [None, at]})


def discard(conn: Connection, poll: Row, actor_id: int) -> None:
    at = now()
    conn.execute(
        "UPDATE polls SET discarded_at = %s, discarded_by = %s, updated_at = %s WHERE id = %s",
        (at, actor_id, at, poll["id"]),
    )
    record_version(conn, "Poll", poll["id"], "update", actor_id, {"discarded_at": [None, at]})
    conn.execute(
        "UPDATE events SET discussion_id = NULL WHERE kind IN ('stance_created', 'stance_updated') "
        "AND eventable_type = 'Stance' "
        "AND eventable_id IN (SELECT id FROM stances WHERE poll_id = %s)",
        (poll["id"],),
    )
    event = created_event(conn, poll["id"])
    if event is not None:
        conn.execute(
            "UPDATE events SET user_id = NULL, child_count = 0, pinned = false WHERE id = %s",
            (event["id"],),
        )
    if poll["discussion_id"]:
        th.update_sequence_info(conn, poll["discussion_id"])
