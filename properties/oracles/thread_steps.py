"""One rule per thread action: what Rails does to the events table (threading.md 3, 6, 7).

`apply(state, index, action)` mutates the `ThreadState` and returns the `ActionOutcome`
(status and published event keys). Refusals follow permissions.md for an actor who may do
the action: 403 when the rule's state condition fails (closed/discarded poll, comment with
replies, old stance revision), 404 for a ref that names a destroyed or unknown record.
"""

from __future__ import annotations

from properties.oracles.thread_actions import (
    ChangeVote,
    ClosePoll,
    Comment,
    CreateOutcome,
    CreatePoll,
    DestroyComment,
    DiscardComment,
    DiscardPoll,
    EditComment,
    PinEvent,
    ReopenPoll,
    Repair,
    SetMaxDepth,
    ThreadAction,
    UndiscardComment,
    UnpinEvent,
    Vote,
)
from properties.oracles.thread_model import ROOT, ActionOutcome
from properties.oracles.thread_sim import (
    STANCE_KINDS,
    CommentState,
    PollState,
    Row,
    StanceState,
    ThreadState,
)

OK = ActionOutcome(status=200)
FORBIDDEN = ActionOutcome(status=403)
NOT_FOUND = ActionOutcome(status=404)


def _published(*rows: Row) -> ActionOutcome:
    return ActionOutcome(status=200, published=tuple(r.key for r in rows))


def _fresh(state: ThreadState, ref: str) -> None:
    taken = {*state.comments, *state.polls, *state.stances, *state.outcome_poll}
    if ref in taken:
        raise ValueError(f"ref {ref!r} is already used; give every record its own ref")


def _comment(state: ThreadState, i: int, action: Comment) -> ActionOutcome:
    _fresh(state, action.ref)
    target = action.reply_to
    if target is not None:
        parent = state.comments.get(target)
        if (parent is None or parent.destroyed) and target not in state.stances:
            return NOT_FOUND
    state.comments[action.ref] = CommentState(target, action.by)
    row = state.publish(i, "new_comment", "Comment", action.ref, action.by)
    state.insert(row)
    return _published(row)


def _live_comment(state: ThreadState, ref: str) -> Row | None:
    comment = state.comments.get(ref)
    if comment is None or comment.destroyed:
        return None
    return state.rows[f"new_comment:{ref}"]


def _discard_comment(state: ThreadState, action: DiscardComment) -> ActionOutcome:
    row = _live_comment(state, action.ref)
    if row is None:
        return NOT_FOUND
    row.actor, row.pinned = None, False
    return OK


def _undiscard_comment(state: ThreadState, action: UndiscardComment) -> ActionOutcome:
    row = _live_comment(state, action.ref)
    if row is None:
        return NOT_FOUND
    row.actor = state.comments[action.ref].author
    return OK


def _edit_comment(state: ThreadState, action: EditComment) -> ActionOutcome:
    # Discarded comments stay editable by their author (permissions.md 3.4 comment update
    # does not look at discarded_at); the comment_edited event is no thread item.
    return NOT_FOUND if _live_comment(state, action.ref) is None else OK


def _destroy_comment(state: ThreadState, action: DestroyComment) -> ActionOutcome:
    row = _live_comment(state, action.ref)
    if row is None:
        return NOT_FOUND
    # The has-replies rule looks at comment parents, not at the (possibly lifted) event tree.
    if any(c.reply_to == action.ref and not c.destroyed for c in state.comments.values()):
        return FORBIDDEN
    state.seq_counter = None
    parent = row.parent
    if parent is not None:
        state.reset_child_positions(parent)  # the dying event still counts here
    del state.rows[row.key]
    state.comments[action.ref].destroyed = True
    state.ripple(parent)
    state.repair_pending = True
    if parent is None:
        return ActionOutcome(status=200, remaining_children=None)
    kids = sorted(state.children(parent), key=lambda r: r.position)
    return ActionOutcome(status=200, remaining_children=tuple(r.key for r in kids) or None)


def _create_poll(state: ThreadState, i: int, action: CreatePoll) -> ActionOutcome:
    _fresh(state, action.ref)
    state.polls[action.ref] = PollState(action.hide_results, action.anonymous)
    row = state.publish(i, "poll_created", "Poll", action.ref, action.by)
    row.pinned = True
    state.insert(row)
    return _published(row)


def _active(state: ThreadState, poll: str) -> PollState | None:
    p = state.polls.get(poll)
    return p if p is not None and not p.closed and not p.discarded else None


def _has_thread_event(state: ThreadState, stance: str) -> bool:
    return state.first_thread_event(stance) is not None


def _stance_event(state: ThreadState, i: int, kind: str, stance: str) -> Row:
    """Publish a stance event; it joins the thread only under threading.md section 3."""
    s = state.stances[stance]
    poll = state.polls[s.poll]
    actor = None if poll.anonymous else s.participant
    joins = poll.hide_results != "until_closed" and s.reason
    joins = joins and not _has_thread_event(state, stance)
    row = state.publish(i, kind, "Stance", stance, actor)
    if joins:
        state.insert(row)
    return row


def _vote(state: ThreadState, i: int, action: Vote) -> ActionOutcome:
    _fresh(state, action.ref)
    if action.poll not in state.polls:
        return NOT_FOUND
    if _active(state, action.poll) is None:
        return FORBIDDEN
    state.stances[action.ref] = StanceState(action.poll, action.by, action.reason)
    state.polls[action.poll].stances.append(action.ref)
    return _published(_stance_event(state, i, "stance_created", action.ref))


def _latest_thread_event(state: ThreadState, stance: str) -> Row | None:
    rows = [r for r in state.thread_rows() if r.eventable == stance and r.kind in STANCE_KINDS]
    return rows[-1] if rows else None


def _change_vote(state: ThreadState, i: int, action: ChangeVote) -> ActionOutcome:
    stance = state.stances.get(action.ref)
    if stance is None:
        return NOT_FOUND
    if not stance.latest or _active(state, stance.poll) is None:
        return FORBIDDEN
    latest_event = _latest_thread_event(state, action.ref)
    if action.scores_changed and latest_event is not None and latest_event.child_count > 0:
        _fresh(state, action.new_ref)
        stance.latest = False
        state.stances[action.new_ref] = StanceState(stance.poll, stance.participant, action.reason)
        state.polls[stance.poll].stances.append(action.new_ref)
        return _published(_stance_event(state, i, "stance_created", action.new_ref))
    stance.reason = action.reason
    return _published(_stance_event(state, i, "stance_updated", action.ref))


def _close_poll(state: ThreadState, i: int, action: ClosePoll) -> ActionOutcome:
    poll = _active(state, action.poll)
    if poll is None:
        return NOT_FOUND if action.poll not in state.polls else FORBIDDEN
    if poll.hide_results == "until_closed":
        for ref in poll.stances:
            stance = state.stances[ref]
            if stance.latest and stance.reason:
                created = state.rows[f"stance_created:{ref}"]
                if not created.in_thread:
                    created.in_thread, created.sequence_id = True, None
        state.repair()
    poll.closed = True
    row = state.publish(i, "poll_closed_by_user", "Poll", action.poll, action.by)
    state.insert(row)
    return _published(row)


def _reopen_poll(state: ThreadState, i: int, action: ReopenPoll) -> ActionOutcome:
    poll = state.polls.get(action.poll)
    if poll is None:
        return NOT_FOUND
    if not poll.closed or poll.anonymous or poll.discarded:
        return FORBIDDEN
    poll.closed = False
    row = state.publish(i, "poll_reopened", "Poll", action.poll, action.by)
    state.insert(row)
    return _published(row)


def _create_outcome(state: ThreadState, i: int, action: CreateOutcome) -> ActionOutcome:
    _fresh(state, action.ref)
    if action.poll not in state.polls:
        return NOT_FOUND
    if _active(state, action.poll) is not None:
        return FORBIDDEN  # outcomes need a poll that is not active
    state.outcome_poll[action.ref] = action.poll
    row = state.publish(i, "outcome_created", "Outcome", action.ref, action.by)
    state.insert(row)
    return _published(row)


def _discard_poll(state: ThreadState, action: DiscardPoll) -> ActionOutcome:
    poll = state.polls.get(action.poll)
    if poll is None:
        return NOT_FOUND
    if poll.discarded:
        return FORBIDDEN
    poll.discarded = True
    leaving = {r.key for r in state.thread_rows() if r.kind in STANCE_KINDS}
    leaving &= {r.key for r in state.rows.values() if r.eventable in poll.stances}
    for row in state.thread_rows():
        if row.parent in leaving and row.key not in leaving:
            state.quirks.append(f"{row.key}: its parent {row.parent} left the thread")
    for key in leaving:
        state.rows[key].in_thread = False  # keeps its old sequence_id value
    created = state.rows[f"poll_created:{action.poll}"]
    created.actor, created.pinned, created.child_count = None, False, 0
    state.recount(ROOT)  # the created event's save recounts the root; its own counts go stale
    return OK


def _pin(state: ThreadState, key: str, pinned: bool) -> ActionOutcome:
    row = state.rows.get(key)
    if row is None:
        return NOT_FOUND
    if not row.in_thread:
        return FORBIDDEN
    row.pinned = pinned
    return OK


def _set_max_depth(state: ThreadState, action: SetMaxDepth) -> ActionOutcome:
    if action.max_depth != state.max_depth:
        state.max_depth = action.max_depth
        state.repair_pending = state.max_depth_pending = True
    return OK


def apply(state: ThreadState, i: int, action: ThreadAction) -> ActionOutcome:
    """Apply action number `i` to `state`; return its expected outcome."""
    match action:
        case Comment():
            return _comment(state, i, action)
        case DiscardComment():
            return _discard_comment(state, action)
        case UndiscardComment():
            return _undiscard_comment(state, action)
        case EditComment():
            return _edit_comment(state, action)
        case DestroyComment():
            return _destroy_comment(state, action)
        case CreatePoll():
            return _create_poll(state, i, action)
        case Vote():
            return _vote(state, i, action)
        case ChangeVote():
            return _change_vote(state, i, action)
        case ClosePoll():
            return _close_poll(state, i, action)
        case ReopenPoll():
            return _reopen_poll(state, i, action)
        case CreateOutcome():
            return _create_outcome(state, i, action)
        case DiscardPoll():
            return _discard_poll(state, action)
        case PinEvent():
            return _pin(state, action.event, True)
        case UnpinEvent():
            return _pin(state, action.event, False)
        case SetMaxDepth():
            return _set_max_depth(state, action)
        case Repair():
            state.repair()
            return OK
    raise TypeError(f"unknown thread action {action!r}")
