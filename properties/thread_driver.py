"""Drive one backend through a sequence of thread actions and read the thread back.

`ThreadRun(backend, scope)` creates a fresh discussion (with the example's max_depth) in
the example's scope, sends each oracle action as its API request (`apply`), keeps the
ref -> id maps, then reads the thread back through every read form: the events index in
pages, position_keys, timeline and the discussion. Oracle actors: "author" is the scope's
admin (who starts the thread), "voter" the scope's member.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.backends import Backend
from harness.http import ApiRequest, ApiResponse
from harness.isolation import Scope
from properties.oracles.thread_model import numbered
from properties.oracles.threading import (
    ChangeVote,
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    DestroyComment,
    DiscardComment,
    EditComment,
    ThreadAction,
    Vote,
)

CLOSING_AT = "2099-06-01T00:00:00.000Z"
ACTORS = {"author": "admin", "voter": "member"}
PAGE = 4  # small pages, so paging is exercised by every thread of 5+ items


@dataclass(slots=True)
class ThreadRun:
    """One backend's side of one example: ids of everything it created, by oracle ref."""

    backend: Backend
    scope: Scope
    max_depth: int
    discussion_id: int = 0
    root_event_id: int | None = None
    ids: dict[tuple[str, str], int] = field(default_factory=dict)  # (type, ref) -> id
    options: dict[str, list[int]] = field(default_factory=dict)  # poll ref -> option ids
    votes: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # stance ref ->
    # (poll ref, who cast it, index of the option it chose)
    statuses: list[int] = field(default_factory=list)
    unread: list[str] = field(default_factory=list)  # reads that did not answer 200

    def send(self, method: str, path: str, *, actor: str = "author", **kw: Any) -> ApiResponse:
        who = self.scope.actor(ACTORS.get(actor, actor))
        return self.backend.send(ApiRequest(method=method, path=path, actor=who, **kw))

    def start(self) -> None:
        group = self.scope.ids[self.backend.name]["group:group"]
        body = {
            "title": "Threading example",
            "group_id": group,
            "private": True,
            "max_depth": self.max_depth,
        }
        answer = self.send("POST", "/api/v1/discussions", json={"discussion": body})
        if answer.status != 200:
            raise AssertionError(f"{self.backend.name}: discussion create answered {answer.status}")
        discussion = answer.body["discussions"][0]
        self.discussion_id = discussion["id"]
        self.root_event_id = discussion.get("created_event_id")

    def apply(self, action: ThreadAction) -> int:
        """Send `action`; record the ids it created; return the status."""
        answer = self._send_action(action)
        self.statuses.append(answer.status)
        if answer.status == 200 and isinstance(answer.body, dict):
            self._remember(action, answer.body)
        return answer.status

    def _id(self, kind: str, ref: str) -> int:
        return self.ids.get((kind, ref), 0)

    def _send_action(self, action: ThreadAction) -> ApiResponse:
        match action:
            case Comment(ref=ref, reply_to=parent, by=by):
                body: dict[str, Any] = {
                    "discussion_id": self.discussion_id,
                    "body": f"Comment {ref}",
                }
                if parent is not None:
                    ptype = "Stance" if ("Stance", parent) in self.ids else "Comment"
                    body |= {"parent_type": ptype, "parent_id": self._id(ptype, parent)}
                return self.send("POST", "/api/v1/comments", actor=by, json={"comment": body})
            case DiscardComment(ref=ref):
                return self.send("DELETE", f"/api/v1/comments/{self._id('Comment', ref)}/discard")
            case EditComment(ref=ref, by=by):
                edit = {"comment": {"body": f"Comment {ref}, edited"}}
                path = f"/api/v1/comments/{self._id('Comment', ref)}"
                return self.send("PATCH", path, actor=by, json=edit)
            case DestroyComment(ref=ref):
                return self.send("DELETE", f"/api/v1/comments/{self._id('Comment', ref)}")
            case CreatePoll(ref=ref, hide_results=hide, anonymous=anonymous, by=by):
                poll = {
                    "title": f"Poll {ref}",
                    "poll_type": "proposal",
                    "discussion_id": self.discussion_id,
                    "closing_at": CLOSING_AT,
                    "options": ["agree", "abstain", "disagree"],
                    "hide_results": hide,
                    "anonymous": anonymous,
                }
                return self.send("POST", "/api/v1/polls", actor=by, json={"poll": poll})
            case Vote(poll=poll, reason=reason, by=by):
                stance = {"poll_id": self._id("Poll", poll), **self._choice(poll, 0, reason)}
                return self.send("POST", "/api/v1/stances", actor=by, json={"stance": stance})
            case ChangeVote(ref=ref, reason=reason, scores_changed=changed):
                poll, by, option = self.votes.get(ref, ("", "voter", 0))
                change = self._choice(poll, 1 - option if changed else option, reason)
                path = f"/api/v1/stances/{self._id('Stance', ref)}"
                return self.send("PATCH", path, actor=by, json={"stance": change})
            case ClosePoll(poll=poll, by=by):
                return self.send("POST", f"/api/v1/polls/{self._id('Poll', poll)}/close", actor=by)
            case CreateOutcome(poll=poll, by=by):
                outcome = {"poll_id": self._id("Poll", poll), "statement": "We decided."}
                return self.send("POST", "/api/v1/outcomes", actor=by, json={"outcome": outcome})
        raise ValueError(f"the threading suite does not drive {action!r}")

    def _choice(self, poll: str, option: int, reason: bool) -> dict[str, Any]:
        """A stance's reason and its one choice: option number `option` of `poll`."""
        ids = self.options.get(poll) or [0, 0]
        return {
            "reason": "Because." if reason else "",
            "stance_choices_attributes": [{"poll_option_id": ids[option], "score": 1}],
        }

    def _remember(self, action: ThreadAction, body: dict[str, Any]) -> None:
        match action:
            case Comment(ref=ref):
                self.ids[("Comment", ref)] = body["comments"][0]["id"]
            case CreatePoll(ref=ref):
                self.ids[("Poll", ref)] = body["polls"][0]["id"]
                options = sorted(body.get("poll_options", []), key=lambda o: o.get("priority", 0))
                self.options[ref] = [o["id"] for o in options]
            case Vote(ref=ref, poll=poll, by=by):
                poll_id = self._id("Poll", poll)
                stances = [s for s in body.get("stances", []) if s.get("poll_id") == poll_id]
                if stances:
                    self.ids[("Stance", ref)] = stances[0]["id"]
                    self.votes[ref] = (poll, by, 0)
            case ChangeVote(ref=ref, scores_changed=changed):
                poll, by, option = self.votes.get(ref, ("", "voter", 0))
                chosen = (poll, by, 1 - option if changed else option)
                stance = _stance_of(body)
                if stance is not None and stance != self._id("Stance", ref):  # a new revision
                    self.ids[("Stance", action.new_ref)] = stance
                    self.votes[action.new_ref] = chosen
                else:
                    self.votes[ref] = chosen
            case CreateOutcome(ref=ref):
                self.ids[("Outcome", ref)] = body["outcomes"][0]["id"]

    def records(self) -> dict[tuple[str, str], int]:
        """What this run made, by (class name, oracle reference): for data parity's names."""
        made = dict(self.ids)
        made[("Discussion", "discussion")] = self.discussion_id
        if self.root_event_id is not None:
            made[("Event", "root")] = self.root_event_id
        return made

    # -- reading the thread back ----------------------------------------------------------

    def events(self, **params: str) -> ApiResponse:
        query = (("discussion_id", str(self.discussion_id)), *params.items())
        return self.send("GET", "/api/v1/events", params=query)

    def read_all(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
        """(thread events by sequence_id through `from`/`per` paging, parent events, problems)."""
        events: list[dict[str, Any]] = []
        parents: dict[Any, dict[str, Any]] = {}
        problems: list[str] = []
        start = 0
        for _ in range(200):
            page = self.events(**{"from": str(start), "per": str(PAGE), "order": "sequence_id"})
            if page.status != 200:
                problems.append(f"events page from={start} answered {page.status}")
                break
            rows = page.body.get("events", [])
            for p in page.body.get("parent_events", []):
                parents[p["id"]] = p
            events.extend(rows)
            if len(rows) < PAGE:
                break
            start = max(r["sequence_id"] or 0 for r in rows) + 1
        seen = Counter(e["id"] for e in events)
        if any(n > 1 for n in seen.values()):
            problems.append("paging returned an event twice")
        return events, list(parents.values()), problems

    def discussion(self) -> dict[str, Any]:
        """The discussion as its author reads it; a failed read is kept in `unread` (and {})."""
        answer = self.send("GET", f"/api/v1/discussions/{self.discussion_id}")
        rows = answer.body.get("discussions") if isinstance(answer.body, dict) else None
        if answer.status == 200 and isinstance(rows, list) and rows:
            return dict(rows[0])
        self.unread.append(f"the discussion's show answered {answer.status} to its author")
        return {}

    def ref_of(self) -> dict[tuple[str, int], str]:
        return {(kind, i): ref for (kind, ref), i in self.ids.items()}

    def keyed(self, events: list[dict[str, Any]]) -> dict[Any, str]:
        """API event id -> oracle key ("root", "new_comment:C1", "stance_created:S2#2")."""
        refs = self.ref_of()
        seen: Counter[str] = Counter()
        keys: dict[Any, str] = {}
        if self.root_event_id is not None:
            keys[self.root_event_id] = "root"
        for event in sorted(events, key=lambda e: e["id"]):
            if event["id"] in keys:
                continue
            ref = refs.get((event.get("eventable_type"), event.get("eventable_id")), "?")
            base = f"{event.get('kind')}:{ref}"
            seen[base] += 1
            keys[event["id"]] = numbered(base, seen[base])
        return keys


def _stance_of(body: dict[str, Any]) -> int | None:
    """The stance a vote's answer is about: its event's eventable (stances#create/update
    answer the stance_created / stance_updated event)."""
    events = body.get("events") or [{}]
    if events[0].get("eventable_type") == "Stance":
        return events[0].get("eventable_id")
    return None
