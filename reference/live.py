"""Live updates (shared/loomio/realtime.md section 2): what the API publishes to Redis.

`/records` gets `{"room": ROOM, "records": ENVELOPE}`, the envelope being the API's own
serialization (root `events` for events, else the model's collection; no `meta`) rendered
for the publish's user (a user room's, or the actor of a close), for nobody when only a
group is given. Loomio publishes events from a Sidekiq job enqueued when the event is
saved, so after the request has answered; here a request collects its publications
(`event_created`, `models_changed`) and hands them to one background worker thread when its
transaction commits (`web.endpoint`), dropped when it rolls back. Without REDIS_URL nothing
is published.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import redis
from psycopg import Connection
from psycopg_pool import ConnectionPool

from reference import db, faults
from reference.db import Row

log = logging.getLogger("reference.live")

RECORDS = "/records"
# Event kinds whose class includes Events::LiveUpdate, as far as the slice creates them.
LIVE_KINDS = frozenset(
    {
        *("new_discussion", "discussion_edited", "discussion_closed", "discussion_reopened"),
        *("discussion_moved", "new_comment", "comment_edited", "reaction_created"),
        *("poll_created", "poll_edited", "poll_closed_by_user", "stance_created"),
        *("outcome_created", "outcome_updated", "invitation_accepted"),
    }
)

F_ACTOR_ROOM = faults.declare(
    "live_actor_room",
    "live",
    "events are published to the actor's user-<id> room instead of the group's room",
)
F_NO_GUESTS = faults.declare(
    "live_no_guest_fanout", "live", "events are not published to the discussion guests' rooms"
)
F_REVOKED_GUESTS = faults.declare(
    "live_revoked_guest_fanout",
    "live",
    "the guest fan-out also reaches guests whose reader row was revoked",
)
F_ROOM_RENAMED = faults.declare(
    "live_room_renamed", "live", "the /records message names its room `channel`, not `room`"
)
F_NO_SIDELOADS = faults.declare(
    "live_no_sideloads", "live", "published envelopes hold the root records only, no side-loads"
)
F_READER_SCOPE = faults.declare(
    "live_reader_scope",
    "live",
    "records are serialized for the actor (their reader fields) instead of for no current user",
)
F_USER_ROOM = faults.declare(
    "live_user_room_kept",
    "live",
    "a publish naming a group and a user goes to the user's room (Rails' group-overrides-user "
    "quirk not copied)",
)
F_KIND_MISSING = faults.declare(
    "live_comment_edited_unpublished", "live", "comment_edited events are not published"
)
F_BEFORE_COMMIT = faults.declare(
    "live_before_commit",
    "live",
    "publications go out inside the request's transaction, before it commits",
)


@dataclass(frozen=True, slots=True)
class Publication:
    """One publish_models call: records of one model, a group and/or user room, the actor."""

    model: str  # "Event", "Discussion", "Stance"
    ids: tuple[int, ...]
    group_id: int | None
    user_id: int | None
    actor_id: int | None


def room_of(group_id: int | None, user_id: int | None) -> str | None:
    """MessageChannelService: user-<id>, overridden by group-<id> when both are given."""
    if F_USER_ROOM.on and user_id is not None:
        return f"user-{user_id}"
    if group_id is not None:
        return f"group-{group_id}"
    return f"user-{user_id}" if user_id is not None else None


# -- collecting per request ------------------------------------------------------------

_request = threading.local()


@contextmanager
def collecting() -> Iterator[list[Publication]]:
    """The request's publications; `web.endpoint` hands them over once it committed."""
    _request.pending = pending = []
    try:
        yield pending
    finally:
        _request.pending = None


def _add(conn: Connection, publications: list[Publication]) -> None:
    if _worker is None:
        return
    if F_BEFORE_COMMIT.on:  # on the request's own connection, inside its transaction
        for publication in publications:
            _worker.publish(conn, publication)
        return
    pending = getattr(_request, "pending", None)
    if pending is not None:
        pending.extend(publications)


def event_created(conn: Connection, event: Row, actor_id: int | None) -> None:
    """Events::LiveUpdate#notify_clients!: to the eventable's group room, then each guest."""
    if event["kind"] not in LIVE_KINDS or (F_KIND_MISSING.on and event["kind"] == "comment_edited"):
        return
    group_id, discussion_id = _context(conn, event["eventable_type"], event["eventable_id"])
    out = []
    if F_ACTOR_ROOM.on:
        out.append(Publication("Event", (event["id"],), None, actor_id, actor_id))
    elif group_id is not None:
        out.append(Publication("Event", (event["id"],), group_id, None, actor_id))
    if discussion_id is not None and not F_NO_GUESTS.on:
        for guest in _guests(conn, discussion_id, group_id):
            out.append(Publication("Event", (event["id"],), None, guest, actor_id))
    _add(conn, out)


def models_changed(
    conn: Connection,
    model: str,
    ids: list[int],
    *,
    group_id: int | None,
    user_id: int | None,
    actor_id: int | None,
) -> None:
    """MessageChannelService.publish_models(models, group_id:, user_id:)."""
    _add(conn, [Publication(model, tuple(ids), group_id, user_id, actor_id)])


def _context(conn: Connection, etype: str, eid: int) -> tuple[int | None, int | None]:
    """(group id, discussion id) of an eventable."""
    queries = {
        "Discussion": "SELECT group_id, id AS discussion_id FROM discussions WHERE id = %s",
        "Comment": "SELECT d.group_id, d.id AS discussion_id FROM comments c "
        "JOIN discussions d ON d.id = c.discussion_id WHERE c.id = %s",
        "Poll": "SELECT group_id, discussion_id FROM polls WHERE id = %s",
        "Stance": "SELECT p.group_id, p.discussion_id FROM stances s "
        "JOIN polls p ON p.id = s.poll_id WHERE s.id = %s",
        "Outcome": "SELECT p.group_id, p.discussion_id FROM outcomes o "
        "JOIN polls p ON p.id = o.poll_id WHERE o.id = %s",
    }
    row = db.one(conn, queries[etype], (eid,)) if etype in queries else None
    return (row["group_id"], row["discussion_id"]) if row else (None, None)


def _guests(conn: Connection, discussion_id: int, group_id: int | None) -> list[int]:
    """Discussion#guests: active users with a non-revoked guest reader row, not members."""
    revoked = "" if F_REVOKED_GUESTS.on else "AND r.revoked_at IS NULL"
    rows = db.all_rows(
        conn,
        f"""SELECT u.id FROM discussion_readers r JOIN users u ON u.id = r.user_id
            WHERE r.discussion_id = %s AND r.guest {revoked} AND u.deactivated_at IS NULL
            AND u.id NOT IN (SELECT user_id FROM memberships
                             WHERE group_id = %s AND revoked_at IS NULL)
            ORDER BY u.id""",
        (discussion_id, group_id),
    )
    return [r["id"] for r in rows]


# -- the worker ------------------------------------------------------------------------


class Worker:
    """PublishEventWorker: one thread serializing and publishing, in enqueue order."""

    def __init__(self, redis_url: str, pool: ConnectionPool) -> None:
        self.client = redis.Redis.from_url(redis_url)
        self.pool = pool
        self.jobs: queue.Queue[list[Publication] | None] = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)
        self.thread.start()

    def enqueue(self, publications: list[Publication]) -> None:
        if publications:
            self.jobs.put(publications)

    def close(self) -> None:
        self.jobs.put(None)
        self.thread.join(timeout=10)
        self.client.close()

    def _run(self) -> None:
        while (job := self.jobs.get()) is not None:
            try:  # a request's publications serialized first, then sent in one round trip
                with self.pool.connection() as conn:
                    messages = [self.message(conn, publication) for publication in job]
                pipe = self.client.pipeline(transaction=False)
                for message in messages:
                    if message is not None:
                        pipe.publish(RECORDS, message)
                pipe.execute()
            except Exception:  # Sidekiq logs a failed job; the API keeps serving
                log.exception("publishing %s failed", job)

    def publish(self, conn: Connection, publication: Publication) -> None:
        message = self.message(conn, publication)
        if message is not None:
            self.client.publish(RECORDS, message)

    def message(self, conn: Connection, publication: Publication) -> str | None:
        """The /records message of one publication (None: its records are gone)."""
        room = room_of(publication.group_id, publication.user_id)
        records = serialize(conn, publication)
        if records is None:
            return None
        message = {"channel" if F_ROOM_RENAMED.on else "room": room, "records": records}
        return json.dumps(message, separators=(",", ":"))


def serialize(conn: Connection, publication: Publication) -> dict[str, Any] | None:
    """The envelope of `publication`'s records as the API renders them, for no current user."""
    from reference.api.common import respond
    from reference.serialize import MODELS
    from reference.web import Ctx

    model = MODELS[publication.model]
    rows = db.all_rows(
        conn,
        f"SELECT * FROM {model.table} WHERE id = ANY(%s) ORDER BY id",
        (list(publication.ids),),
    )
    if not rows:
        return None
    # MessageChannelService: the scope's current_user_id is the user_id argument (nil for a
    # group publish), so a user room gets that user's reader fields, a group room none
    reader = publication.user_id
    if F_READER_SCOPE.on and reader is None:
        reader = publication.actor_id
    user = db.one(conn, "SELECT * FROM users WHERE id = %s", (reader,)) if reader else None
    ctx = Ctx(conn, None, {}, user, {})  # type: ignore[arg-type]  # no request behind a job
    body = respond(ctx, rows, serializer=model.serializer, root=model.collection, meta=False)
    if F_NO_SIDELOADS.on:
        body = {model.collection: body[model.collection]}
    return body


_worker: Worker | None = None


def start(redis_url: str | None, pool: ConnectionPool) -> None:
    """Start publishing to `redis_url` (nothing when None)."""
    global _worker
    _worker = Worker(redis_url, pool) if redis_url else None


def stop() -> None:
    global _worker
    if _worker is not None:
        _worker.close()
    _worker = None


def hand_over(publications: list[Publication]) -> None:
    """The request committed: its publications go to the worker."""
    if _worker is not None:
        _worker.enqueue(list(publications))


def store(key: str, value: str) -> None:
    """SET key value in the Redis live updates go to (nothing without one)."""
    if _worker is not None:
        _worker.client.set(key, value)
