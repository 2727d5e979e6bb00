"""What the suite checks of each publication in the publishing side's own database.

Run on the capture thread the moment a message arrives, on a connection of its own:

* **fetchable**: every published event is committed (visible to another connection). A
  record published before its transaction commits is one the client cannot fetch yet.
* **leaks**: everyone in the message's room may read each discussion the records belong to
  (properties.oracles.live_rooms decides). A leak counts on either side, even when both
  sides publish alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from psycopg.rows import dict_row

from contracts.live_compare import Message
from properties.oracles.live_rooms import GroupRow, Relation, ThreadFacts, may_read, role_of

_ROOM = re.compile(r"^(group|user)-(\d+)$")
DISCARDED = "discarded_thread"


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """Something wrong with one message on one side, whatever the other side did."""

    check: str  # "live_fetchable" | "live_leak"
    detail: str
    user_id: int | None = None
    discussion_id: int | None = None
    role: str = ""
    cause: str = ""  # "discarded_thread": the thread was readable to them until discarded


class Probe:
    """One side's database, read on the capture thread (autocommit: sees committed rows)."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True, row_factory=dict_row)
        self.undecided = 0  # publications to a world the oracle does not model

    def close(self) -> None:
        self.conn.close()

    def inspect(self, messages: Sequence[Message]) -> list[tuple[int, Problem]]:
        """Problems of messages read together (a fan-out, say), each with its position:
        one lookup of their events, each discussion's facts read once."""
        envelopes = [(i, m.raw_room, m.records) for i, m in enumerate(messages)]
        envelopes = [e for e in envelopes if isinstance(e[2], dict)]
        found = self._unfetchable(envelopes)
        threads: dict[int, ThreadFacts | None] = {}
        for i, room, records in envelopes:
            found += [(i, p) for p in self._leaks(room, records, threads)]
        return found

    def _rows(self, query: str, params: Any) -> list[dict[str, Any]]:
        return self.conn.execute(query, params).fetchall()

    def _unfetchable(
        self, envelopes: list[tuple[int, Any, dict[str, Any]]]
    ) -> list[tuple[int, Problem]]:
        ids = {
            i: {r["id"] for r in _items(records, "events") if isinstance(r["id"], int)}
            for i, _, records in envelopes
        }
        every = sorted(set().union(*ids.values()))
        if not every:
            return []
        rows = self._rows("SELECT id FROM events WHERE id = ANY(%s)", (every,))
        committed = {r["id"] for r in rows}
        return [
            (
                i,
                Problem(
                    check="live_fetchable",
                    detail=f"event {missing} was published before it was committed: a "
                    "client fetching it on receipt does not find it",
                ),
            )
            for i, published in ids.items()
            for missing in sorted(published - committed)
        ]

    def _leaks(
        self, room: Any, records: dict[str, Any], threads: dict[int, ThreadFacts | None]
    ) -> Iterator[Problem]:
        match = _ROOM.match(room) if isinstance(room, str) else None
        if match is None:
            return
        for discussion_id in sorted(_discussion_ids(records)):
            if discussion_id not in threads:
                threads[discussion_id] = self._thread(discussion_id)
            facts = threads[discussion_id]
            if facts is None:
                continue
            relations = self._relations(match[1], int(match[2]), discussion_id)
            for user_id, relation in sorted(relations.items()):
                allowed = may_read(relation, facts)
                if allowed is None:
                    self.undecided += 1
                elif not allowed:
                    role = role_of(relation).value
                    yield Problem(
                        check="live_leak",
                        detail=f"room {room} reaches user {user_id} ({role}), who may not "
                        f"read discussion {discussion_id}",
                        user_id=user_id,
                        discussion_id=discussion_id,
                        role=role,
                        cause=_cause(relation, facts),
                    )

    def _thread(self, discussion_id: int) -> ThreadFacts | None:
        rows = self._rows(
            """SELECT d.private, d.discarded_at IS NOT NULL AS discarded,
                 to_jsonb(g) AS "group", to_jsonb(p) AS parent
               FROM discussions d LEFT JOIN groups g ON g.id = d.group_id
               LEFT JOIN groups p ON p.id = g.parent_id
               WHERE d.id = %s""",
            (discussion_id,),
        )
        if not rows:
            return None
        row = rows[0]
        return ThreadFacts(
            private=bool(row["private"]),
            discarded=row["discarded"],
            group=_group_row(row["group"]),
            parent=_group_row(row["parent"]),
        )

    def _relations(self, kind: str, ident: int, discussion_id: int) -> dict[int, Relation]:
        """The rows of everyone in room `kind`-`ident` (a group's active members, or one
        user) for the discussion, its group and the group's parent (one query)."""
        rows = self._rows(
            """WITH recipients AS (
                 SELECT user_id AS id FROM memberships
                 WHERE %(kind)s = 'group' AND group_id = %(ident)s AND revoked_at IS NULL
                 UNION SELECT %(ident)s WHERE %(kind)s = 'user')
               SELECT u.id AS user_id,
                 bool_or(m.group_id = d.group_id AND m.revoked_at IS NULL) AS member,
                 bool_or(m.group_id = d.group_id AND m.revoked_at IS NULL AND m.admin) AS admin,
                 bool_or(m.group_id = d.group_id AND m.revoked_at IS NOT NULL) AS revoked_member,
                 bool_or(m.group_id = g.parent_id AND m.revoked_at IS NULL) AS parent_member,
                 bool_or(r.guest AND r.revoked_at IS NULL) AS guest,
                 bool_or(r.guest AND r.revoked_at IS NOT NULL) AS revoked_guest
               FROM recipients u
               JOIN discussions d ON d.id = %(discussion)s
               LEFT JOIN groups g ON g.id = d.group_id
               LEFT JOIN memberships m ON m.user_id = u.id
               LEFT JOIN discussion_readers r ON r.user_id = u.id AND r.discussion_id = d.id
               GROUP BY u.id""",
            {"kind": kind, "ident": ident, "discussion": discussion_id},
        )
        return {
            row.pop("user_id"): Relation(**{k: bool(v) for k, v in row.items()}) for row in rows
        }


def _group_row(g: dict[str, Any] | None) -> GroupRow | None:
    if g is None:
        return None
    return GroupRow(
        is_visible_to_public=g["is_visible_to_public"],
        is_visible_to_parent_members=g["is_visible_to_parent_members"],
        discussion_privacy_options=g["discussion_privacy_options"],
        parent_members_can_see_discussions=g["parent_members_can_see_discussions"],
        archived=g["archived_at"] is not None,
        has_parent=g["parent_id"] is not None,
    )


def _cause(relation: Relation, facts: ThreadFacts) -> str:
    """Why a reader is refused, when one setting alone explains it: a discarded thread that
    was readable to them (Loomio accepts comments in discarded threads and publishes them)."""
    if facts.discarded and may_read(relation, replace(facts, discarded=False)):
        return DISCARDED
    return ""


def _items(records: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    value = records.get(collection)
    if not isinstance(value, list):
        return []
    return [r for r in value if isinstance(r, dict) and "id" in r]


def _discussion_ids(records: dict[str, Any]) -> set[int]:
    """Every discussion the envelope's records belong to."""
    found = {r["id"] for r in _items(records, "discussions") if isinstance(r["id"], int)}
    for value in records.values():
        if isinstance(value, list):
            for record in value:
                if isinstance(record, dict) and isinstance(record.get("discussion_id"), int):
                    found.add(record["discussion_id"])
    return found
