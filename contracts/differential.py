"""Lockstep: one logical request -> both backends -> normalized, compared, remembered.

A `Call` names records by canonical reference (`Ref("discussions#2")`), never by raw id:
each backend keeps its own `CanonicalIds` for the whole example, so `discussions#2` is
translated to rails' raw id for rails and go's for go. Both answers are normalized with
those tables (harness.normalize) and compared (harness.compare); differences under a noise
or ignore pattern are set aside, and the rest fail the step. Every step is kept as the
(actor, ApiRequest) each backend was really sent, for harness.repro's scripts.

The two backends are sent each step's request at the same time (one thread per side:
each backend has its own client, and its sessions are per actor). The example's world is
`lockstep_world`, seeded by harness.isolation.open_scope.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.backends import Backend, Backends
from harness.compare import (
    Difference,
    Kind,
    compare_normalized,
    payload_of,
    without_ties,
)
from harness.errors import HarnessError
from harness.http import ApiRequest, ApiResponse
from harness.isolation import Scope
from harness.noise import NoiseField, partition
from harness.normalize import TIMELINE_COLUMNS, CanonicalIds, Normalized, normalize
from harness.repro import Step
from harness.routing import SERVED_BY
from harness.seed import (
    DiscussionSpec,
    GroupSpec,
    GuestSpec,
    MembershipSpec,
    UserSpec,
    World,
)
from harness.vocabulary import Vocabulary

API = "/api/v1"
ACTORS = ("admin", "member", "other_member", "guest", "stranger")
EVENT_COLLECTIONS = frozenset({"events"})  # events order is contract (threading.md)
BARE_ROWS = {f"GET {API}/events/timeline": TIMELINE_COLUMNS}  # operation -> cell names
# One thread per backend: a step's two requests go out together (bench/request_rate.py).
_SENDERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="lockstep")
# Which side goes to the sender thread alternates step by step: the two ways of sending
# (submitted first to a thread, or sent on this one) do not cost the same under the GIL,
# and the paired latency ratio must not inherit that difference as a side's speed.
_TURNS = itertools.count()


@dataclass(frozen=True, slots=True)
class Ref:
    """A canonical reference: `Ref("discussions#2")`, `Ref("discussions.key#1")`."""

    name: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """One logical API call, the same for both backends."""

    method: str
    path: tuple[str | Ref, ...]  # ("discussions", Ref("discussions#2"), "close")
    actor: str | None  # a lockstep actor name, None = visitor
    params: tuple[tuple[str, str | Ref], ...] = ()
    json: Any = None  # Ref leaves become raw ids

    @property
    def operation(self) -> str:
        """`PATCH /api/v1/discussions/{id}/close` (keys show as `{key}`)."""
        parts = [
            p if isinstance(p, str) else ("{key}" if ".key#" in p.name else "{id}")
            for p in self.path
        ]
        return f"{self.method} {API}/{'/'.join(parts)}"

    def describe(self) -> str:
        """`member: POST /api/v1/comments {"comment": {...discussions#2...}}` (canonical)."""
        parts = [p if isinstance(p, str) else f"<{p.name}>" for p in self.path]
        query = "&".join(
            f"{k}={v if isinstance(v, str) else f'<{v.name}>'}" for k, v in self.params
        )
        body = f" {_canonical_json(self.json)}" if self.json is not None else ""
        target = f"{API}/{'/'.join(parts)}" + (f"?{query}" if query else "")
        return f"{self.actor or 'visitor'}: {self.method} {target}{body}"


def _canonical_json(value: Any) -> str:
    if isinstance(value, Ref):
        return f"<{value.name}>"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {_canonical_json(v)}' for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_canonical_json(v) for v in value) + "]"
    return repr(value) if not isinstance(value, str) else f'"{value}"'


def _refs(value: Any) -> Iterator[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _refs(item)


def ref_names(call: Call) -> list[str]:
    """The canonical names `call` sends, in its path, query and body."""
    return [ref.name for ref in _refs((call.path, call.params, call.json))]


def translate(call: Call, ids: CanonicalIds, actors: Mapping[str, str]) -> ApiRequest:
    """The request one backend gets: canonical references replaced by its raw values."""

    def raw(value: Any) -> Any:
        if isinstance(value, Ref):
            return ids.raw(value.name)
        if isinstance(value, dict):
            return {k: raw(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [raw(v) for v in value]
        return value

    path = "/".join(str(raw(p)) for p in call.path)
    return ApiRequest(
        method=call.method,
        path=f"{API}/{path}",
        params=tuple((k, str(raw(v))) for k, v in call.params),
        json=raw(call.json),
        actor=None if call.actor is None else actors[call.actor],
        label=call.operation,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What one step gave: both answers, the rails side normalized, what counts, what not."""

    call: Call
    rails: ApiResponse
    go: ApiResponse
    normalized: Normalized | None  # rails' answer in canonical form (None: not JSON)
    differences: tuple[Difference, ...]
    ignored: tuple[tuple[Difference, NoiseField], ...]


@dataclass
class Side:
    """One backend inside one example: its canonical ids and the requests it was sent."""

    backend: Backend
    ids: CanonicalIds = field(default_factory=CanonicalIds)
    sent: list[Step] = field(default_factory=list)


def normalized(
    response: ApiResponse,
    ids: CanonicalIds,
    operation: str,
    vocabulary: Vocabulary | None = None,
    refs: Sequence[str] = (),
) -> Normalized | None:
    """`response` in canonical form (None: not JSON), as the lockstep compares it; `refs`
    are the names the request sent (a value it echoes keeps the name it was sent as)."""
    payload = payload_of(response)
    if payload.form != "json":
        return None
    columns = BARE_ROWS.get(operation, ())
    return normalize(
        payload.value,
        ids,
        ordered=EVENT_COLLECTIONS,
        columns=columns,
        vocabulary=vocabulary,
        echoes=ids.echoes(refs),
    )


def compare_pair(
    rails: ApiResponse,
    go: ApiResponse,
    rails_ids: CanonicalIds,
    go_ids: CanonicalIds,
    operation: str = "",
    vocabulary: Vocabulary | None = None,
    params: Sequence[tuple[str, str]] = (),
    refs: Sequence[str] = (),
) -> tuple[Normalized | None, list[Difference]]:
    """harness.compare.compare, but both bodies are normalized even when statuses differ
    (a 201 that should be a 200 still created a record both sides must name alike), and
    records the request's sort key cannot tell apart may come in either order."""
    left = normalized(rails, rails_ids, operation, vocabulary, refs)
    right = normalized(go, go_ids, operation, vocabulary, refs)
    if rails.status != go.status:
        detail = f"status {rails.status} on rails, {go.status} on go"
        return left, [
            Difference(
                pointer="", kind=Kind.STATUS, rails=rails.status, go=go.status, detail=detail
            )
        ]
    if left is None or right is None:
        a, b = payload_of(rails), payload_of(go)
        if (a.form, a.value) == (b.form, b.value):
            return left, []
        kind = Kind.ENVELOPE if a.form != b.form else Kind.VALUE
        detail = f"rails sent {a.form}, go sent {b.form}" if a.form != b.form else "bodies differ"
        return left, [Difference(pointer="", kind=kind, rails=a.value, go=b.value, detail=detail)]
    return left, without_ties(compare_normalized(left, right), left, right, params)


def served_by(response: ApiResponse) -> str:
    """Which backend answered behind a mixed stack's router ('' without one)."""
    return next((v for k, v in response.headers if k.lower() == SERVED_BY), "")


@dataclass
class Lockstep:
    """Both backends of one example: send a Call to each, compare, keep the steps."""

    rails: Side
    go: Side
    actors: Mapping[str, str]  # lockstep actor name -> harness actor key
    noise: Callable[[str], Sequence[NoiseField]] = lambda operation: ()  # per operation
    solo: bool = False  # rails only, nothing compared (noise learning replays)
    vocabulary: Vocabulary | None = None  # the run's spec (None: the bundled one)
    calls: list[Call] = field(default_factory=list)
    served: list[str] = field(default_factory=list)  # per call: who answered the go side
    answers: list[ApiResponse] = field(default_factory=list)  # rails' answers, in solo mode

    @classmethod
    def from_backends(
        cls,
        backends: Backends,
        actors: Mapping[str, str],
        noise: Callable[[str], Sequence[NoiseField]] = lambda operation: (),
        solo: bool = False,
        vocabulary: Vocabulary | None = None,
    ) -> Lockstep:
        go = Side(backends.go)
        return cls(
            rails=Side(backends.rails),
            go=go,
            actors=actors,
            noise=noise,
            solo=solo,
            vocabulary=vocabulary,
        )

    def knows(self, call: Call) -> bool:
        """Whether both sides have a raw value for every record the call names (a subset run's
        Go side is seeded with what its API can create: other records it never has)."""
        names = ref_names(call)
        sides = (self.rails,) if self.solo else (self.rails, self.go)  # solo: rails alone
        return all(side.ids.has(name) for side in sides for name in names)

    def register(self, rtype: str, raw: Mapping[str, int], key: str) -> str:
        """Give a seeded record the same canonical name on both sides: `groups#1`. A side
        that lacks it (a recipe that cannot create it) keeps its place in the numbering."""
        names = {
            side.ids.name(rtype, raw[side.backend.name])
            if side.backend.name in raw
            else side.ids.absent(rtype)
            for side in (self.rails, self.go)
        }
        if len(names) != 1:
            raise HarnessError(f"seeded {key} got different canonical names: {sorted(names)}")
        return names.pop()

    def send(self, call: Call) -> Outcome:
        """Send `call` to rails and go at once; compare; differences not under noise count."""
        self.calls.append(call)
        if self.solo:
            self.served.append("")
            return self._send_solo(call)
        translated = {}
        for side in (self.rails, self.go):
            translated[side.backend.name] = request = translate(call, side.ids, self.actors)
            side.sent.append((request.actor, request))
        threaded, here = (self.go, self.rails) if next(_TURNS) % 2 else (self.rails, self.go)
        sending = _SENDERS.submit(threaded.backend.send, translated[threaded.backend.name])
        answers = {here.backend.name: here.backend.send(translated[here.backend.name])}
        answers[threaded.backend.name] = sending.result()
        rails, go = answers[self.rails.backend.name], answers[self.go.backend.name]
        self.served.append(served_by(go))
        operation = call.operation
        found_in, found = compare_pair(
            rails,
            go,
            self.rails.ids,
            self.go.ids,
            operation,
            self.vocabulary,
            translated[self.rails.backend.name].params,
            ref_names(call),
        )
        kept, ignored = partition(found, self.noise(operation))
        return Outcome(
            call=call,
            rails=rails,
            go=go,
            normalized=found_in,
            differences=tuple(kept),
            ignored=tuple(ignored),
        )

    def _send_solo(self, call: Call) -> Outcome:
        request = translate(call, self.rails.ids, self.actors)
        self.rails.sent.append((request.actor, request))
        answer = self.rails.backend.send(request)
        self.answers.append(answer)
        found_in = normalized(
            answer, self.rails.ids, call.operation, self.vocabulary, ref_names(call)
        )
        return Outcome(
            call=call, rails=answer, go=answer, normalized=found_in, differences=(), ignored=()
        )


# -- the example's world ---------------------------------------------------------------


# Accounts that only sign in (contracts.lockstep's sign_in rule): signing out rotates a
# user's secret_token, so the actors' own answers never depend on how often they did.
SIGNERS = (
    UserSpec(name="signer"),
    UserSpec(name="unverified", verified=False),
    UserSpec(name="deactivated", deactivated=True),
)


def lockstep_world(tag: str) -> World:
    """An example's own world: a group allowing public threads with an admin, two members
    and a thread guest (and a former one, revoked); a legacy thread without a root event
    (discussions#show heals it); a subgroup (groups#subgroups order needs two); a smaller
    public group from before subscriptions (groups#index order; a null subscription_id); a
    stranger; accounts that sign in (verified,
    unverified, deactivated)."""
    return World(
        users=(
            *(UserSpec(name=n) for n in ACTORS),
            UserSpec(name="former_guest"),
            *SIGNERS,
        ),
        groups=(
            GroupSpec(name="group", discussion_privacy_options="public_or_private"),
            GroupSpec(name="side", subscribed=False),
            GroupSpec(name="sub", parent="group"),
        ),
        memberships=(
            MembershipSpec(user="admin", group="group", admin=True),
            MembershipSpec(user="member", group="group"),
            MembershipSpec(user="other_member", group="group"),
            MembershipSpec(user="admin", group="side", admin=True),
        ),
        discussions=(
            DiscussionSpec(name="thread", author="admin", group="group"),
            DiscussionSpec(name="open_thread", author="member", group="group", private=False),
            DiscussionSpec(name="legacy_thread", author="admin", group="group", root_event=False),
        ),
        guests=(
            GuestSpec(user="guest", discussion="thread"),
            # no actor: only live updates must not reach them (contracts.live_probe)
            GuestSpec(user="former_guest", discussion="thread", revoked=True),
        ),
        tag=f"-{tag}",
    )


def emails_of(scope: Scope) -> dict[str, str]:
    """Actor key -> email of a scope's actors, as harness.repro wants them."""
    if scope.plan is None:
        raise HarnessError("a lockstep scope always has its own seed plan (harness.isolation)")
    return {key: scope.plan.actors[name].email for name, key in scope.actors.items()}


SEEDED_TYPES = (  # seed row prefix -> record type, in the order names are given out
    ("user", "users"),
    ("group", "groups"),
    ("membership", "memberships"),
    ("discussion", "discussions"),
    ("reader", "discussion_readers"),
    ("event", "events"),
)


def register_seeded(lockstep: Lockstep, scope: Scope) -> dict[str, str]:
    """Canonical names of the seeded records, the same on both sides: {"group:group": "groups#1"}."""
    names: dict[str, str] = {}
    rails_ids = scope.ids["rails"]
    for prefix, rtype in SEEDED_TYPES:
        for key in rails_ids:
            if key.split(":", 1)[0] == prefix:
                # a side without the key (a recipe that cannot create it) has no raw value:
                # calls naming the record are not sent (Lockstep.knows)
                raw = {
                    name: scope.ids[name][key] for name in ("rails", "go") if key in scope.ids[name]
                }
                names[key] = lockstep.register(rtype, raw, key)
    return names
