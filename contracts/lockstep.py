"""The lockstep state machine: API actions by several actors, each run on both backends.

Bundles hold canonical references (`discussions#3`), never raw ids; `Lockstep.send`
translates them per backend. A step whose answers differ (beyond declared and learned
noise) raises `DifferentialFailure`, so Hypothesis shrinks the action sequence; the
`LockstepRun` keeps the last failing example, which after shrinking is the minimal one.
Request bodies follow shared/loomio/polls.md, threading.md and api-envelope.md.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    multiple,
    precondition,
    rule,
)

from contracts import votes
from contracts.data_parity import after_example
from contracts.differential import (
    ACTORS,
    Call,
    Lockstep,
    Outcome,
    Ref,
    lockstep_world,
    register_seeded,
)
from contracts.live_findings import describe_live, run_live
from contracts.live_session import LiveSession
from contracts.votes import CLOSING_AT
from harness.actors import TYPINGS, as_typed
from harness.backends import Backends
from harness.data_check import DataParity
from harness.errors import HarnessError
from harness.http import ApiResponse
from harness.isolation import Scope, open_scope
from harness.noise import NoiseField
from harness.spec import template_key
from harness.vocabulary import Vocabulary

VISITOR = None
EVERYONE = (*ACTORS, VISITOR)
WRITERS = ("admin", "member", "other_member", "guest")  # who plausibly writes; others get 403s
# comments an example may start with: none; more than any `from` or `per` drawn below; one
# more than events#index's default page (threading.md: per 30)
PAGE = 30
OPENINGS = (0, 2, 6, PAGE + 1)

AUTHOR = "author"  # stands for the comment's own author: most edits by others are 403s
actors = st.sampled_from(EVERYONE)
writers = st.sampled_from(WRITERS)
editors = st.sampled_from((AUTHOR, *WRITERS))
titles = st.sampled_from(["Budget 2025", "Lunch?", "", "Ünïcode — thread"])
bodies = st.sampled_from(["Hello", "I agree with this.", "", "**markdown** body"])
comment_fields = st.fixed_dictionaries(
    {"body": bodies}, optional={"content_locale": st.sampled_from(["en", "fr", "pt-BR"])}
)
max_depths = st.sampled_from([None, 1, 2, 3])
# a record's tags as the web client sends them (None: not sent; [] clears them)
tag_lists = st.sampled_from([None, [], ["budget"], ["budget", "2025"]])
# Rails routes `resources` updates as PATCH and PUT alike; the spec has an operation for each
edit_methods = st.sampled_from(["PATCH", "PUT"])
group_privacies = st.sampled_from([None, "open", "closed", "secret"])
pers = st.sampled_from(["1", "2", "3", "5", "30"])
froms = st.sampled_from(["0", "1", "2", "3", "5"])
# exclude_types tokens that switch a serializer association off (api-envelope.md 3.2)
EXCLUDE_TOKENS = (
    "user",
    "author",
    "inviter",
    "group",
    "parent",
    "discussion",
    "poll",
    "poll_option",
    "outcome",
    "event",
    "membership",
    "tag",
    "group discussion",
)
# the collections of an answer each token can drop (api-envelope.md 3.2)
TOKEN_DROPS = {
    "user": ("users",),
    "author": ("users",),
    "inviter": ("users",),
    "group": ("groups",),
    "parent": ("parent_groups", "parent_events"),
    "discussion": ("discussions",),
    "poll": ("polls",),
    "poll_option": ("poll_options",),
    "outcome": ("outcomes",),
    "event": ("events",),
    "membership": ("memberships",),
    "tag": ("tags",),
    "group discussion": ("groups", "discussions"),
}


def exclude_token(turn: int, answer_keys: Collection[str]) -> str:
    """The `exclude_types` token of the `turn`-th read made again: on even turns one that
    can drop a collection of the plain answer (its keys), in turn among those, so the
    token's effect is seen; on odd turns (or when none can) every token in turn, an inert
    one too (a backend may drop what it must not)."""
    fitting = [t for t in EXCLUDE_TOKENS if set(TOKEN_DROPS[t]) & set(answer_keys)]
    pool = fitting if turn % 2 == 0 and fitting else list(EXCLUDE_TOKENS)
    return pool[(turn // 2) % len(pool)]


# Writes carry a token too: `user` drops users sideloads only, never a record a later step
# names (events, discussions, polls and options stay), sent with every WRITE_TOKEN_EVERY-th
# write of an example from the second on
WRITE_TOKEN = "user"
WRITE_TOKEN_EVERY = 3
orders = st.sampled_from(["sequence_id", "position", "position_key"])
order_bys = st.sampled_from(["sequence_id", "position_key"])
order_descs = st.sampled_from(["true", "false", ""])
events_params = st.fixed_dictionaries(
    {},
    optional={
        "per": pers,
        "from": froms,
        "order": orders,
        "order_by": order_bys,
        "order_desc": order_descs,
    },
)
# events#index has two modes (threading.md 5.1): a `from` bound in an `order` column, or a
# sort (`order_by`, maybe `order_desc`) that ignores the bound. A rule per mode besides the
# mixed draw above, so each mode's edges (defaults, bounds, directions) come up often.
page_params = st.fixed_dictionaries({"order": orders}, optional={"per": pers, "from": froms})
sort_params = st.fixed_dictionaries(
    {"order_by": order_bys}, optional={"order_desc": order_descs, "per": pers}
)


# The web client's own events requests (threading.md 5.1, "Requests the web client sends"),
# each with `exclude_types=group discussion`: `n` is the page size, `at` a sequence id or a
# top-level position. "comment" (a comment's URL) is sent only where the thread has one.
CLIENT_PAGES = ("first", "newest", "jump", "around", "after", "comment", "position", "contents")


def client_query(page: str, n: int, at: int) -> dict[str, str]:
    """The query the web client sends for `page` (without the discussion and comment ids)."""
    key = f"{max(at, 1):05d}"
    queries = {
        "first": {"order_by": "sequence_id", "per": str(n)},
        "newest": {"order_by": "sequence_id", "order_desc": "true", "per": str(n)},
        "jump": {
            "sequence_id_gte": str(max(at - n // 2, 0)),
            "order": "sequence_id",
            "per": str(n),
        },
        "around": {"position_key_gte": key, "order_by": "position_key", "per": str(max(n // 2, 1))},
        "after": {"position_key_gt": key, "order_by": "position_key", "per": str(n)},
        "comment": {"order": "sequence_id"},
        "position": {"from_sequence_id_of_position": str(at), "order": "position_key"},
        "contents": {"pinned": "true", "per": "200"},
    }
    return {**queries[page], "exclude_types": "group discussion"}


def emails_and_passwords(scope: Scope) -> dict[str, tuple[str, str]]:
    """(email, password) of a lockstep scope's users by local name."""
    if scope.plan is None:
        raise HarnessError("a lockstep scope always has its own seed plan (harness.isolation)")
    return {name: (a.email, a.password) for name, a in scope.plan.actors.items()}


class DifferentialFailure(AssertionError):
    """The two backends answered one step differently."""


@dataclass
class LockstepRun:
    """What every example of one test shares: backends, noise, and the last failure."""

    backends: Backends
    noise: Callable[[str], Sequence[NoiseField]] = lambda operation: ()  # per operation
    solo: bool = False  # see Lockstep.solo
    # the spec's operations (harness.spec.operation_templates); a call outside them is not
    # sent (a partial port's spec): None sends every call
    operations: frozenset[str] | None = None
    outside: str = "not in the spec"  # why a call outside `operations` is not sent
    # (operation, why) -> calls not sent: outside the spec, not ported (a subset run), or
    # naming a record one side does not have
    unsent: dict[tuple[str, str], int] = field(default_factory=dict)
    vocabulary: Vocabulary | None = None  # what the run's spec says of records (normalize)
    failure: tuple[Lockstep, Scope, Outcome] | None = None
    examples: int = 0
    requests: int = 0
    excluding: int = 0  # examples whose closing reads read one again: the next read and token
    compared: set[str] = field(default_factory=set)  # operations sent to both sides
    ignored: dict[str, NoiseField] = field(default_factory=dict)  # key -> field, `excluded` n
    started: float = field(default_factory=time.monotonic)
    detected_after: float | None = None  # seconds from the start to the first difference
    data: DataParity | None = None  # both databases compared after each example
    live: LiveSession | None = None  # publication capture (contracts.live_capture)


def _created(outcome: Outcome, root: str = "events", field: str = "eventable_id") -> str | None:
    """The canonical id of the record a create made, from rails' answer: the root event's
    eventable, or (`root="groups", field="id"`) the first record of a plain root."""
    body = outcome.normalized.body if outcome.normalized else None
    if outcome.rails.status != 200 or not isinstance(body, dict):
        return None
    records = body.get(root)
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return None
    name = records[0].get(field)
    return name.strip('"') if isinstance(name, str) else None


class LockstepMachine(RuleBasedStateMachine):
    """API actions on both backends; every answer compared."""

    discussions = Bundle("discussions")
    comments = Bundle("comments")
    polls = Bundle("polls")
    stances = Bundle("stances")
    outcomes = Bundle("outcomes")
    groups = Bundle("groups")

    def __init__(self, run: LockstepRun) -> None:
        super().__init__()
        self.run = run
        self.exits = contextlib.ExitStack()
        self.marks = run.data.begin() if run.data and run.data.active else None
        self.data_rows: Any = None  # the rails side's rows, in solo mode (noise learning)
        self.scope = self.exits.enter_context(open_scope(run.backends, world=lockstep_world))
        self.actor_keys = dict(self.scope.actors)  # + the browsers of sign_in
        self.lockstep = Lockstep.from_backends(
            run.backends, self.actor_keys, run.noise, run.solo, run.vocabulary
        )
        self.seeded = register_seeded(self.lockstep, self.scope)
        self.live = run.live.example() if run.live else None
        if self.live is not None:
            self.exits.callback(self.live.close)
        self.thread_of: dict[str, str] = {}  # comment -> discussion
        self.author_of: dict[str, str] = {}  # comment -> its author's actor key
        self.poll_type: dict[str, str] = {}
        self.options: dict[str, list[str]] = {}  # poll -> option canonical ids by priority
        self.keys: dict[str, str] = {}  # discussion/poll -> its key's canonical name
        self.opened: dict[str, None] = {}  # discussions and polls of this example, in order
        self.groups_made: dict[str, None] = {}  # subgroups this example created
        self.interrupted = False  # a step stopped mid-send: its difference stands alone
        self.last_read: Call | None = None  # the last read answered 200 (read_excluding)
        self.last_read_keys: tuple[str, ...] = ()  # rails' top-level keys of that answer
        self.writes = 0  # writes this example sent (with_write_token)
        run.examples += 1

    def teardown(self) -> None:
        try:
            if not self.interrupted:
                self.closing_reads()
                if self.run.data and self.marks is not None:
                    self.data_rows = after_example(self.run.data, self.marks, self.lockstep)
                self.check_live()
        finally:
            self.exits.close()

    def closing_reads(self) -> None:
        """Every example ends by reading what it touched, as a client opening each page
        would: each thread and its first events page (the first thread's newest and its
        timeline too), each poll (as the group admin, who sees them all), each subgroup it
        made, the group's thread list as a member and as a visitor, its subgroups as the
        admin, its members and the group search as a member. A difference in the final state
        then shows whichever rules the example drew. Then one read (of those, or a thread's
        readers, a poll's votes, the last comment's event, the profile) is made again with an
        `exclude_types` token, reads taken in turn across the run's examples, tokens as
        `exclude_token` picks them: the same data read both ways, at the cost of one or two
        reads per example (no rule draws them: the rules' share of the steps stays as it
        was)."""
        # (read, always): the others are made only as the one read again. An example that
        # sent an odd number of writes names its threads by `discussion_key` and its polls by
        # `poll_key`, and reads every thread's readers and last comment's event, every poll's
        # votes, and the thread list with `filter=all` too (two threads read so differ in
        # `discussion_key` alone, the lists in `filter`:
        # parameter coverage sees what changes an answer; the same on every replay)
        named = self.writes % 2 == 1
        # each thread's events are read from the first (`from=1`, the rows of no bound): a
        # `from` misread (an offset, a wrong column) shows on every thread with an event
        page = {"from": "1"}
        reads: list[tuple[Callable[[], object], bool]] = []
        for name in self.opened:
            if name in self.poll_type:
                reads.append((partial(self.show_poll, "admin", name, by_key=False), True))
                reads.append((partial(self.stances_index, "admin", name, named), named))
            else:
                reads.append((partial(self.show_discussion, "admin", name, by_key=False), True))
                reads.append((partial(self._events, "admin", name, page, False, named), True))
                reads.append((partial(self.discussion_readers_index, "admin", name, named), named))
        # and the first thread's in position_key order with no bound, which Loomio answers
        # 500 (threading.md 5.1: varchar compared with integer 0): the same on both sides;
        # and its newest events first, as the client opens a thread at its end
        first = next((n for n in self.opened if n not in self.poll_type), None)
        if first is not None:
            unbound = partial(self._events, "admin", first, {"order": "position_key"}, False)
            newest = {"order_by": "sequence_id", "order_desc": "true"}
            reads.append((unbound, True))
            reads.append((partial(self._events, "admin", first, newest, False), True))
            reads.append((partial(self.thread_outline, "admin", first, "timeline"), True))
        final = list(self.thread_of)[-1] if self.thread_of else None
        for comment in {d: c for c, d in self.thread_of.items()}.values():  # each thread's last
            if named or comment == final:
                reads.append((partial(self.comment_event, "admin", comment, False, named), named))
        reads += [(partial(self.show_group, "admin", group), True) for group in self.groups_made]
        reads += [
            (partial(self.discussions_index, "member", None), True),
            (partial(self.discussions_index, "member", "all"), named),  # closed threads too
            (partial(self.discussions_index, VISITOR, None), True),
            (partial(self.subgroups, "admin", self.seeded["group:group"]), True),
            (partial(self.memberships_index, "member"), True),
            (partial(self.groups_index, "member", "memberships_count"), True),
            (partial(self.show_profile, "member"), False),
        ]
        again = self.run.excluding % len(reads)
        for i, (read, always) in enumerate(reads):
            if always or i == again:
                self.last_read = None
                read()
            if i == again:
                self.read_excluding(exclude_token(self.run.excluding, self.last_read_keys))
        self.run.excluding += 1

    # -- sending -------------------------------------------------------------------------

    def check_live(self, before: Call | None = None) -> None:
        """The held step's publications (contracts.live_findings), when due before `before`
        (None: the example ends)."""
        if self.live is not None and self.live.due(before) and run_live(self):
            raise DifferentialFailure(describe_live(self.run.live.failure))  # type: ignore[union-attr]

    def send(self, call: Call) -> Outcome:
        call = self.with_write_token(call)
        if not self.in_spec(call):
            return self.unsent(call, self.run.outside)
        if not self.lockstep.knows(call):
            return self.unsent(call, "refers to a record one side does not have")
        self.interrupted = True
        self.check_live(call)
        outcome = self.lockstep.send(call)
        self.run.requests += 2
        self.run.compared.add(call.operation)
        for _, noise in outcome.ignored:
            counted = self.run.ignored.get(noise.key, noise)
            self.run.ignored[noise.key] = replace(counted, excluded=counted.excluded + 1)
        if outcome.differences:
            self.run.failure = (self.lockstep, self.scope, outcome)
            if self.run.live is not None:
                self.run.live.failure = None  # the last failing example is the shrunk one
            if self.run.detected_after is None:
                self.run.detected_after = time.monotonic() - self.run.started
            raise DifferentialFailure(describe_failure(outcome))
        if self.live is not None:  # checked before the next write: settling overlaps our work
            self.live.hold(outcome, {"rails": self.lockstep.rails.ids, "go": self.lockstep.go.ids})
        self._remember(outcome)
        self.interrupted = False
        return outcome

    def with_write_token(self, call: Call) -> Call:
        """The call, or for the 2nd, 5th, 8th... write of the example the call with
        `exclude_types=user` (api-envelope.md 3.2: any request can send it, writes too): the
        parameter's effect on writes compared across sides and seen by parameter coverage,
        at no draw of its own, the same on every replay of the example (shrinking)."""
        if call.method == "GET" or any(name == "exclude_types" for name, _ in call.params):
            return call
        self.writes += 1
        if self.writes % WRITE_TOKEN_EVERY != 2:
            return call
        return replace(call, params=(*call.params, ("exclude_types", WRITE_TOKEN)))

    def in_spec(self, call: Call) -> bool:
        """Whether the spec the run tests has the call's operation."""
        known = self.run.operations
        path = call.operation.split(" ", 1)[1]
        return known is None or template_key(call.method, path) in known

    def unsent(self, call: Call, why: str) -> Outcome:
        """A call outside the spec (or the ported operations of a subset run), or naming a
        record a side was never given: counted, not sent; it answers nothing (status 0)."""
        key = (call.operation, why)
        self.run.unsent[key] = self.run.unsent.get(key, 0) + 1
        nothing = ApiResponse(status=0)
        return Outcome(
            call=call, rails=nothing, go=nothing, normalized=None, differences=(), ignored=()
        )

    def _remember(self, outcome: Outcome) -> None:
        if outcome.call.method == "GET" and outcome.rails.status == 200:
            self.last_read = outcome.call
            body = outcome.rails.body
            self.last_read_keys = tuple(body) if isinstance(body, dict) else ()
        keyed = outcome.normalized.keyed if outcome.normalized else None
        if not isinstance(keyed, dict):
            return
        for collection in ("discussions", "polls"):
            records = keyed.get(collection)
            if isinstance(records, dict):
                for name, record in records.items():
                    if isinstance(record, dict) and isinstance(record.get("key"), str):
                        self.keys[name.strip('"')] = record["key"]
        options = keyed.get("poll_options")
        if isinstance(options, dict):
            by_poll: dict[str, list[tuple[Any, str]]] = {}
            for name, record in options.items():
                if isinstance(record, dict) and isinstance(record.get("poll_id"), str):
                    key = (record.get("priority") or 0, name)
                    by_poll.setdefault(record["poll_id"].strip('"'), []).append(key)
            for poll, items in by_poll.items():
                self.options[poll] = [name.strip('"') for _, name in sorted(items)]

    def target(self, name: str, by_key: bool) -> Ref:
        """A discussion or poll by id, or by key when its key is known."""
        return Ref(self.keys[name]) if by_key and name in self.keys else Ref(name)

    @initialize(target=groups)
    def seeded_groups(self) -> Any:
        return multiple(*(self.seeded[f"group:{name}"] for name in ("group", "side", "sub")))

    @initialize(target=discussions)
    def seeded_threads(self) -> Any:
        names = ("discussion:thread", "discussion:open_thread", "discussion:legacy_thread")
        threads = [self.seeded[name] for name in names]
        self.opened |= dict.fromkeys(threads)
        return multiple(*threads)

    # Every example starts mid-conversation: a thread long enough for the events bounds drawn
    # below (`from` up to 5, `per` from 1), sometimes longer than one default page, and a
    # poll to vote in. Without them most examples spent their steps building that state, and
    # one fixed seed could run 200 examples with barely a vote or a `from` inside the thread.
    # Both shrink to nothing (contracts/DETECTION.md).
    @initialize(target=comments, size=st.sampled_from(OPENINGS))
    def opening_comments(self, size: int) -> Any:
        thread = self.seeded["discussion:thread"]
        said = [
            self._comment(WRITERS[n % 2], thread, {"body": f"Opening {n}"}, None)
            for n in range(size)
        ]
        made = [name for name in said if isinstance(name, str)]
        if made:
            reply = self._comment("guest", thread, {"body": "A reply"}, made[0])
            made += [reply] if isinstance(reply, str) else []
        if len(made) > 2:
            # and each other state a comment takes, whatever the rules drawn: one discarded by
            # its author (the closing reads show its body and events), one edited by its
            # author, and a reply to it destroyed by its author, an admin, as its parent's only
            # child (a destroy that leaves no sibling: Rails answers null)
            self.remove_comment(AUTHOR, made[1], destroy=False)
            self.change_comment(AUTHOR, made[2], "Opening 2, edited")
            brief = self._comment("admin", thread, {"body": "A brief reply"}, made[2])
            if isinstance(brief, str):
                self.remove_comment(AUTHOR, brief, destroy=True)
        if size > PAGE:  # longer than a default page: read as a client opens the thread,
            # before any rule can close it to the reader
            self._events("admin", thread, {"from": "1"}, False)
        return multiple(*made)

    @initialize(data=st.data())
    def opening_close(self, data: st.DataObject) -> None:
        """Half the examples start with the thread closed and reopened by its admin: both
        transitions made and published (to the group's room) in every short run, not only
        when a rule draws them with an actor allowed to."""
        if data.draw(st.booleans(), label="opening close"):
            for action in ("close", "reopen"):
                self.close_or_reopen_discussion("admin", self.seeded["discussion:thread"], action)

    @initialize(target=polls, data=st.data())
    def opening_poll(self, data: st.DataObject) -> Any:
        """Half the examples open with a poll in the thread; the member's first vote in it
        scores every option 9, past what most types allow: a refused vote (422, errors by
        field) in short runs too (a ranked choice counts it: any rank of 1 or more is valid)."""
        if not data.draw(st.booleans(), label="opening poll"):
            return multiple()
        fields = data.draw(votes.poll_bodies(), label="poll")
        poll = self.make_poll("admin", self.seeded["discussion:thread"], fields)
        if isinstance(poll, str) and self.options.get(poll):
            scores = [{"poll_option_id": Ref(o), "score": 9} for o in self.options[poll]]
            self.make_stance("member", poll, {"reason": "", "stance_choices_attributes": scores})
        return poll

    # -- discussions ---------------------------------------------------------------------

    @rule(
        target=discussions,
        actor=writers,
        title=titles,
        depth=max_depths,
        private=st.booleans(),
        tags=tag_lists,
    )
    def create_discussion(
        self,
        actor: str,
        title: str,
        depth: int | None,
        private: bool,
        tags: list[str] | None = None,
    ) -> Any:
        fields: dict[str, Any] = {"title": title, "group_id": Ref(self.seeded["group:group"])}
        fields |= {"private": private} | ({"max_depth": depth} if depth is not None else {})
        fields |= {"tags": tags} if tags is not None else {}
        created = _created(
            self.send(
                Call(method="POST", path=("discussions",), actor=actor, json={"discussion": fields})
            )
        )
        if not created:
            return multiple()
        self.opened[created] = None
        return created

    @rule(
        actor=writers,
        discussion=discussions,
        title=titles,
        depth=max_depths,
        method=edit_methods,
        tags=tag_lists,
    )
    def edit_discussion(
        self,
        actor: str,
        discussion: str,
        title: str,
        depth: int | None,
        method: str = "PATCH",
        tags: list[str] | None = None,
    ) -> None:
        fields: dict[str, Any] = {"title": title} | (
            {"max_depth": depth} if depth is not None else {}
        )
        fields |= {"tags": tags} if tags is not None else {}
        self.send(
            Call(
                method=method,
                path=("discussions", Ref(discussion)),
                actor=actor,
                json={"discussion": fields},
            )
        )

    @rule(
        actor=writers,
        discussion=discussions,
        action=st.sampled_from(["close", "reopen", "mark_as_seen"]),
    )
    def close_or_reopen_discussion(self, actor: str, discussion: str, action: str) -> None:
        """Each publishes the discussion (contracts.live_capture sees where to)."""
        self.send(Call(method="PATCH", path=("discussions", Ref(discussion), action), actor=actor))

    @rule(actor=writers, discussion=discussions, action=st.sampled_from(["pin", "unpin"]))
    def pin_or_unpin_discussion(self, actor: str, discussion: str, action: str) -> None:
        self.send(Call(method="PATCH", path=("discussions", Ref(discussion), action), actor=actor))

    @rule(actor=writers, discussion=discussions)
    def discard_discussion(self, actor: str, discussion: str) -> None:
        self.send(
            Call(method="DELETE", path=("discussions", Ref(discussion), "discard"), actor=actor)
        )

    # -- comments ------------------------------------------------------------------------

    def _comment(
        self, actor: str, discussion: str, given: dict[str, str], parent: str | None
    ) -> Any:
        fields: dict[str, Any] = {**given, "discussion_id": Ref(discussion)}
        if parent is not None:
            fields |= {"parent_id": Ref(parent), "parent_type": "Comment"}
        created = _created(
            self.send(
                Call(method="POST", path=("comments",), actor=actor, json={"comment": fields})
            )
        )
        if created:
            self.thread_of[created] = discussion
            self.author_of[created] = actor
        return created if created else multiple()

    def _editor(self, actor: str, comment: str) -> str:
        """The actor drawn for an edit, `AUTHOR` standing for the comment's own author."""
        return self.author_of[comment] if actor == AUTHOR else actor

    def _recent_comment(self, data: st.DataObject) -> str:
        """A comment this example made: half the draws one of the three newest (people edit
        and delete what they just wrote, a reply that is its parent's only child), the rest
        any. Shrinks towards the newest."""
        made = list(self.author_of)
        back = data.draw(
            st.one_of(st.integers(0, min(2, len(made) - 1)), st.integers(0, len(made) - 1)),
            label="comments back from the newest",
        )
        return made[-1 - back]

    @rule(target=comments, actor=writers, discussion=discussions, fields=comment_fields)
    def comment(self, actor: str, discussion: str, fields: dict[str, str]) -> Any:
        return self._comment(actor, discussion, fields, None)

    @rule(target=comments, actor=writers, parent=comments, fields=comment_fields)
    def reply(self, actor: str, parent: str, fields: dict[str, str]) -> Any:
        return self._comment(actor, self.thread_of[parent], fields, parent)

    @precondition(lambda self: bool(self.author_of))
    @rule(actor=editors, data=st.data(), body=bodies, method=edit_methods)
    def edit_comment(self, actor: str, data: st.DataObject, body: str, method: str) -> None:
        self.change_comment(actor, self._recent_comment(data), body, method)

    def change_comment(self, actor: str, comment: str, body: str, method: str = "PATCH") -> None:
        self.send(
            Call(
                method=method,
                path=("comments", Ref(comment)),
                actor=self._editor(actor, comment),
                json={"comment": {"body": body}},
            )
        )

    @precondition(lambda self: bool(self.author_of))
    @rule(actor=editors, data=st.data(), destroy=st.booleans())
    def discard_or_destroy_comment(self, actor: str, data: st.DataObject, destroy: bool) -> None:
        self.remove_comment(actor, self._recent_comment(data), destroy)

    def remove_comment(self, actor: str, comment: str, destroy: bool) -> None:
        path = ("comments", Ref(comment)) if destroy else ("comments", Ref(comment), "discard")
        self.send(Call(method="DELETE", path=path, actor=self._editor(actor, comment)))

    # -- polls ---------------------------------------------------------------------------

    @rule(target=polls, actor=writers, discussion=discussions, data=st.data())
    def create_poll(self, actor: str, discussion: str, data: st.DataObject) -> Any:
        fields = data.draw(votes.poll_bodies(), label="poll")
        in_thread = data.draw(st.booleans(), label="in thread")
        return self.make_poll(actor, discussion if in_thread else None, fields)

    def make_poll(self, actor: str, discussion: str | None, fields: dict[str, Any]) -> Any:
        where = (
            {"discussion_id": Ref(discussion)}
            if discussion
            else {"group_id": Ref(self.seeded["group:group"])}
        )
        fields = {**fields, **where}
        created = _created(
            self.send(Call(method="POST", path=("polls",), actor=actor, json={"poll": fields}))
        )
        if not created:
            return multiple()
        self.poll_type[created] = fields["poll_type"]
        self.opened[created] = None
        return created

    @rule(target=stances, actor=writers, poll=polls, data=st.data())
    def vote(self, actor: str, poll: str, data: st.DataObject) -> Any:
        fields = data.draw(
            votes.stance_bodies(self.poll_type[poll], self.options.get(poll, [])), label="stance"
        )
        return self.make_stance(actor, poll, fields)

    def make_stance(self, actor: str, poll: str, fields: dict[str, Any]) -> Any:
        created = _created(
            self.send(
                Call(
                    method="POST",
                    path=("stances",),
                    actor=actor,
                    json={"stance": {"poll_id": Ref(poll), **fields}},
                )
            )
        )
        if created:
            self.poll_type[created] = self.poll_type[poll]
            self.options[created] = self.options.get(poll, [])
        return created if created else multiple()

    @rule(actor=writers, stance=stances, data=st.data(), method=edit_methods)
    def change_vote(
        self, actor: str, stance: str, data: st.DataObject, method: str = "PATCH"
    ) -> None:
        fields = data.draw(
            votes.stance_bodies(self.poll_type[stance], self.options[stance]), label="stance"
        )
        self.send(
            Call(method=method, path=("stances", Ref(stance)), actor=actor, json={"stance": fields})
        )

    @rule(actor=writers, stance=stances)
    def uncast(self, actor: str, stance: str) -> None:
        self.send(Call(method="PATCH", path=("stances", Ref(stance), "uncast"), actor=actor))

    @rule(
        actor=writers, poll=polls, title=titles, details=bodies, method=edit_methods, tags=tag_lists
    )
    def edit_poll(
        self,
        actor: str,
        poll: str,
        title: str,
        details: str,
        method: str = "PATCH",
        tags: list[str] | None = None,
    ) -> None:
        fields: dict[str, Any] = {"title": title, "details": details}
        fields |= {"tags": tags} if tags is not None else {}
        self.send(
            Call(method=method, path=("polls", Ref(poll)), actor=actor, json={"poll": fields})
        )

    @rule(actor=writers, poll=polls)
    def discard_poll(self, actor: str, poll: str) -> None:
        self.send(Call(method="DELETE", path=("polls", Ref(poll), "discard"), actor=actor))

    @rule(actor=writers, poll=polls, action=st.sampled_from(["close", "reopen", "cycle"]))
    def close_or_reopen_poll(self, actor: str, poll: str, action: str) -> None:
        """Close or reopen; `cycle` closes and, when that was allowed, reopens at once, so a
        reopen is made, not only refused (a reopen of an open poll is a 403)."""
        for step in ("close", "reopen") if action == "cycle" else (action,):
            body = {"poll": {"closing_at": CLOSING_AT}} if step == "reopen" else None
            outcome = self.send(
                Call(method="POST", path=("polls", Ref(poll), step), actor=actor, json=body)
            )
            if outcome.rails.status != 200:
                return

    @rule(target=outcomes, actor=writers, poll=polls, statement=bodies, data=st.data())
    def create_outcome(self, actor: str, poll: str, statement: str, data: st.DataObject) -> Any:
        extra = data.draw(votes.outcome_bodies(self.options.get(poll, [])), label="outcome")
        return self.make_outcome(actor, poll, {"statement": statement, **extra})

    def make_outcome(self, actor: str, poll: str, fields: dict[str, Any]) -> Any:
        fields = {"poll_id": Ref(poll), **fields}
        created = _created(
            self.send(
                Call(method="POST", path=("outcomes",), actor=actor, json={"outcome": fields})
            )
        )
        if not created:
            return multiple()
        self.options[created] = self.options.get(poll, [])
        return created

    @rule(actor=writers, outcome=outcomes, statement=bodies, method=edit_methods, data=st.data())
    def edit_outcome(
        self, actor: str, outcome: str, statement: str, data: st.DataObject, method: str = "PATCH"
    ) -> None:
        extra = data.draw(votes.outcome_bodies(self.options[outcome]), label="outcome")
        self.change_outcome(actor, outcome, {"statement": statement, **extra}, method)

    def change_outcome(
        self, actor: str, outcome: str, fields: dict[str, Any], method: str = "PATCH"
    ) -> None:
        self.send(
            Call(
                method=method,
                path=("outcomes", Ref(outcome)),
                actor=actor,
                json={"outcome": fields},
            )
        )

    # -- groups and memberships ----------------------------------------------------------

    @rule(target=groups, actor=writers, name=titles, privacy=group_privacies)
    def create_subgroup(self, actor: str, name: str, privacy: str | None) -> Any:
        fields: dict[str, Any] = {"name": name, "parent_id": Ref(self.seeded["group:group"])}
        fields |= {"group_privacy": privacy} if privacy else {}
        outcome = self.send(
            Call(method="POST", path=("groups",), actor=actor, json={"group": fields})
        )
        created = _created(outcome, root="groups", field="id")
        if not created:
            return multiple()
        self.groups_made[created] = None
        return created

    @rule(actor=writers, group=groups, name=titles, privacy=group_privacies, method=edit_methods)
    def edit_group(
        self, actor: str, group: str, name: str, privacy: str | None, method: str = "PATCH"
    ) -> None:
        fields: dict[str, Any] = {"name": name} | ({"group_privacy": privacy} if privacy else {})
        self.send(
            Call(method=method, path=("groups", Ref(group)), actor=actor, json={"group": fields})
        )

    @rule(
        actor=st.sampled_from(["admin", "member"]),
        who=st.sampled_from(["member", "other_member"]),
        action=st.sampled_from(["make_admin", "remove_admin"]),
    )
    def promote_or_demote(self, actor: str, who: str, action: str) -> None:
        membership = Ref(self.seeded[f"membership:{who}@group"])
        self.send(Call(method="POST", path=("memberships", membership, action), actor=actor))

    @rule(actor=st.sampled_from(["admin", "member", "other_member"]))
    def remove_other_member(self, actor: str) -> None:
        membership = Ref(self.seeded["membership:other_member@group"])
        self.send(Call(method="DELETE", path=("memberships", membership), actor=actor))

    # -- signing in ----------------------------------------------------------------------

    @rule(
        who=st.sampled_from(("signer", "signer", "unverified", "deactivated")),
        typing=st.sampled_from(TYPINGS),
        right=st.sampled_from((True, True, False)),
        basic=st.booleans(),
    )
    def sign_in(self, who: str, typing: str, right: bool, basic: bool) -> None:
        """A person signs in (api-envelope.md 8.1) in a browser of their own, typing the email
        as people do (case, spaces), maybe with a wrong password, as a verified, unverified or
        deactivated account; then the session cookie is used, the person signs out, and both
        the browser's cookie and a copy kept from before are used again. With `basic`, the
        same credentials as HTTP Basic on one read instead. Every answer is compared."""
        account = emails_and_passwords(self.scope)[who]
        email = as_typed(account[0], typing)
        password = account[1] if right else f"{account[1]}-wrong"
        if basic:
            self.show_profile(self.browser(basic=(email, password)))
            return
        browser = self.browser()
        body = {"user": {"email": email, "password": password}}
        signed = self.send(Call(method="POST", path=("sessions",), actor=browser, json=body))
        self.show_profile(browser)
        if signed.rails.status != 200:
            return
        kept = self.browser(copy_of=browser)
        self.send(Call(method="DELETE", path=("sessions",), actor=browser))
        self.show_profile(browser)  # the cookie the sign-out answer left: a visitor's
        self.show_profile(kept)  # the old cookie: Rails' cookie store still accepts it

    def browser(self, *, basic: tuple[str, str] | None = None, copy_of: str | None = None) -> str:
        """A new browser on both backends (harness.client.open_browser), as a lockstep actor
        name; forgotten when the example ends."""
        name = f"browser{len(self.actor_keys)}"
        key = self.actor_keys[name] = f"{name}#{self.scope.tag}"
        for backend in self.run.backends:
            cookies = backend.client.cookies_of(self.actor_keys[copy_of]) if copy_of else None
            backend.client.open_browser(key, basic=basic, cookies=cookies)
            self.exits.callback(backend.client.remove_actors, [key])
        return name

    # -- reads ---------------------------------------------------------------------------

    def read_excluding(self, token: str) -> None:
        """The last read again with `exclude_types=<token>` in place of its own (the web
        client drops sideloads it already holds, api-envelope.md 3.2): the same data read
        both ways, so the token's effect is compared, and seen by parameter coverage."""
        if self.last_read is None:
            return
        params = tuple((k, v) for k, v in self.last_read.params if k != "exclude_types")
        self.send(replace(self.last_read, params=(*params, ("exclude_types", token))))

    @rule(actor=actors, discussion=discussions, by_key=st.booleans())
    def show_discussion(self, actor: str | None, discussion: str, by_key: bool) -> None:
        self.send(
            Call(method="GET", path=("discussions", self.target(discussion, by_key)), actor=actor)
        )

    def _comments_in(self, discussion: str) -> list[str]:
        """The comments this example made in `discussion`, oldest first."""
        return [c for c, d in self.thread_of.items() if d == discussion]

    def thread_param(self, discussion: str, by_key: bool, named: bool = False) -> tuple[str, Ref]:
        """How a read names its thread: `discussion_id` with the id or (by_key) the key, or
        (named, when the key is known) `discussion_key` with the key (threading.md 5.1)."""
        if named and discussion in self.keys:
            return ("discussion_key", Ref(self.keys[discussion]))
        return ("discussion_id", self.target(discussion, by_key))

    def _events(
        self,
        actor: str | None,
        discussion: str,
        params: Mapping[str, str | Ref],
        by_key: bool,
        named: bool = False,
    ) -> None:
        query: tuple[tuple[str, str | Ref], ...] = (
            self.thread_param(discussion, by_key, named),
            *sorted(params.items()),
        )
        self.send(Call(method="GET", path=("events",), actor=actor, params=query))

    @rule(actor=actors, discussion=discussions, params=events_params, by_key=st.booleans())
    def events_index(
        self, actor: str | None, discussion: str, params: dict[str, str], by_key: bool
    ) -> None:
        self._events(actor, discussion, params, by_key)

    @rule(actor=actors, discussion=discussions, params=page_params, by_key=st.booleans())
    def events_page(
        self, actor: str | None, discussion: str, params: dict[str, str], by_key: bool
    ) -> None:
        self._events(actor, discussion, params, by_key)

    @rule(actor=actors, discussion=discussions, params=sort_params, by_key=st.booleans())
    def events_sorted(
        self, actor: str | None, discussion: str, params: dict[str, str], by_key: bool
    ) -> None:
        self._events(actor, discussion, params, by_key)

    @rule(
        actor=actors,
        discussion=discussions,
        page=st.sampled_from(CLIENT_PAGES),
        n=st.sampled_from([2, 5, 10, 30]),
        at=st.integers(0, 8),
    )
    def client_page(self, actor: str | None, discussion: str, page: str, n: int, at: int) -> None:
        """An events page as the web client asks for it: first, newest, around a key, ..."""
        query: dict[str, str | Ref] = dict(client_query(page, n, at))
        if page == "comment":
            in_thread = self._comments_in(discussion)
            if not in_thread:
                return
            query["comment_id"] = Ref(in_thread[at % len(in_thread)])
        self._events(actor, discussion, query, by_key=False)

    @rule(
        actor=actors,
        discussion=discussions,
        which=st.sampled_from(["position_keys", "timeline", "comment", "readers"]),
        pick=st.integers(0, 40),
        by_key=st.booleans(),
    )
    def thread_page(
        self, actor: str | None, discussion: str, which: str, pick: int, by_key: bool
    ) -> None:
        """A thread's other reads: its outline (position keys, timeline), a comment's event
        (`pick` chooses among the thread's comments), its readers. One rule for the four, so
        they take one rule's share of the steps."""
        if which == "readers":
            self.discussion_readers_index(actor, discussion)
        elif which == "comment":
            in_thread = self._comments_in(discussion)
            if in_thread:
                self.comment_event(actor, in_thread[pick % len(in_thread)], by_key)
        else:
            self.thread_outline(actor, discussion, which)

    def thread_outline(self, actor: str | None, discussion: str, which: str) -> None:
        # numeric id: a key here passes the permission check, then lists nothing (threading.md)
        self.send(
            Call(
                method="GET",
                path=("events", which),
                actor=actor,
                params=(("discussion_id", Ref(discussion)),),
            )
        )

    def comment_event(
        self, actor: str | None, comment: str, by_key: bool, named: bool = False
    ) -> None:
        """The event a comment's URL opens (events#comment), in its own thread."""
        query = (
            self.thread_param(self.thread_of[comment], by_key, named),
            ("comment_id", Ref(comment)),
        )
        self.send(Call(method="GET", path=("events", "comment"), actor=actor, params=query))

    @rule(actor=actors, poll=polls, by_key=st.booleans())
    def show_poll(self, actor: str | None, poll: str, by_key: bool) -> None:
        self.send(Call(method="GET", path=("polls", self.target(poll, by_key)), actor=actor))

    @rule(actor=actors, poll=polls)
    def stances_index(self, actor: str | None, poll: str, named: bool = False) -> None:
        """A poll's votes, the poll named by `poll_id`, or (named, when its key is known) by
        `poll_key` (load_and_authorize(:poll) reads either)."""
        by_key = named and poll in self.keys
        param = ("poll_key", Ref(self.keys[poll])) if by_key else ("poll_id", Ref(poll))
        self.send(Call(method="GET", path=("stances",), actor=actor, params=(param,)))

    @rule(
        actor=actors,
        page=st.sampled_from(["group", "subgroups", "memberships", "search", "profile"]),
        group=groups,
        order=st.sampled_from(["memberships_count", "created_at"]),
    )
    def group_page(self, actor: str | None, page: str, group: str, order: str) -> None:
        """A group-level page: a group, its subgroups, the group's members, the group search
        (`order`), one's profile. One rule for the five, as for thread_page."""
        if page == "group":
            self.show_group(actor, group)
        elif page == "subgroups":
            self.subgroups(actor, group)
        elif page == "memberships":
            self.memberships_index(actor)
        elif page == "search":
            self.groups_index(actor, order)
        else:
            self.show_profile(actor)

    def show_group(self, actor: str | None, group: str) -> None:
        self.send(Call(method="GET", path=("groups", Ref(group)), actor=actor))

    def subgroups(self, actor: str | None, group: str) -> None:
        self.send(Call(method="GET", path=("groups", Ref(group), "subgroups"), actor=actor))

    def show_profile(self, actor: str | None) -> None:
        self.send(Call(method="GET", path=("profile", "me"), actor=actor))

    @rule(actor=actors, state=st.sampled_from([None, "all"]))
    def discussions_index(self, actor: str | None, state: str | None) -> None:
        """The group's threads, pinned ones first (Discussion.order_by_pinned_then_latest_activity)."""
        params: tuple[tuple[str, str | Ref], ...] = (("group_id", Ref(self.seeded["group:group"])),)
        params += (("filter", state),) if state else ()
        self.send(Call(method="GET", path=("discussions",), actor=actor, params=params))

    def discussion_readers_index(
        self, actor: str | None, discussion: str, named: bool = False
    ) -> None:
        params = (self.thread_param(discussion, False, named),)
        self.send(Call(method="GET", path=("discussion_readers",), actor=actor, params=params))

    def memberships_index(self, actor: str | None) -> None:
        params = (("group_id", Ref(self.seeded["group:group"])),)
        self.send(Call(method="GET", path=("memberships",), actor=actor, params=params))

    def groups_index(self, actor: str | None, order: str) -> None:
        params = (("q", self.scope.tag), ("order", order))
        self.send(Call(method="GET", path=("groups",), actor=actor, params=params))


def describe_failure(outcome: Outcome, limit: int = 8) -> str:
    """The failing step and its differences, for the test's failure message."""
    lines = [f"rails and go answer differently to {outcome.call.describe()}"]
    for d in outcome.differences[:limit]:
        lines.append(
            f"  {d.pointer or '(response)'} [{d.kind}]: rails {d.rails!r:.200} / go {d.go!r:.200}"
        )
    if len(outcome.differences) > limit:
        lines.append(f"  ... and {len(outcome.differences) - limit} more")
    return "\n".join(lines)
