"""Drive one backend through a tally example and keep the model the tally oracle reads.

`TallyRun(backend, scope, spec)` creates the example's poll in the scope's thread (the
scope's admin, member and guest are its voters), sends each step as the voter, checks its
status against the stance-validation oracle, and keeps each voter's latest stance as an
oracle `Stance`. `expected()` is then the oracle's poll fields; `poll()` what the backend shows.

The oracle's poll is what the suite sent (`sent_poll`): type, anonymity, hidden results,
agree target, dots, and the type defaults Loomio applies (polls.md 1). Only the options'
identities (ids, stored names, icons) come from the create answer, after checking it made
the options sent, in the order sent. A read that does not answer 200 is a problem, not an
empty poll.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from harness.backends import Backend
from harness.http import ApiRequest, ApiResponse
from harness.isolation import Scope
from properties.findings import Problem
from properties.oracles.poll_inputs import Option
from properties.oracles.tallies import Poll, Stance, Submission, poll_fields, tally, validate_stance
from properties.strategies import (
    POLL_OPTIONS,
    VOTERS,
    Cast,
    Close,
    PollSpec,
    Reopen,
    TallyStep,
    Uncast,
)

CLOSING_AT = "2099-06-01T00:00:00.000Z"
# The one option-name format a type default sets (polls.md 1, config/poll_types.yml): the
# others leave poll_option_name_format null.
NAME_FORMATS = {"meeting": "iso8601"}


def sent_poll(spec: PollSpec, poll_id: int, options: list[dict[str, Any]]) -> Poll:
    """The oracle's poll: the settings the suite sent, the stored options' identities."""
    return Poll(
        poll_type=spec.poll_type,
        options=tuple(Option.from_api(o) for o in options),
        id=poll_id,
        agree_target=spec.agree_target,
        anonymous=spec.anonymous,
        hide_results=spec.hide_results,
        dots_per_person=spec.dots_per_person if spec.poll_type == "dot_vote" else None,
        poll_option_name_format=NAME_FORMATS.get(spec.poll_type),
        show_none_of_the_above=spec.none_of_the_above,
    )


def sent_order(spec: PollSpec) -> list[str]:
    """The option names in the order their priorities must follow (meeting: sorted)."""
    names = list(POLL_OPTIONS[spec.poll_type])
    return sorted(names) if spec.poll_type == "meeting" else names


@dataclass(slots=True)
class TallyRun:
    backend: Backend
    scope: Scope
    spec: PollSpec
    poll_id: int = 0
    option_ids: list[int] = field(default_factory=list)
    stance_ids: dict[str, int] = field(default_factory=dict)
    stances: dict[str, Stance] = field(default_factory=dict)
    closed: bool = False
    problems: list[Problem] = field(default_factory=list)
    oracle_poll: Poll | None = None

    def records(self) -> dict[tuple[str, str], int]:
        """What this run made, by (class name, reference): for data parity's names."""
        made = {("Poll", "poll"): self.poll_id}
        made |= {("PollOption", f"{i:03}"): raw for i, raw in enumerate(self.option_ids)}
        return made | {("Stance", voter): raw for voter, raw in self.stance_ids.items()}

    def send(self, method: str, path: str, actor: str = "admin", **kw: Any) -> ApiResponse:
        request = ApiRequest(method=method, path=path, actor=self.scope.actor(actor), **kw)
        return self.backend.send(request)

    def participant(self, voter: str) -> int:
        return self.scope.ids[self.backend.name][f"user:{voter}"]

    def start(self) -> None:
        ids = self.scope.ids[self.backend.name]
        spec = self.spec
        poll: dict[str, Any] = {
            "title": f"A {spec.poll_type} poll",
            "poll_type": spec.poll_type,
            "discussion_id": ids["discussion:thread"],
            "closing_at": CLOSING_AT,
            "anonymous": spec.anonymous,
            "hide_results": spec.hide_results,
        }
        if POLL_OPTIONS[spec.poll_type]:
            poll["options"] = list(POLL_OPTIONS[spec.poll_type])
        if spec.poll_type == "dot_vote":
            poll["dots_per_person"] = spec.dots_per_person
        if spec.agree_target is not None:
            poll["agree_target"] = spec.agree_target
        if spec.none_of_the_above:
            poll["show_none_of_the_above"] = True
        answer = self.send("POST", "/api/v1/polls", json={"poll": poll})
        if answer.status != 200:
            raise AssertionError(
                f"{self.backend.name}: poll create answered {answer.status}: {answer.text[:300]}"
            )
        record = answer.body["polls"][0]
        self.poll_id = record["id"]
        options = [
            o for o in answer.body.get("poll_options", []) if o.get("poll_id") == self.poll_id
        ]
        options.sort(key=lambda o: o["priority"])
        self.option_ids = [o["id"] for o in options]
        self._check_options(options)
        self.oracle_poll = sent_poll(spec, self.poll_id, options)
        # Every member and discussion guest is invited: an undecided stance each (polls.md 4).
        self.stances = {v: Stance.undecided(self.participant(v)) for v in VOTERS}

    def _check_options(self, options: list[dict[str, Any]]) -> None:
        """The create made as many options as were sent, with priorities 0..n-1 (the stored
        names are Loomio's translations of known option keys: compared by the backends)."""
        want = sent_order(self.spec)
        raw = [str(o.get("name")) for o in options]
        priorities = [o.get("priority") for o in options]
        if len(raw) != len(want) or priorities != list(range(len(want))):
            self.problems.append(
                Problem(
                    backend=self.backend.name,
                    operation="POST /api/v1/polls",
                    title=f"a {self.spec.poll_type} poll does not store the options sent",
                    detail=f"sent {want}; stored {raw} with priorities {priorities}",
                    expected=want,
                    actual=raw,
                )
            )

    def _choice_ids(self, step: Cast) -> list[tuple[int, int]]:
        n = len(self.option_ids)
        return [(self.option_ids[i] if i < n else 0, score) for i, score in step.choices]

    def apply(self, index: int, step: TallyStep) -> None:
        assert self.oracle_poll is not None
        match step:
            case Cast(voter=voter, none_of_the_above=nota):
                choices = self._choice_ids(step)
                submission = Submission(choices=choices, none_of_the_above=nota)
                expected = validate_stance(self.oracle_poll, submission)
                was_cast = self.stances[voter].cast
                if was_cast and not expected.valid:
                    return  # see strategies.tally_examples: not modelled, not sent
                body = {
                    "poll_id": self.poll_id,
                    "reason": "",
                    # sent false too: an update that leaves it out keeps the stance's value
                    "none_of_the_above": nota,
                    "stance_choices_attributes": [
                        {"poll_option_id": o, "score": s} for o, s in choices
                    ],
                }
                if voter in self.stance_ids:
                    answer = self.send(
                        "PATCH",
                        f"/api/v1/stances/{self.stance_ids[voter]}",
                        voter,
                        json={"stance": body},
                    )
                else:
                    answer = self.send("POST", "/api/v1/stances", voter, json={"stance": body})
                want = 403 if self.closed else expected.status
                self._status(index, step, "POST /api/v1/stances", want, answer.status)
                if answer.status == 200:
                    self._remember(voter, answer.body)
                    # every submitted choice counts, duplicates too (polls.md 3.1: voter_count =
                    # "number of such choices"); a dict would fold them into one
                    self.stances[voter] = Stance(
                        participant=self.participant(voter),
                        choices=tuple(choices),
                        none_of_the_above=nota,
                    )
            case Uncast(voter=voter):
                if voter not in self.stance_ids:
                    return  # the voter's stance id is unknown before a first vote
                answer = self.send(
                    "PATCH", f"/api/v1/stances/{self.stance_ids[voter]}/uncast", voter
                )
                want = 200 if self.stances[voter].cast and not self.closed else 403
                if self.closed and self.spec.anonymous:
                    # closing erased the stance's participant: not among the voter's (polls.md
                    # 3.4), so not found
                    want = 404
                self._status(index, step, "PATCH /api/v1/stances/{id}/uncast", want, answer.status)
                if answer.status == 200:
                    self._remember(voter, answer.body, uncast=True)
                    self.stances[voter] = Stance.undecided(self.participant(voter))
            case Close():
                answer = self.send("POST", f"/api/v1/polls/{self.poll_id}/close")
                want = 403 if self.closed else 200  # close needs an active poll (polls.md 4)
                self._status(index, step, "POST /api/v1/polls/{id}/close", want, answer.status)
                if answer.status == 200 and self.spec.anonymous:
                    # closing scrubs an anonymous poll's participants (polls.md 4)
                    self.stances = {
                        v: replace(s, participant=None) for v, s in self.stances.items()
                    }
                self.closed = self.closed or answer.status == 200
                self.oracle_poll = replace(self.oracle_poll, closed=self.closed)
            case Reopen():
                poll = {"poll": {"closing_at": CLOSING_AT}}
                answer = self.send("POST", f"/api/v1/polls/{self.poll_id}/reopen", json=poll)
                # closed and not anonymous, by its author (polls.md 3.4 and 4)
                want = 200 if self.closed and not self.spec.anonymous else 403
                self._status(index, step, "POST /api/v1/polls/{id}/reopen", want, answer.status)
                self.closed = self.closed and answer.status != 200
                self.oracle_poll = replace(self.oracle_poll, closed=self.closed)

    def _status(self, index: int, step: TallyStep, op: str, want: int, got: int) -> None:
        if want != got:
            self.problems.append(
                Problem(
                    backend=self.backend.name,
                    operation=op,
                    title=f"{type(step).__name__} on a {self.spec.poll_type} poll answered {got}, expected {want}",
                    detail=f"step {index + 1}: {step!r}",
                    expected=want,
                    actual=got,
                )
            )

    def _remember(self, voter: str, body: Any, *, uncast: bool = False) -> None:
        rows = [s for s in (body or {}).get("stances", []) if s.get("poll_id") == self.poll_id]
        rows = [s for s in rows if s.get("latest", True)]
        if uncast:
            rows = [s for s in rows if s.get("cast_at") is None] or rows
        if rows:
            self.stance_ids[voter] = max(rows, key=lambda s: s["id"])["id"]

    def expected(self) -> dict[str, Any]:
        assert self.oracle_poll is not None
        return poll_fields(self.oracle_poll, tally(self.oracle_poll, self.stances.values()))

    def poll(self) -> dict[str, Any]:
        """The poll as the backend shows it; a read that fails is a problem (and {})."""
        answer = self.send("GET", f"/api/v1/polls/{self.poll_id}")
        rows = answer.body.get("polls") if isinstance(answer.body, dict) else None
        if answer.status == 200 and isinstance(rows, list) and rows:
            return dict(rows[0])
        self._unread("GET /api/v1/polls/{id}", "admin", answer)
        return {}

    def stance_records(self, actor: str) -> list[dict[str, Any]]:
        """The poll's stances as `actor` reads them; a read that fails is a problem (and [])."""
        answer = self.send(
            "GET", "/api/v1/stances", actor, params=(("poll_id", str(self.poll_id)),)
        )
        rows = answer.body.get("stances") if isinstance(answer.body, dict) else None
        if answer.status == 200 and isinstance(rows, list):
            return list(rows)
        self._unread("GET /api/v1/stances", actor, answer)
        return []

    def _unread(self, op: str, actor: str, answer: ApiResponse) -> None:
        self.problems.append(
            Problem(
                backend=self.backend.name,
                operation=op,
                title=f"{op} of a {self.spec.poll_type} poll answered {answer.status} to its {actor}",
                detail=f"the {actor} may read the poll (polls.md 4); body: {answer.text[:200]}",
                expected=200,
                actual=answer.status,
            )
        )
