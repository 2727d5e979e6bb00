"""Thread actions: the inputs of the threading oracle (threading.md sections 3, 6 and 7).

Every record is named by a *ref* chosen by the caller ("A", "P", "S1", …), never by a
database id, so one action sequence can be replayed on any backend. The harness keeps the
ref -> id maps (comment ref -> comment id, event key -> event id) while it drives a backend.

Each action maps onto one API request (the HTTP form is in each docstring).
"""

from __future__ import annotations

from dataclasses import dataclass

HIDE_RESULTS = ("off", "until_vote", "until_closed")


@dataclass(frozen=True, slots=True)
class Comment:
    """POST /api/v1/comments: `reply_to` is None (the discussion), a comment ref or a stance ref."""

    ref: str
    reply_to: str | None = None
    by: str = "author"


@dataclass(frozen=True, slots=True)
class DiscardComment:
    """DELETE /api/v1/comments/:id/discard."""

    ref: str


@dataclass(frozen=True, slots=True)
class UndiscardComment:
    """POST /api/v1/comments/:id/undiscard."""

    ref: str


@dataclass(frozen=True, slots=True)
class EditComment:
    """PATCH /api/v1/comments/:id as the comment's author (`by`, who posted it).

    Publishes comment_edited, which is not a thread item (threading.md 2): no sequence id,
    no place in the tree, no counter changes.
    """

    ref: str
    by: str = "author"


@dataclass(frozen=True, slots=True)
class DestroyComment:
    """DELETE /api/v1/comments/:id (403 when another comment replies to it)."""

    ref: str


@dataclass(frozen=True, slots=True)
class CreatePoll:
    """POST /api/v1/polls with discussion_id = the thread."""

    ref: str
    hide_results: str = "off"
    anonymous: bool = False
    by: str = "author"

    def __post_init__(self) -> None:
        if self.hide_results not in HIDE_RESULTS:
            raise ValueError(f"hide_results {self.hide_results!r} is not one of {HIDE_RESULTS}")


@dataclass(frozen=True, slots=True)
class Vote:
    """POST /api/v1/stances: first vote; `reason` says whether the reason is non-blank."""

    ref: str
    poll: str
    reason: bool = False
    by: str = "voter"


@dataclass(frozen=True, slots=True)
class ChangeVote:
    """PATCH /api/v1/stances/:id of stance `ref` (polls.md 2.4).

    `scores_changed` is whether the option scores differ from the stance's current ones.
    When the change makes a new stance revision, the new stance is named `revision_ref`
    (default: `ref` + "'").
    """

    ref: str
    reason: bool = False
    scores_changed: bool = True
    revision_ref: str | None = None

    @property
    def new_ref(self) -> str:
        return self.revision_ref or f"{self.ref}'"


@dataclass(frozen=True, slots=True)
class ClosePoll:
    """POST /api/v1/polls/:id/close."""

    poll: str
    by: str = "author"


@dataclass(frozen=True, slots=True)
class ReopenPoll:
    """POST /api/v1/polls/:id/reopen with a future closing_at."""

    poll: str
    by: str = "author"


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    """POST /api/v1/outcomes for `poll`."""

    ref: str
    poll: str
    by: str = "author"


@dataclass(frozen=True, slots=True)
class DiscardPoll:
    """DELETE /api/v1/polls/:id/discard."""

    poll: str


@dataclass(frozen=True, slots=True)
class PinEvent:
    """PATCH /api/v1/events/:id/pin (`event` is an event key, see ExpectedEvent.key)."""

    event: str


@dataclass(frozen=True, slots=True)
class UnpinEvent:
    """PATCH /api/v1/events/:id/unpin."""

    event: str


@dataclass(frozen=True, slots=True)
class SetMaxDepth:
    """PATCH /api/v1/discussions/:id with max_depth; the repair it queues is `Repair()`."""

    max_depth: int

    def __post_init__(self) -> None:
        if self.max_depth < 1:
            raise ValueError(f"max_depth must be at least 1, got {self.max_depth}")


@dataclass(frozen=True, slots=True)
class Repair:
    """The queued asynchronous EventService.repair_thread has run (after destroy, max_depth)."""


ThreadAction = (
    Comment
    | DiscardComment
    | UndiscardComment
    | EditComment
    | DestroyComment
    | CreatePoll
    | Vote
    | ChangeVote
    | ClosePoll
    | ReopenPoll
    | CreateOutcome
    | DiscardPoll
    | PinEvent
    | UnpinEvent
    | SetMaxDepth
    | Repair
)
