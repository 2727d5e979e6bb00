"""Hypothesis strategies of the property suites: thread action sequences, votes, cells.

Each strategy draws inputs of an oracle (properties.oracles), never database ids: refs are
chosen here and mapped to ids by the drivers while they talk to a backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from hypothesis import strategies as st

from properties.oracles import thread_steps
from properties.oracles.permissions import Cell, Config, decide, inapplicable
from properties.oracles.thread_actions import HIDE_RESULTS
from properties.oracles.thread_sim import ThreadState
from properties.oracles.threading import (
    ChangeVote,
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    DestroyComment,
    DiscardComment,
    EditComment,
    Repair,
    ThreadAction,
    Vote,
)

# -- threading -------------------------------------------------------------------------


@dataclass(slots=True)
class _ThreadDraft:
    """What has been drawn so far, and the oracle's state after it: a vote change must name
    the voter's latest stance, which a change with replies replaced (polls.md 2.4)."""

    state: ThreadState
    comments: list[str] = field(default_factory=list)
    authors: dict[str, str] = field(default_factory=dict)  # comment ref -> who posted it
    polls: list[str] = field(default_factory=list)
    counter: int = 0
    steps: int = 0

    def ref(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    @property
    def stances(self) -> list[str]:
        """Stances with a reason (a thread event, once their poll shows results): replies."""
        return [ref for ref, stance in self.state.stances.items() if stance.reason]

    def latest_stances(self, poll: str | None = None, by: str | None = None) -> list[str]:
        """Latest stances (of `poll`, cast by `by` when given): what a vote change names."""
        return [
            ref
            for ref, stance in self.state.stances.items()
            if stance.latest and poll in (None, stance.poll) and by in (None, stance.participant)
        ]

    def take(self, action: ThreadAction) -> ThreadAction:
        """Step the oracle as the test will (a repair follows a destroy); `action` back."""
        follow = [Repair()] if isinstance(action, DestroyComment) else []
        for step in (action, *follow):
            thread_steps.apply(self.state, self.steps, step)
            self.steps += 1
        return action


THREAD_STEPS = (
    "comment",
    "reply",
    "edit",
    "discard",
    "destroy",
    "poll",
    "vote",
    "change",
    "close",
    "outcome",
)


def _thread_step(draw: st.DrawFn, draft: _ThreadDraft) -> ThreadAction:
    kind = draw(st.sampled_from(THREAD_STEPS))
    if kind == "reply" and (draft.comments or draft.stances):
        # comments or stances, each half the time when both exist: stances are few, and a
        # reply to one is what makes a later vote change a new stance (polls.md 2.4)
        pools = [pool for pool in (draft.comments, draft.stances) if pool]
        target = draw(st.sampled_from(draw(st.sampled_from(pools))))
        ref, by = draft.ref("C"), draw(st.sampled_from(("author", "voter")))
        draft.comments.append(ref)
        draft.authors[ref] = by
        return Comment(ref, reply_to=target, by=by)
    if kind == "edit" and draft.comments:
        target = draw(st.sampled_from(draft.comments))
        return EditComment(target, by=draft.authors.get(target, "author"))
    if kind in ("discard", "destroy") and draft.comments:
        target = draw(st.sampled_from(draft.comments))
        return DiscardComment(target) if kind == "discard" else DestroyComment(target)
    if kind == "change":
        if draft.latest_stances():
            return _change(draw, draft, draw(st.sampled_from(draft.latest_stances())))
        kind = "vote"  # nothing to change yet: a vote, or a poll to vote on
    if kind in ("vote", "close", "outcome") and not draft.polls:
        kind = "poll"
    if kind == "poll":
        ref = draft.ref("P")
        draft.polls.append(ref)
        hide = draw(st.sampled_from(HIDE_RESULTS))
        return CreatePoll(ref, hide_results=hide, anonymous=draw(st.booleans()))
    if draft.polls and kind in ("vote", "close", "outcome"):
        poll = draw(st.sampled_from(draft.polls))
        if kind == "close":
            return ClosePoll(poll)
        if kind == "outcome":
            return CreateOutcome(draft.ref("O"), poll)
        by = draw(st.sampled_from(("voter", "author")))
        cast = draft.latest_stances(poll, by)
        if cast:
            return _change(draw, draft, cast[-1])
        return Vote(draft.ref("S"), poll, reason=draw(st.booleans()), by=by)
    ref = draft.ref("C")
    draft.comments.append(ref)
    return Comment(ref)


def _change(draw: st.DrawFn, draft: _ThreadDraft, stance: str) -> ChangeVote:
    """A change of `stance`: in place, or a new stance when its event has replies and the
    scores change (polls.md 2.4); the new one is named here, used only if it is made."""
    reason, changed = draw(st.booleans()), draw(st.booleans())
    return ChangeVote(stance, reason=reason, scores_changed=changed, revision_ref=draft.ref("S"))


@st.composite
def thread_examples(draw: st.DrawFn, max_steps: int = 10) -> tuple[int, tuple[ThreadAction, ...]]:
    """(max_depth 1..4, a sequence of thread actions whose refs are consistent)."""
    if max_steps < 1:
        raise ValueError(f"max_steps must be at least 1, got {max_steps}")
    max_depth = draw(st.integers(1, 4))
    draft = _ThreadDraft(ThreadState(max_depth, "author"))
    n = draw(st.integers(1, max_steps))
    return max_depth, tuple(draft.take(_thread_step(draw, draft)) for _ in range(n))


EVENT_QUERIES = (
    {},
    {"per": "3"},
    {"from": "3", "per": "2"},
    {"order_by": "sequence_id", "order_desc": "true", "per": "4"},
    {"order_by": "position_key"},
    {"order_by": "position_key", "order_desc": "true"},
    {"order": "position_key", "from": "00001"},
    {"order": "position", "from": "1"},
    {"depth": "1"},
    {"depth_gte": "2"},
    {"position_key_sw": "00001"},
    {"kind": "new_comment"},
    {"pinned": "true"},
    {"from_sequence_id_of_position": "1", "per": "5"},
    {"until_sequence_id_of_position": "2"},
    {"sequence_id_gt": "2", "sequence_id_lte": "5"},
)


def event_queries() -> st.SearchStrategy[dict[str, str]]:
    """Events-index query forms (threading.md 5.1) whose params carry no ids."""
    return st.sampled_from(EVENT_QUERIES)


# -- tallies ---------------------------------------------------------------------------

POLL_OPTIONS: dict[str, tuple[str, ...]] = {
    "proposal": ("agree", "abstain", "disagree"),
    "check": ("looks_good", "not_sure", "concerned"),
    "count": ("accept", "decline"),
    "poll": ("Red", "Green", "Blue"),
    "score": ("Speed", "Cost", "Care"),
    "dot_vote": ("Roof", "Garden", "Bikes"),
    "ranked_choice": ("A", "B", "C", "D"),
    "meeting": ("2025-07-02T09:00:00.000Z", "2025-07-01T09:00:00.000Z", "2025-07-03T09:00:00.000Z"),
    "question": (),
}
VOTERS = ("admin", "member", "guest")


@dataclass(frozen=True, slots=True)
class PollSpec:
    """The poll of one tally example (options are POLL_OPTIONS of its type)."""

    poll_type: str
    anonymous: bool
    hide_results: str
    dots_per_person: int = 8
    agree_target: int | None = None  # polls.md 3.2: target_percent = total / agree_target * 100
    none_of_the_above: bool = False  # show_none_of_the_above: its row in results (3.2)


@dataclass(frozen=True, slots=True)
class Cast:
    """`voter` votes (or changes their vote): (option index, score) pairs, index may be bad;
    or none of the above (with no choices when valid)."""

    voter: str
    choices: tuple[tuple[int, int], ...]
    none_of_the_above: bool = False


@dataclass(frozen=True, slots=True)
class Uncast:
    voter: str


@dataclass(frozen=True, slots=True)
class Close:
    """Close the poll."""


@dataclass(frozen=True, slots=True)
class Reopen:
    """Reopen the closed poll with a future closing_at (refused for an anonymous one)."""


TallyStep = Cast | Uncast | Close | Reopen


def _valid_choices(
    poll_type: str, n: int, dots: int
) -> st.SearchStrategy[tuple[tuple[int, int], ...]]:
    if n == 0:
        return st.just(())
    if poll_type in ("proposal", "check", "count", "poll"):
        return st.integers(0, n - 1).map(lambda i: ((i, 1),))
    if poll_type == "score":
        pairs = st.tuples(st.integers(0, n - 1), st.integers(0, 5))
        return st.lists(pairs, min_size=1, max_size=n, unique_by=lambda c: c[0]).map(tuple)
    if poll_type == "dot_vote":
        return st.lists(st.integers(0, dots // n), min_size=n, max_size=n).map(
            lambda s: tuple(enumerate(s))
        )
    if poll_type == "ranked_choice":
        return st.permutations(list(range(1, n + 1))).map(lambda s: tuple(enumerate(s)))
    return st.lists(st.integers(0, 2), min_size=n, max_size=n).map(lambda s: tuple(enumerate(s)))


def _any_choices(n: int) -> st.SearchStrategy[tuple[tuple[int, int], ...]]:
    # Existing options only: the validation oracle does not model unknown option ids.
    if n == 0:
        return st.just(())
    pairs = st.tuples(st.integers(0, n - 1), st.integers(-1, 10))
    return st.lists(pairs, max_size=max(n, 1) + 1).map(tuple)


def _votes(draw: st.DrawFn, spec: PollSpec, cast: set[str], count: int) -> list[TallyStep]:
    """`count` votes, vote changes and uncasts; `cast` is who holds a cast stance."""
    n = len(POLL_OPTIONS[spec.poll_type])
    steps: list[TallyStep] = []
    for _ in range(count):
        voter = draw(st.sampled_from(VOTERS))
        if draw(st.integers(0, 5)) == 0:
            steps.append(Uncast(voter))
            cast.discard(voter)
            continue
        valid = _valid_choices(spec.poll_type, n, spec.dots_per_person)
        if spec.none_of_the_above and draw(st.integers(0, 2)) == 0:
            # none of the above; with a choice too (refused) only while uncast
            extra = st.just(()) if voter in cast else st.one_of(st.just(()), valid)
            steps.append(Cast(voter, draw(extra), none_of_the_above=True))
            cast.add(voter)
            continue
        choices = draw(valid if voter in cast else st.one_of(valid, valid, _any_choices(n)))
        steps.append(Cast(voter, choices))
        cast.add(voter)  # corrected below by the oracle when it is refused
    return steps


@st.composite
def tally_examples(
    draw: st.DrawFn, max_steps: int = 8, poll_types: tuple[str, ...] = tuple(POLL_OPTIONS)
) -> tuple[PollSpec, tuple[TallyStep, ...]]:
    """A poll of one of `poll_types` and a sequence of votes, vote changes and uncasts, maybe
    a close, maybe then a reopen, more votes and a second close (polls.md 4).

    An invalid vote is only sent while the voter's stance is uncast: a failed in-place
    update of a cast stance deletes its choices without recount (polls.md 2.4), a state the
    tally oracle does not model.
    """
    poll_type = draw(st.sampled_from(poll_types))
    # A small agree_target lets two or three accepts pass it (target_percent over 100).
    target = draw(st.sampled_from((1, 2, None, 5))) if poll_type in ("count", "check") else None
    spec = PollSpec(
        poll_type,
        draw(st.booleans()),
        draw(st.sampled_from(HIDE_RESULTS)),
        agree_target=target,
        none_of_the_above=bool(POLL_OPTIONS[poll_type]) and draw(st.booleans()),
    )
    n = len(POLL_OPTIONS[poll_type])
    cast: set[str] = set()
    steps = _votes(draw, spec, cast, draw(st.integers(1, max_steps)))
    ending = draw(st.sampled_from(("as drawn", "everyone votes", "unanimous")))
    if ending != "as drawn":
        # Often everyone votes: thirds (33.33…%) only come from three cast stances, and
        # short random sequences rarely reach them. As often every voter ends on one choice
        # (a vote change for those cast): the extreme of every tally, shares of 100 % and a
        # count poll's agree_target passed, which independent votes rarely reach.
        valid = _valid_choices(poll_type, n, spec.dots_per_person)
        if ending == "unanimous":
            choice = draw(valid)
            steps += [Cast(v, choice) for v in VOTERS]
        else:
            steps += [Cast(v, draw(valid)) for v in VOTERS if v not in cast]
        cast.update(VOTERS)
    if draw(st.booleans()):
        steps.append(Close())
        if draw(st.booleans()):
            steps.append(Reopen())
            steps += _votes(draw, spec, cast, draw(st.integers(0, 3)))
            if draw(st.booleans()):
                steps.append(Close())
    return spec, tuple(steps)


# -- permissions -----------------------------------------------------------------------


def on_boundary(cell: Cell) -> bool:
    """Whether resetting one of the cell's settings to its default, or making the actor the
    target's author (or not), changes the decision.

    Faults of the permission rules live there (a state condition ignored, a flag misread);
    a uniform draw over the ~10000 cells rarely lands on the few cells of one condition
    (comment create in a closed thread: 4 of 9845; a member closing another's poll).
    """
    base = Config()
    neighbours = [
        Cell(cell.actor, replace(cell.config, **{f.name: getattr(base, f.name)}), cell.action)
        for f in fields(Config)
        if getattr(cell.config, f.name) != getattr(base, f.name)
    ]
    neighbours.append(
        Cell(replace(cell.actor, author=not cell.actor.author), cell.config, cell.action)
    )
    status = decide(cell).status
    return any(inapplicable(n) is None and decide(n).status != status for n in neighbours)


def _by_action(cells: Sequence[Cell]) -> st.SearchStrategy[Cell]:
    """Action, then the actor, then a cell: rare actors (a parent-group member exists only in
    worlds with a parent group; an author) are drawn as often as common ones."""
    return _nested(cells, lambda c: c.action, lambda c: c.actor)


def _by_world(cells: Sequence[Cell]) -> st.SearchStrategy[Cell]:
    """World, then the action, then a cell: a world with few cells (a comment with replies
    matters to one action) is drawn as often as the default one."""
    return _nested(cells, lambda c: c.config, lambda c: c.action)


def _nested(
    cells: Sequence[Cell], first: Callable[[Cell], Any], second: Callable[[Cell], Any]
) -> st.SearchStrategy[Cell]:
    groups: dict[Any, dict[Any, list[Cell]]] = {}
    for cell in cells:
        groups.setdefault(first(cell), {}).setdefault(second(cell), []).append(cell)

    def ordered(by: dict[Any, Any]) -> list[Any]:  # a stable order: the simplest draw first
        return [by[k] for k in sorted(by, key=str)]

    return st.sampled_from(ordered(groups)).flatmap(
        lambda inner: st.sampled_from(ordered(inner)).flatmap(st.sampled_from)
    )


def permission_cells(cells: Sequence[Cell]) -> st.SearchStrategy[Cell]:
    """Cells of `cells`: half on a decision boundary; a quarter by action and actor, a
    quarter by world and action (so every actor, world and action of the table is drawn)."""
    if not cells:
        raise ValueError("permission_cells needs at least one cell")
    boundary = [c for c in cells if on_boundary(c)]
    balanced = st.one_of(_by_action(cells), _by_world(cells))
    return st.one_of(_by_action(boundary), balanced) if boundary else balanced
