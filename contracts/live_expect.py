"""What a write must publish, from Loomio's facts and the write's own answer.

The capture's wait after a write ends on a positive signal: every record the write must
publish has arrived on its side. Loomio's rules (shared/loomio/realtime.md section 2):

* an event whose kind includes Events::LiveUpdate is published once it is created, to its
  group's room and to each guest's; the write answers with it as the root of an `events`
  envelope. An event is new when its id is above every event id the side answered before
  (ids come from one sequence): a discard answers with the comment's old event, which is
  not published again;
* close, reopen and mark-as-seen publish the discussion, whatever they answer;
* a stance, a membership's delegate flag, notifications, tags, tasks and poll templates
  publish only sometimes (a changed vote on a stance with replies, say): no record to wait
  for, so the capture falls back to its bounded adaptive wait for these;
* nothing else publishes: no wait (what arrives anyway is still compared).

Each side's expectation comes from its own answer and its own raw ids.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# Event kinds whose class includes Events::LiveUpdate (realtime.md section 2).
LIVE_KINDS = frozenset(
    {
        *("new_discussion", "discussion_edited", "discussion_closed", "discussion_reopened"),
        *("discussion_moved", "new_comment", "comment_edited", "reaction_created"),
        *("poll_created", "poll_edited", "poll_closed_by_user", "stance_created"),
        *("outcome_created", "outcome_updated", "invitation_accepted"),
    }
)
# (resource, action) -> the collection a successful call always publishes its target in
PUBLISHES_TARGET = {
    ("discussions", "close"): "discussions",
    ("discussions", "reopen"): "discussions",
    ("discussions", "mark_as_seen"): "discussions",
}
SOMETIMES = frozenset({"stances", "notifications", "tags", "tasks", "poll_templates"})
DELEGATE = frozenset({"make_delegate", "remove_delegate"})  # memberships' delegate flag

Token = tuple[str, Any]  # (collection, raw id): a message must carry this record


@dataclass(frozen=True, slots=True, kw_only=True)
class Expectation:
    """One side's publications due after one write."""

    tokens: frozenset[Token] = frozenset()  # records that must arrive
    sometimes: bool = False  # the facts say it may publish, with nothing to wait for

    def met_by(self, records: Iterable[Any]) -> bool:
        """Whether the envelopes `records` (one per message) carry every token."""
        missing = set(self.tokens)
        for envelope in records:
            if missing and isinstance(envelope, dict):
                missing -= {t for t in missing if _carries(envelope, t)}
        return not missing


def expect(
    method: str,
    path: Sequence[str],
    target: Any,
    status: int,
    body: Any,
    newest_event: int,
) -> Expectation:
    """What a side must publish after answering `status`/`body` to `method` on `path`
    (`("discussions", "{id}", "close")`; `target`: that side's raw id of the path's record)
    when the newest event it answered before had id `newest_event`."""
    if method == "GET" or not 200 <= status < 300:
        return Expectation()
    resource = path[0] if path else ""
    action = path[2] if len(path) > 2 else ""
    tokens = {("events", i) for i in new_live_events(body, newest_event)}
    if (resource, action) in PUBLISHES_TARGET and target is not None:
        tokens.add((PUBLISHES_TARGET[resource, action], target))
    sometimes = resource in SOMETIMES or (
        resource == "memberships" and (action in DELEGATE or method in ("PUT", "PATCH"))
    )
    return Expectation(tokens=frozenset(tokens), sometimes=sometimes)


def new_live_events(body: Any, newest_event: int) -> list[int]:
    """Ids of the root events of an `events` answer that are new and of a LiveUpdate kind."""
    if not isinstance(body, dict):
        return []
    meta = body.get("meta")
    if not isinstance(meta, dict) or meta.get("root") != "events":
        return []
    return [
        e["id"]
        for e in _records(body, "events")
        if isinstance(e["id"], int) and e["id"] > newest_event and e.get("kind") in LIVE_KINDS
    ]


def newest_event(body: Any) -> int:
    """The highest event id an answer holds (0: none)."""
    if not isinstance(body, dict):
        return 0
    ids = [
        r["id"]
        for collection in ("events", "parent_events")
        for r in _records(body, collection)
        if isinstance(r["id"], int)
    ]
    return max(ids, default=0)


def _records(envelope: dict[str, Any], collection: str) -> list[dict[str, Any]]:
    value = envelope.get(collection)
    if not isinstance(value, list):
        return []
    return [r for r in value if isinstance(r, dict) and "id" in r]


def _carries(envelope: dict[str, Any], token: Token) -> bool:
    collection, raw = token
    return any(r["id"] == raw for r in _records(envelope, collection))
