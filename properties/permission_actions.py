"""Bring a seeded cell world into the cell's states through the API, then act as the actor."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from properties.oracles.permission_rules import Facts
from properties.oracles.permissions import (
    ENDPOINTS,
    Action,
    Cell,
    Config,
    Role,
    canonical,
    decide,
    inapplicable,
)
from properties.permission_world import (
    CLOSING_AT,
    COMMENT_TARGET,
    DISCUSSION_TARGET,
    MISSING_ID,
    READS,
    CellWorld,
    add_poll_guest,
    aged,
    supported,
)

POLL_TARGET = {
    Action.POLL_SHOW,
    Action.POLL_UPDATE,
    Action.POLL_CLOSE,
    Action.POLL_REOPEN,
    Action.POLL_DISCARD,
    Action.OUTCOME_CREATE,
    Action.OUTCOME_UPDATE,
}
STANCE_TARGET = {Action.STANCE_UPDATE, Action.STANCE_UNCAST}


def describe(config: Config) -> str:
    """The settings that differ from the default configuration: `privacy=secret, poll_state=closed`."""
    base = Config()
    return (
        ", ".join(
            f"{f.name}={getattr(config, f.name)!r}"
            for f in fields(Config)
            if getattr(config, f.name) != getattr(base, f.name)
        )
        or "defaults"
    )


def reads_alongside(cell: Cell) -> list[Cell]:
    """The read cells the cell's world also answers, the cell itself last.

    `Actor.author` means the actor authored the *cell's* target (`prepare` makes only that
    record as the actor), so a read of another record keeps the flag only when it targets
    the same record: poll_show as "author" in a world whose poll the owner made is not a
    cell of that world.
    """
    extra = [
        canonical(Cell(cell.actor, cell.config, a))
        for a in READS
        if a != cell.action and (not cell.actor.author or _same_target(a, cell.action))
    ]
    return [c for c in extra if inapplicable(c) is None and supported(c)] + [cell]


# Writes whose target every prepared world has (stances and outcomes only some worlds).
PROBED_WRITES = (
    Action.DISCUSSION_CREATE,
    Action.DISCUSSION_UPDATE,
    Action.DISCUSSION_CLOSE,
    Action.DISCUSSION_PIN,
    Action.DISCUSSION_DISCARD,
    Action.EVENT_PIN,
    Action.COMMENT_CREATE,
    Action.COMMENT_UPDATE,
    Action.COMMENT_DISCARD,
    Action.COMMENT_DESTROY,
    Action.POLL_CREATE,
    Action.POLL_UPDATE,
    Action.POLL_CLOSE,
    Action.POLL_REOPEN,
    Action.POLL_DISCARD,
    Action.VOTE,
    Action.OUTCOME_CREATE,
    Action.MEMBERSHIP_MAKE_ADMIN,
    Action.MEMBERSHIP_REMOVE_ADMIN,
    Action.MEMBERSHIP_DESTROY,
)


def denied_probes(cell: Cell) -> list[Cell]:
    """Writes the actor must be refused in the cell's world: sending them changes nothing on
    a correct backend, and a wrongly allowed one is a permission gap (a member closing
    another's poll). Same author rule as `reads_alongside`."""
    probes = [
        canonical(Cell(cell.actor, cell.config, a))
        for a in PROBED_WRITES
        if a != cell.action and (not cell.actor.author or _same_target(a, cell.action))
    ]
    return [
        c for c in probes if inapplicable(c) is None and supported(c) and decide(c).status >= 400
    ]


def _same_target(a: Action, b: Action) -> bool:
    return any(a in t and b in t for t in (POLL_TARGET, COMMENT_TARGET, DISCUSSION_TARGET))


def _first_event(body: dict[str, Any], kind: str) -> int | None:
    return next((e["id"] for e in body.get("events", []) if e.get("kind") == kind), None)


def prepare(world: CellWorld, cell: Cell) -> None:
    """Comment, poll, stance, outcome, closes and discards the cell needs (setup_failed if not)."""
    c, action, author = cell.config, cell.action, cell.actor.author
    ids, made = world.ids, world.made
    d = ids["discussion:d"]
    thread_author = "actor" if author and action not in COMMENT_TARGET | POLL_TARGET else "owner"
    by = "actor" if author and action in COMMENT_TARGET else "owner"
    body = world.must(
        "POST", "/api/v1/comments", by, json={"comment": {"discussion_id": d, "body": "A comment."}}
    )
    made["comment"] = (body.get("comments") or [{}])[0].get("id")
    made["event"] = _first_event(body, "new_comment")
    if c.comment_has_replies:
        reply = {
            "discussion_id": d,
            "body": "A reply.",
            "parent_type": "Comment",
            "parent_id": made["comment"],
        }
        world.must("POST", "/api/v1/comments", "owner", json={"comment": reply})
    poll_author = "actor" if author and action in POLL_TARGET else "owner"
    poll = {
        "title": "A poll",
        "poll_type": "proposal",
        "discussion_id": d,
        "options": ["agree", "disagree"],
        "anonymous": c.anonymous,
        "specified_voters_only": c.specified_voters_only,
        "closing_at": None if c.poll_state == "wip" else CLOSING_AT,
    }
    body = world.must("POST", "/api/v1/polls", poll_author, json={"poll": poll})
    made["poll"] = (body.get("polls") or [{}])[0].get("id")
    made["option"] = min((o["id"] for o in body.get("poll_options", [])), default=0)
    if cell.actor.role == Role.POLL_GUEST and made["poll"]:
        add_poll_guest(world, made["poll"])
    if action in STANCE_TARGET:
        voter = "voter" if c.stance == "other" else "actor"
        vote = {
            "poll_id": made["poll"],
            "stance_choices_attributes": [{"poll_option_id": made["option"], "score": 1}],
        }
        body = world.must("POST", "/api/v1/stances", voter, json={"stance": vote})
        made["stance"] = next(
            (s["id"] for s in body.get("stances", []) if s.get("latest", True)), None
        )
        if c.stance == "own_uncast" and made["stance"]:
            body = world.must("PATCH", f"/api/v1/stances/{made['stance']}/uncast", "actor")
            made["stance"] = next(
                (
                    s["id"]
                    for s in body.get("stances", [])
                    if s.get("latest", True) and s.get("cast_at") is None
                ),
                None,
            )
    if c.poll_state == "closed":
        world.must("POST", f"/api/v1/polls/{made['poll']}/close", poll_author)
    if action == Action.OUTCOME_UPDATE:
        outcome = {"poll_id": made["poll"], "statement": "Decided."}
        body = world.must("POST", "/api/v1/outcomes", poll_author, json={"outcome": outcome})
        made["outcome"] = (body.get("outcomes") or [{}])[0].get("id")
    if c.poll_discarded:
        world.must("DELETE", f"/api/v1/polls/{made['poll']}/discard", poll_author)
    if c.discussion_closed:
        world.must("PATCH", f"/api/v1/discussions/{d}/close", thread_author)
    if c.discussion_discarded:
        world.must("DELETE", f"/api/v1/discussions/{d}/discard", thread_author)
    aged(world, cell)


def request_of(world: CellWorld, cell: Cell) -> tuple[str, str, tuple[tuple[str, str], ...], Any]:
    """(method, path, query, JSON body) of the cell's action in this world."""
    ids, made, c = world.ids, world.made, cell.config
    member = "actor" if c.membership == "own" else "voter"
    values = {
        "group": ids.get("group:g"),
        "membership": ids.get(f"membership:{member}@g"),
        "discussion": ids["discussion:d"],
        "discussion_key": ids["discussion:d"],
        "event": made.get("event"),
        "comment": made.get("comment"),
        "poll": made.get("poll"),
        "poll_key": made.get("poll"),
        "stance": made.get("stance"),
        "outcome": made.get("outcome"),
    }
    if c.missing:
        values = dict.fromkeys(values, MISSING_ID)
    method, template = ENDPOINTS[cell.action]
    path, _, query = template.format(**values).partition("?")
    params = tuple(tuple(p.split("=", 1)) for p in query.split("&") if p)
    # api-envelope.md 5, discussions#index: `filter` = `all` | `closed` / `show_closed` | anything
    # else (open only); `all` so that a closed thread is listed whenever it is visible.
    if cell.action == Action.DISCUSSION_LIST:
        params += (("filter", "all"),)
    return method, path, params, _body(cell, ids, made)  # type: ignore[return-value]  # pairs


def _body(cell: Cell, ids: dict[str, int], made: dict[str, Any]) -> Any:
    d, poll = ids["discussion:d"], made.get("poll")
    choice = [{"poll_option_id": made.get("option"), "score": 1}]
    return {
        Action.DISCUSSION_CREATE: {
            "discussion": {
                "title": "A new thread",
                "group_id": ids.get("group:g"),
                "private": Facts(cell.actor, cell.config).discussion_private,
            }
        },
        Action.DISCUSSION_UPDATE: {"discussion": {"title": "Renamed"}},
        Action.COMMENT_CREATE: {"comment": {"discussion_id": d, "body": "Hello."}},
        Action.COMMENT_UPDATE: {"comment": {"body": "Edited."}},
        Action.POLL_CREATE: {
            "poll": {
                "title": "Another",
                "poll_type": "proposal",
                "discussion_id": d,
                "options": ["agree", "disagree"],
                "closing_at": CLOSING_AT,
            }
        },
        Action.POLL_UPDATE: {"poll": {"title": "Renamed poll"}},
        Action.POLL_REOPEN: {"poll": {"closing_at": CLOSING_AT}},
        Action.VOTE: {"stance": {"poll_id": poll, "stance_choices_attributes": choice}},
        Action.STANCE_UPDATE: {"stance": {"stance_choices_attributes": choice}},
        Action.OUTCOME_CREATE: {"outcome": {"poll_id": poll, "statement": "Decided."}},
        Action.OUTCOME_UPDATE: {"outcome": {"statement": "Changed."}},
    }.get(cell.action)
