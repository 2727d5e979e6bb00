"""Build the world of one permission cell on every backend, then send the cell's action.

The world (permission_model): group G (maybe under parent P; a subgroup S for subgroup
members), thread D in G, a comment, a poll with a stance, memberships — seeded through
harness.seed (a World of its own, tagged, so examples never share data) and brought into
the cell's states through the API as G's owner (closing, discarding, voting). The acting
user is "actor". `supported(cell)` says which cells this builder can make. States the API cannot
make come last, through SQL (`aged`): a group archived (in Loomio's console) and a poll
whose closing time passed before the hourly job closed it (expired). An unverified actor is
signed in with a session cookie while verified, then its row's `email_verified` set
false (Devise finds only verified users by password, so HTTP Basic would make it a visitor;
Loomio's rules ask what a signed-in, unverified user may do); a pending invitation the actor sent is the voter's
membership, not accepted, with the actor as its inviter. Revoked members and guests are
seeded rows with `revoked_at` set, but a revoked author of a comment or poll writes it
first, as a member or guest, and is revoked last (`revoked_at` through SQL, as it leaves). A token holder is a visitor who sends G's `group_token` and the
`discussion_reader_token` of "invitee", an active guest of D (permissions.md 3.1 and 3.3:
`LoggedOutUser` reads both from the request's parameters). A poll guest holds the guest
stance `PollService.invite` makes, written through SQL once the poll exists
(`add_poll_guest`).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from harness.backends import Backend, Backends
from harness.http import ApiRequest, ApiResponse
from harness.redact import register_secret
from harness.seed import (
    DiscussionSpec,
    GroupSpec,
    GuestSpec,
    MembershipSpec,
    SeedPlan,
    SqlSeeder,
    UserSpec,
    World,
    build_rows,
    guest_stance,
)
from properties.oracles.permission_rules import Facts
from properties.oracles.permissions import Action, Cell, Config, Role

CLOSING_AT = "2099-06-01T00:00:00.000Z"
DISCUSSION_TARGET = {
    Action.DISCUSSION_UPDATE,
    Action.DISCUSSION_CLOSE,
    Action.DISCUSSION_REOPEN,
    Action.DISCUSSION_PIN,
    Action.DISCUSSION_UNPIN,
    Action.DISCUSSION_DISCARD,
    Action.EVENT_PIN,
}
COMMENT_TARGET = {Action.COMMENT_UPDATE, Action.COMMENT_DISCARD, Action.COMMENT_DESTROY}
READS = (
    Action.GROUP_SHOW,
    Action.GROUP_SUBGROUPS,
    Action.MEMBERSHIPS_INDEX,
    Action.DISCUSSION_SHOW,
    Action.DISCUSSION_LIST,
    Action.EVENTS_INDEX,
    Action.POLL_SHOW,
    Action.PROFILE_ME,
)
MISSING_ID = "99999999"
STANCE_ACTIONS = {Action.STANCE_UPDATE, Action.STANCE_UNCAST}


def disputed(cell: Cell) -> str | None:
    """Cells where the oracle and the reference backend disagree on the clean pair; left out
    (and listed in the suite's report) until their owners settle who is right."""
    return None


def supported(cell: Cell) -> bool:
    c, a = cell.config, cell.actor
    return not (
        (c.parent == "secret" and c.privacy != "closed")
        # an own stance needs an actor who may vote; other actions ignore the (canonical) stance
        or (
            cell.action in STANCE_ACTIONS
            and c.stance.startswith("own")
            and a.role
            not in {
                Role.MEMBER,
                Role.ADMIN,
                Role.DISCUSSION_GUEST,
                Role.PENDING_MEMBER,
                Role.POLL_GUEST,
            }
        )
        or cell.action == Action.PROFILE_INDEX
        or disputed(cell) is not None
        or (
            a.role in (Role.DISCUSSION_GUEST, Role.REVOKED_GUEST)
            and a.author
            and cell.action in DISCUSSION_TARGET
        )  # one reader row per (user, thread)
        or (
            cell.action == Action.OUTCOME_UPDATE and c.poll_state != "closed"
        )  # an outcome needs a closed poll
    )


def _group(
    name: str, privacy: str, parent: str | None, facts: Facts | None, config: Config
) -> GroupSpec:
    visible = privacy != "secret" if facts is None else facts.visible_to_public
    dpo = "private_only" if facts is None else facts.discussion_privacy_options
    granted = {"open": "request", "closed": "approval", "secret": "invitation"}[privacy]
    return GroupSpec(
        name=name,
        parent=parent,
        is_visible_to_public=visible,
        is_visible_to_parent_members=bool(facts and facts.visible_to_parent_members),
        parent_members_can_see_discussions=bool(
            facts and config.parent_members_can_see_discussions
        ),
        discussion_privacy_options=dpo
        if facts
        else ("public_only" if privacy == "open" else "private_only"),
        membership_granted_upon=granted,
        flags=config.flags if facts else (),
    )


def world_of(cell: Cell, tag: str) -> World:
    """The seeded part of the cell's world (API-made states come after)."""
    c, role, action = cell.config, cell.actor.role, cell.action
    facts = Facts(cell.actor, c)
    authors_thread = cell.actor.author and action in DISCUSSION_TARGET
    users = [
        UserSpec(name="actor", site_admin=role == Role.SITE_ADMIN),
        UserSpec(name="owner"),
        UserSpec(name="voter"),
    ]
    groups, members, guests = [], [], []
    if c.grouped:
        if c.parent:
            groups.append(_group("parent", c.parent, None, None, c))
        groups.append(_group("g", c.privacy, "parent" if c.parent else None, facts, c))
        members += [
            MembershipSpec(user="owner", group="g", admin=c.group_has_admins),
            MembershipSpec(
                user="voter",
                group="g",
                accepted=c.membership != "sent_pending",
                inviter="actor" if c.membership == "sent_pending" else None,
            ),
        ]
        if c.parent:
            members.append(MembershipSpec(user="owner", group="parent", admin=True))
        if role in (Role.MEMBER, Role.ADMIN, Role.PENDING_MEMBER):
            members.append(
                MembershipSpec(
                    user="actor",
                    group="g",
                    admin=role == Role.ADMIN,
                    accepted=role != Role.PENDING_MEMBER,
                )
            )
        elif role == Role.REVOKED_MEMBER:
            members.append(MembershipSpec(user="actor", group="g", revoked=not revoked_last(cell)))
        elif role == Role.PARENT_MEMBER:
            members.append(MembershipSpec(user="actor", group="parent"))
        elif role == Role.SUBGROUP_MEMBER:
            groups.append(GroupSpec(name="s", parent="g", is_visible_to_parent_members=True))
            members.append(MembershipSpec(user="actor", group="s"))
            members.append(MembershipSpec(user="owner", group="s", admin=True))
    elif role == Role.MEMBER:  # of some other group
        groups.append(GroupSpec(name="other"))
        members.append(MembershipSpec(user="actor", group="other"))
    discussion = DiscussionSpec(
        name="d",
        author="actor" if authors_thread else "owner",
        group="g" if c.grouped else None,
        private=facts.discussion_private,
    )
    # permissions.md section 1: every invitee of a group-less thread is a reader-admin
    invited = {"discussion": "d", "admin": not c.grouped}
    if role in (Role.DISCUSSION_GUEST, Role.REVOKED_GUEST):
        revoked = role == Role.REVOKED_GUEST and not revoked_last(cell)
        guests.append(GuestSpec(user="actor", revoked=revoked, **invited))
    if role == Role.VISITOR_WITH_TOKEN:  # whose reader token the visitor brings
        users.append(UserSpec(name="invitee"))
        guests.append(GuestSpec(user="invitee", **invited))
    if not c.grouped:
        guests.append(GuestSpec(user="voter", **invited))
        if authors_thread:  # the owner makes the comment and the poll: invited too
            guests.append(GuestSpec(user="owner", **invited))
    return World(
        users=tuple(users),
        groups=tuple(groups),
        memberships=tuple(members),
        discussions=(discussion,),
        guests=tuple(guests),
        tag=f"-{tag}",
    )


@dataclass(slots=True)
class CellWorld:
    """One backend's copy of the world: ids by name, and what the API setup made."""

    backend: Backend
    actors: dict[str, str]  # local name -> client actor key
    ids: dict[str, int]
    salt: str
    tokens: tuple[tuple[str, str], ...] = ()  # parameters the actor sends on every request
    made: dict[str, Any] = field(default_factory=dict)
    setup_failed: str = ""

    def send(self, method: str, path: str, who: str | None, **kw: Any) -> ApiResponse:
        actor = None if who is None else self.actors[who]
        return self.backend.send(ApiRequest(method=method, path=path, actor=actor, **kw))

    def must(self, method: str, path: str, who: str, **kw: Any) -> Any:
        answer = self.send(method, path, who, **kw)
        if answer.status != 200 and not self.setup_failed:
            self.setup_failed = f"{method} {path} as {who} answered {answer.status}"
        return answer.body if isinstance(answer.body, dict) else {}


def add_poll_guest(world: CellWorld, poll_id: int) -> None:
    """Make "actor" a guest of the poll: its invited, uncast guest stance."""
    assert world.backend.seed_dsn, f"cannot seed a poll guest on {world.backend.name}"
    row = guest_stance("actor", poll_id, "owner", salt=world.salt)
    world.ids |= SqlSeeder(world.backend.seed_dsn).add([row], world.ids)


def revoked_last(cell: Cell) -> bool:
    """A revoked actor who authored the cell's comment or poll (made through the API, which
    refuses a revoked member's writes; the thread is seeded): revoked after the setup."""
    revoked = cell.actor.role in (Role.REVOKED_MEMBER, Role.REVOKED_GUEST)
    return revoked and cell.actor.author and cell.action not in DISCUSSION_TARGET


def aged(world: CellWorld, cell: Cell) -> None:
    """The states written last, through SQL: G archived, the poll expired (the API cannot
    make them), and a revoked author's revocation (`revoked_last`)."""
    c = cell.config
    last = c.group_archived or c.poll_state == "expired" or revoked_last(cell)
    if not last or world.setup_failed:
        return
    assert world.backend.seed_dsn, f"cannot age a permission world on {world.backend.name}"
    seeder = SqlSeeder(world.backend.seed_dsn)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)  # the columns hold UTC
    if revoked_last(cell):
        member = cell.actor.role == Role.REVOKED_MEMBER
        table, row = (
            ("memberships", "membership:actor@g")
            if member
            else ("discussion_readers", "reader:actor@d")
        )
        seeder.update(table, world.ids[row], {"revoked_at": now})
    if c.group_archived and "group:g" in world.ids:
        seeder.update("groups", world.ids["group:g"], {"archived_at": now})
    if c.poll_state == "expired" and world.made.get("poll"):
        seeder.update("polls", world.made["poll"], {"closing_at": now - timedelta(days=1)})


def held_tokens(plan: SeedPlan, cell: Cell) -> tuple[tuple[str, str], ...]:
    """The token holder's parameters: G's group token, the invitee's reader token of D."""
    if cell.actor.role != Role.VISITOR_WITH_TOKEN:
        return ()
    values = {row.key: row.values.get("token") for row in plan.rows if row.key}
    found = (
        ("group_token", values.get("group:g")),
        ("discussion_reader_token", values.get("reader:invitee@d")),
    )
    for _, token in found:
        if token:
            register_secret(token)  # a credential: never in a report
    return tuple((name, token) for name, token in found if token)


@contextlib.contextmanager
def seeded(backends: Backends, cell: Cell) -> Iterator[dict[str, CellWorld]]:
    """The cell's seeded world on every backend (actors known only inside the block)."""
    tag = secrets.token_hex(3)
    plan = build_rows(world_of(cell, tag), salt=tag)
    keys = {name: f"{name}#{tag}" for name in plan.actors}
    registered = {keys[n]: a for n, a in plan.actors.items()}
    worlds: dict[str, CellWorld] = {}
    by_dsn: dict[str, dict[str, int]] = {}
    by_session = {keys["actor"]} if not cell.actor.verified else set()
    for backend in backends:
        assert backend.seed_dsn, f"cannot seed a permission world on {backend.name}"
        if backend.seed_dsn not in by_dsn:
            by_dsn[backend.seed_dsn] = SqlSeeder(backend.seed_dsn).seed(plan)
        backend.client.add_actors(
            {k: a for k, a in registered.items() if k not in by_session}, auth="basic"
        )
        backend.client.add_actors({k: registered[k] for k in by_session}, auth="cookie")
        for key in by_session:
            backend.client.signed_in(key)  # while verified: Devise signs in verified users only
        worlds[backend.name] = CellWorld(
            backend, keys, dict(by_dsn[backend.seed_dsn]), tag, held_tokens(plan, cell)
        )
    if by_session:
        for dsn, ids in by_dsn.items():
            SqlSeeder(dsn).update("users", ids["user:actor"], {"email_verified": False})
    try:
        yield worlds
    finally:
        for backend in backends:
            backend.client.remove_actors(list(registered))
