"""Noise for the lockstep suite: learned Diffy-style on the rails side, plus declared.

Learned: the harness starts one instance per side, so two instances of the reference side
are had as two fresh scopes on the rails backend. A fixed script of lockstep actions (every
action kind, every poll type, the reads) is replayed in each; each scope's unique tag (in
emails, handles, names) is replaced by one placeholder, and what still differs between the
two replays' normalized answers is noise (harness.noise.learn_noise).

Declared: JSON Pointer patterns (`*` one segment, `**` any) in contracts/ignore.yaml, a
file users edit, or the file named by the `PARITY_IGNORE_FILE` path given to `load_declared`.
Both kinds are handed to the report (Recorder.exclude) and named in every finding.

Data parity (harness/data_check.py) learns the same way: the rows each replay left in the
rails database, compared as two sides' rows are; its declared ignores are `data:` entries of
the same file, `table` or `table.column` (`users.last_seen_at`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from contracts import votes
from contracts.differential import BARE_ROWS, EVENT_COLLECTIONS, Ref
from contracts.lockstep import LockstepMachine, LockstepRun
from harness.backends import Backends
from harness.data_check import DataParity, listed
from harness.data_parity import compare_sides, side_data
from harness.errors import HarnessError
from harness.http import ApiResponse
from harness.noise import NoiseField, declared_noise, learn_noise, learned_fields
from harness.normalize import CanonicalIds
from harness.rows import Rows
from harness.vocabulary import Vocabulary

IGNORE_FILE = Path(__file__).with_name("ignore.yaml")
TAG = "<scope-tag>"


def load_declared(path: Path = IGNORE_FILE) -> list[NoiseField]:
    """The declared ignore patterns: `ignore: [/discussions/*/seen_by_count, ...]`."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {} if path.is_file() else {}
    patterns = data.get("ignore") or [] if isinstance(data, dict) else None
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise HarnessError(
            f"{path}: `ignore` must be a list of JSON Pointer strings, e.g. "
            "ignore: [/discussions/*/last_activity_at]"
        )
    return declared_noise(patterns)


def noise_script(machine: LockstepMachine) -> None:
    """Every action kind once, in an order that gives each a target."""
    thread = machine.seeded["discussion:thread"]
    made = _made(machine.create_discussion("admin", "Budget 2025", 2, True, ["budget"]))
    machine.show_discussion("member", made, by_key=True)
    first = machine.comment("member", made, {"body": "Hello", "content_locale": "en"})
    reply = machine.reply("other_member", first, {"body": "I agree with this."})
    machine.reply("admin", reply, {"body": "deeper"})
    machine.change_comment("other_member", reply, "edited")
    machine.change_comment("other_member", reply, "edited again", method="PUT")
    machine.comment_event("member", reply, by_key=True)
    machine.comment("guest", thread, {"body": "a guest speaks"})
    for poll_type in votes.POLL_TYPES:
        body: dict[str, Any] = {
            "title": f"A {poll_type} poll",
            "poll_type": poll_type,
            "closing_at": votes.CLOSING_AT,
        }
        body |= {"options": votes.OPTIONS[poll_type]} if votes.OPTIONS[poll_type] else {}
        body |= {"dots_per_person": 8} if poll_type == "dot_vote" else {}
        poll = _made(machine.make_poll("admin", made, body))
        options = machine.options.get(poll, [])
        choices = [{"poll_option_id": Ref(o), "score": 1} for o in options[:1]]
        stance = machine.make_stance(
            "member",
            poll,
            {"reason": "Because it is cheaper.", "stance_choices_attributes": choices},
        )
        machine.show_poll("other_member", poll, by_key=False)
        machine.stances_index("admin", poll)
        if poll_type == "proposal":
            machine.change_vote("member", stance, _fixed(choices))
            machine.uncast("member", stance)
            machine.close_or_reopen_poll("admin", poll, "close")
            outcome = machine.make_outcome(
                "admin",
                poll,
                {
                    "statement": "We agreed.",
                    "statement_format": "md",
                    "review_on": "2027-03-01",
                    "poll_option_id": Ref(options[0]),
                    "event_summary": "Kick-off",
                    "event_location": "Town hall",
                },
            )
            machine.change_outcome("admin", outcome, {"statement": "Mostly.", "review_on": ""})
            machine.close_or_reopen_poll("admin", poll, "reopen")
            machine.edit_poll("admin", poll, "A proposal, edited", "Details", method="PUT", tags=[])
            machine.discard_poll("admin", poll)
    machine.remove_comment("other_member", reply, destroy=False)
    machine.events_index(
        "member", made, {"per": "5", "order_by": "sequence_id", "order_desc": "true"}, by_key=False
    )
    machine.events_index(None, thread, {}, by_key=False)
    for page in ("around", "comment", "position"):
        machine.client_page("member", made, page, 5, 1)
    machine.thread_outline("member", made, "position_keys")
    machine.thread_outline("member", made, "timeline")
    machine.edit_discussion("admin", made, "Budget 2026", 3, tags=["budget", "2025"])
    machine.close_or_reopen_discussion("admin", made, "close")
    machine.close_or_reopen_discussion("admin", made, "reopen")
    machine.pin_or_unpin_discussion("admin", thread, "pin")
    machine.discussions_index("member", None)
    machine.discussions_index(None, "all")
    machine.pin_or_unpin_discussion("admin", thread, "unpin")
    subgroup = _made(machine.create_subgroup("admin", "Working group", "closed"))
    machine.edit_group("admin", subgroup, "Working group 2", None)
    machine.subgroups("member", machine.seeded["group:group"])
    machine.show_group(None, machine.seeded["group:group"])
    machine.promote_or_demote("admin", "member", "make_admin")
    machine.promote_or_demote("admin", "member", "remove_admin")
    for _ in range(2):  # signing out rotates secret_token: the second sign-in shows a new one
        machine.sign_in("signer", "upper", right=True, basic=False)
    machine.show_profile("member")
    machine.memberships_index("member")
    machine.groups_index("member", "memberships_count")
    machine.discard_discussion("admin", made)


def _made(created: object) -> str:
    """A record the script just made; the script cannot go on without it."""
    if not isinstance(created, str):
        raise HarnessError(
            "noise learning: a create step of the noise script made nothing on the rails side; "
            "see the rails log, or shorten contracts.noise_learning.noise_script"
        )
    return created


class _fixed:
    """A stand-in for st.data() that hands back one prepared value."""

    def __init__(self, choices: list[dict[str, object]]) -> None:
        self.value = {"reason": "", "stance_choices_attributes": choices}

    def draw(self, strategy: object, label: str = "") -> object:
        return self.value


@dataclass(frozen=True, slots=True, kw_only=True)
class Noise:
    """What the comparison leaves out: declared patterns everywhere, learned ones per operation
    (a pattern learned on `GET /api/v1/events/timeline` says nothing about other answers)."""

    declared: tuple[NoiseField, ...] = ()
    learned: Mapping[str, tuple[NoiseField, ...]] = field(default_factory=dict)
    data: tuple[NoiseField, ...] = ()  # data parity's, learned and declared (`/table/*/column`)

    def for_operation(self, operation: str) -> tuple[NoiseField, ...]:
        return (*self.learned.get(operation, ()), *self.declared)

    def listed(self) -> list[NoiseField]:
        """Every field as the report lists it (learned ones name their operation)."""
        learned = [f for _, fields in sorted(self.learned.items()) for f in fields]
        return [*learned, *self.declared, *listed(self.data)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Replay:
    """One replay of the script: the calls and rails' answers."""

    operations: tuple[str, ...]
    answers: tuple[ApiResponse, ...]
    rows: Rows | None = None  # what it left in the rails database (with data parity)
    ids: CanonicalIds | None = None  # the rails side's names of the replay


def replay(
    backends: Backends,
    script: Callable[[LockstepMachine], None],
    vocabulary: Vocabulary | None = None,
    data: DataParity | None = None,
) -> Replay:
    """Rails' answers to `script` in a fresh scope, the scope's tag replaced by one placeholder
    (and, with `data`, the rows it left in the rails database)."""
    machine = LockstepMachine(
        LockstepRun(backends=backends, solo=True, vocabulary=vocabulary, data=data)
    )
    try:
        script(machine)
    finally:
        machine.teardown()
    tag = machine.scope.tag
    return Replay(
        operations=tuple(call.operation for call in machine.lockstep.calls),
        answers=tuple(_untagged(answer, tag) for answer in machine.lockstep.answers),
        rows=_untagged_value(machine.data_rows, tag),
        ids=machine.lockstep.rails.ids,
    )


def _untagged_value(value: Any, tag: str) -> Any:
    if isinstance(value, str):
        return value.replace(tag, TAG)
    if isinstance(value, dict):
        return {k: _untagged_value(v, tag) for k, v in value.items()}
    if isinstance(value, list):
        return [_untagged_value(v, tag) for v in value]
    return value


def _untagged(answer: ApiResponse, tag: str) -> ApiResponse:
    text = answer.text.replace(tag, TAG)
    return replace(
        answer, text=text, body=ApiResponse.decode(text) if answer.body is not None else None
    )


def learn(
    backends: Backends,
    script: Callable[[LockstepMachine], None] = noise_script,
    vocabulary: Vocabulary | None = None,
    data: DataParity | None = None,
) -> Noise:
    """Noise patterns per operation (and of the rows, with `data`): what differs between two
    replays of `script` on rails."""
    first = replay(backends, script, vocabulary, data)
    second = replay(backends, script, vocabulary, data)
    if first.operations != second.operations:
        raise HarnessError(
            "noise learning: two replays of the same script on the rails side made different "
            f"calls ({len(first.operations)} vs {len(second.operations)}); a step failed in one"
        )
    return Noise(
        learned=learn_from(first, second, vocabulary),
        data=learn_data(first, second, vocabulary),
    )


def learn_data(
    first: Replay, second: Replay, vocabulary: Vocabulary | None = None
) -> tuple[NoiseField, ...]:
    """Patterns of what differs between the rows two replays left (none without rows)."""
    if first.rows is None or second.rows is None or first.ids is None or second.ids is None:
        return ()
    a = side_data(first.rows, first.ids, vocabulary)
    b = side_data(second.rows, second.ids, vocabulary)
    return learned_fields("data parity", compare_sides(a, b))


def learn_from(
    first: Replay, second: Replay, vocabulary: Vocabulary | None = None
) -> dict[str, tuple[NoiseField, ...]]:
    """The pure part of `learn`: the two replays compared step by step, per operation."""
    steps = zip(first.operations, first.answers, second.answers, strict=True)
    return learn_noise(
        [list(steps)], ordered=EVENT_COLLECTIONS, columns=BARE_ROWS, vocabulary=vocabulary
    )


def as_json(noise: Noise) -> str:
    """The listed patterns as one JSON line."""
    return json.dumps(
        [{"pattern": n.key, "source": n.source, "seen": n.seen} for n in noise.listed()]
    )
