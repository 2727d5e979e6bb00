"""What the backends start with: a `World` of users, groups, memberships, discussions, guests.

`World` is a pure description. `build_rows(world)` turns it into Loomio rows (table, values,
references to other rows) once, so every database gets byte-identical data. A `Seeder`
writes those rows into one backend: `SqlSeeder` through SQL on Loomio's tables (it writes
the columns a Rails create would, filling every NOT NULL column that has no default); a
backend with another schema plugs in its own seeder (see `harness.recipe`).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import bcrypt
import psycopg
from psycopg import sql
from psycopg.types.json import Jsonb

from harness.actors import Actor
from harness.errors import HarnessError
from harness.redact import redact_url, register_secret

BCRYPT_COST = 4  # Devise's test-environment cost: seeding stays fast


class SeedError(HarnessError):
    """The world could not be written into a backend's database."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSpec:
    name: str  # the actor's name in suites: "admin", "member", ...
    site_admin: bool = False
    verified: bool = True
    deactivated: bool = False  # deactivated_at set, as UserService.deactivate leaves it


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupSpec:
    """A group; the defaults are a Loomio "closed" group (visible, private threads)."""

    name: str
    parent: str | None = None
    is_visible_to_public: bool = True
    is_visible_to_parent_members: bool = False
    parent_members_can_see_discussions: bool = False
    discussion_privacy_options: str = "private_only"
    membership_granted_upon: str = "approval"
    listed_in_explore: bool = False
    flags: tuple[
        tuple[str, bool], ...
    ] = ()  # members_can_* overrides: (("members_can_add_members", True),)
    # False: a top-level group from before subscriptions (subscription_id null; the
    # serializer answers the free plan's defaults)
    subscribed: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class MembershipSpec:
    user: str
    group: str
    admin: bool = False
    accepted: bool = True  # False = a pending invitation (it still counts as membership)
    revoked: bool = False  # revoked_at set: the row exists but is no membership (left, removed)
    inviter: str | None = None  # the user who sent the invitation (inviter_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscussionSpec:
    name: str
    author: str
    group: str | None  # None = a group-less ("direct") discussion
    private: bool = True
    root_event: bool = True  # False = a legacy thread without its new_discussion event


@dataclass(frozen=True, slots=True, kw_only=True)
class GuestSpec:
    """A discussion guest: a discussion_readers row with guest = true."""

    user: str
    discussion: str
    admin: bool = False
    revoked: bool = False  # revoked_at set: a former guest


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    """Everything seeded: names are how suites refer to objects (`ids["group:main"]`)."""

    users: tuple[UserSpec, ...]
    groups: tuple[GroupSpec, ...] = ()
    memberships: tuple[MembershipSpec, ...] = ()
    discussions: tuple[DiscussionSpec, ...] = ()
    guests: tuple[GuestSpec, ...] = ()
    email_domain: str = "parity.example.com"
    tag: str = ""  # appended to emails, handles and titles so several worlds can coexist


def default_world() -> World:
    """The session world: the actors of permissions.md §1 around a closed group."""
    return World(
        users=(
            UserSpec(name="site_admin", site_admin=True),
            UserSpec(name="admin"),
            UserSpec(name="member"),
            UserSpec(name="subgroup_member"),
            UserSpec(name="guest"),
            UserSpec(name="stranger"),
            UserSpec(name="unverified", verified=False),
        ),
        groups=(
            GroupSpec(name="main"),
            GroupSpec(name="sub", parent="main", is_visible_to_parent_members=True),
            GroupSpec(
                name="open",
                discussion_privacy_options="public_only",
                listed_in_explore=True,
                membership_granted_upon="request",
            ),
            GroupSpec(
                name="secret",
                is_visible_to_public=False,
                membership_granted_upon="invitation",
            ),
        ),
        memberships=(
            MembershipSpec(user="admin", group="main", admin=True),
            MembershipSpec(user="member", group="main"),
            MembershipSpec(user="subgroup_member", group="main"),
            MembershipSpec(user="subgroup_member", group="sub", admin=True),
            MembershipSpec(user="admin", group="open", admin=True),
            MembershipSpec(user="member", group="open"),
            MembershipSpec(user="admin", group="secret", admin=True),
        ),
        discussions=(
            DiscussionSpec(name="main_private", author="admin", group="main"),
            DiscussionSpec(name="sub_private", author="subgroup_member", group="sub"),
            DiscussionSpec(name="open_public", author="admin", group="open", private=False),
            DiscussionSpec(name="secret_private", author="admin", group="secret"),
            DiscussionSpec(name="direct", author="admin", group=None),
        ),
        guests=(
            GuestSpec(user="guest", discussion="main_private"),
            GuestSpec(user="member", discussion="direct", admin=True),
        ),
    )


@dataclass(frozen=True, slots=True)
class Ref:
    """The id of another seeded row, resolved at insert time: Ref("user:admin")."""

    key: str


@dataclass(frozen=True, slots=True)
class Row:
    table: str
    key: str | None  # name under which the new id is recorded ("group:main"); None = unnamed
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SeedPlan:
    """Rows built once from a World; the actors with their (secret) passwords."""

    world: World
    rows: tuple[Row, ...]
    actors: Mapping[str, Actor]


class Seeder(Protocol):
    """Writes a planned world into one backend and returns the ids it got, by name."""

    def seed(self, plan: SeedPlan) -> dict[str, int]: ...


def _key(*parts: str) -> str:
    """A stable 8-character url key (Loomio's ReadableUnguessableUrls length)."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:8]


def build_rows(world: World, *, salt: str | None = None) -> SeedPlan:
    """Pure-ish: the rows Rails would create for `world` (passwords random, hashed once)."""
    salt = salt or secrets.token_hex(4)
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    stamp = {"created_at": now, "updated_at": now}
    actors = {u.name: _actor(u, world, salt) for u in world.users}
    rows: list[Row] = []
    for user in world.users:
        rows.append(_user_row(user, actors[user.name], salt, stamp, world))
    counts = _group_counts(world)
    for group in _parents_first(world.groups):
        rows.extend(_group_rows(group, world, salt, stamp, counts[group.name]))
    for m in world.memberships:
        values = {
            "group_id": Ref(f"group:{m.group}"),
            "user_id": Ref(f"user:{m.user}"),
            "admin": m.admin,
            "accepted_at": now if m.accepted else None,
            "revoked_at": now if m.revoked else None,
            "inviter_id": Ref(f"user:{m.inviter}") if m.inviter else None,
            "token": _key(salt, "membership", m.user, m.group) * 3,
            "volume": 2,
            "experiences": Jsonb({}),
            **stamp,
        }
        rows.append(Row("memberships", f"membership:{m.user}@{m.group}", values))
    for d in world.discussions:
        rows.extend(_discussion_rows(d, world, salt, stamp))
    for g in world.guests:
        reader = _reader(g.user, g.discussion, guest=True, admin=g.admin, stamp=stamp, salt=salt)
        reader["revoked_at"] = stamp["created_at"] if g.revoked else None
        rows.append(Row("discussion_readers", f"reader:{g.user}@{g.discussion}", reader))
    return SeedPlan(world=world, rows=tuple(rows), actors=actors)


def _actor(user: UserSpec, world: World, salt: str) -> Actor:
    password = secrets.token_urlsafe(12)
    register_secret(password)
    email = f"{user.name}{world.tag}-{salt}@{world.email_domain}".lower()
    return Actor(name=user.name, email=email, password=password, verified=user.verified)


def _user_row(user: UserSpec, actor: Actor, salt: str, stamp: dict[str, Any], world: World) -> Row:
    hashed = bcrypt.hashpw(actor.password.encode(), bcrypt.gensalt(BCRYPT_COST)).decode()
    memberships = sum(1 for m in world.memberships if m.user == user.name)
    display = user.name.replace("_", " ").title()
    values = {
        "email": actor.email,
        "name": display,
        "username": f"{user.name}{world.tag}{salt}".replace("_", "").lower(),
        "encrypted_password": hashed,
        "email_verified": user.verified,
        "is_admin": user.site_admin,
        "key": _key(salt, "user", user.name),
        "avatar_kind": "initials",
        "avatar_initials": "".join(w[0] for w in display.split())[:3].upper(),
        "unsubscribe_token": _key(salt, "unsub", user.name) * 3,
        "email_api_key": _key(salt, "email_api", user.name) * 2,
        "secret_token": _key(salt, "secret", user.name) * 4,
        "time_zone": "UTC",
        "selected_locale": None,
        "memberships_count": memberships,
        "legal_accepted_at": stamp["created_at"] if user.verified else None,
        "deactivated_at": stamp["created_at"] if user.deactivated else None,
        "experiences": Jsonb({}),
        "attachments": Jsonb([]),
        "link_previews": Jsonb([]),
        **stamp,
    }
    return Row("users", f"user:{user.name}", values)


def _parents_first(groups: Iterable[GroupSpec]) -> list[GroupSpec]:
    return sorted(groups, key=lambda g: g.parent is not None)


def _group_counts(world: World) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for g in world.groups:
        ms = [m for m in world.memberships if m.group == g.name and not m.revoked]
        ds = [d for d in world.discussions if d.group == g.name]
        counts[g.name] = {
            "memberships_count": sum(m.accepted for m in ms),
            "pending_memberships_count": sum(not m.accepted for m in ms),
            "admin_memberships_count": sum(m.admin for m in ms),
            "subgroups_count": sum(1 for s in world.groups if s.parent == g.name),
            "discussions_count": len(ds),
            "open_discussions_count": len(ds),
            "public_discussions_count": sum(not d.private for d in ds),
        }
    return counts


def _group_rows(
    g: GroupSpec, world: World, salt: str, stamp: dict[str, Any], counts: dict[str, int]
) -> list[Row]:
    rows: list[Row] = []
    title = f"{g.name.title()} group{world.tag}"
    parent = next((p for p in world.groups if p.name == g.parent), None)
    creator = next((m.user for m in world.memberships if m.group == g.name and m.admin), None)
    values: dict[str, Any] = {
        "name": title,
        "full_name": f"{parent.name.title()} group{world.tag} - {title}" if parent else title,
        "parent_id": Ref(f"group:{g.parent}") if g.parent else None,
        "handle": None if g.parent else f"{g.name}{world.tag}-{salt}".replace("_", "-").lower(),
        "key": _key(salt, "group", g.name),
        "token": _key(salt, "group-token", g.name) * 3,
        "creator_id": Ref(f"user:{creator}") if creator else None,
        "description": f"The {g.name} group.",
        "description_format": "md",
        "is_visible_to_public": g.is_visible_to_public,
        "is_visible_to_parent_members": g.is_visible_to_parent_members,
        "parent_members_can_see_discussions": g.parent_members_can_see_discussions,
        "discussion_privacy_options": g.discussion_privacy_options,
        "membership_granted_upon": g.membership_granted_upon,
        "listed_in_explore": g.listed_in_explore,
        "attachments": Jsonb([]),
        "info": Jsonb({}),
        "link_previews": Jsonb([]),
        **dict(g.flags),
        **counts,
        **stamp,
    }
    if not g.parent and g.subscribed:  # Loomio gives top-level groups one (free plan here)
        subscription = {"plan": "free", "state": "active", "owner_id": values["creator_id"]}
        rows.append(Row("subscriptions", f"subscription:{g.name}", {**subscription, **stamp}))
        values["subscription_id"] = Ref(f"subscription:{g.name}")
    rows.append(Row("groups", f"group:{g.name}", values))
    return rows


def _discussion_rows(
    d: DiscussionSpec, world: World, salt: str, stamp: dict[str, Any]
) -> list[Row]:
    group = next((g for g in world.groups if g.name == d.group), None)
    values = {
        "group_id": Ref(f"group:{d.group}") if d.group else None,
        "author_id": Ref(f"user:{d.author}"),
        "title": f"{d.name.replace('_', ' ').capitalize()} thread{world.tag}",
        "description": f"Seeded discussion {d.name}.",
        "description_format": "md",
        "private": d.private,
        "key": _key(salt, "discussion", d.name),
        "last_activity_at": stamp["created_at"],
        "max_depth": 3 if group else 2,
        "newest_first": False,
        "ranges_string": "",
        "attachments": Jsonb([]),
        "info": Jsonb({}),
        "link_previews": Jsonb([]),
        "tags": [],
        **stamp,
    }
    event = {
        "kind": "new_discussion",
        "eventable_type": "Discussion",
        "eventable_id": Ref(f"discussion:{d.name}"),
        "user_id": Ref(f"user:{d.author}"),
        "discussion_id": None,  # the root event has no discussion_id (threading.md §2)
        "custom_fields": Jsonb({}),
        **stamp,
    }
    # DiscussionService.create: the author reads as an admin, and as a guest when there is no group
    author = _reader(d.author, d.name, guest=d.group is None, admin=True, stamp=stamp, salt=salt)
    root = [Row("events", f"event:new_discussion:{d.name}", event)] if d.root_event else []
    return [
        Row("discussions", f"discussion:{d.name}", values),
        *root,
        Row("discussion_readers", f"reader:{d.author}@{d.name}", author),
    ]


def _reader(
    user: str, discussion: str, *, guest: bool, admin: bool, stamp: dict[str, Any], salt: str
) -> dict[str, Any]:
    return {
        "user_id": Ref(f"user:{user}"),
        "discussion_id": Ref(f"discussion:{discussion}"),
        "guest": guest,
        "admin": admin,
        "volume": 2,
        "accepted_at": stamp["created_at"],
        "token": _key(salt, "reader", user, discussion) * 3,
        **stamp,
    }


def guest_stance(user: str, poll_id: int, inviter: str, *, salt: str) -> Row:
    """A poll guest: the undecided stance `PollService.invite` gives a user who is neither a
    member of the poll's group nor a guest of its thread (`guest = true`, latest, uncast)."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    values = {
        "poll_id": poll_id,
        "participant_id": Ref(f"user:{user}"),
        "inviter_id": Ref(f"user:{inviter}"),
        "guest": True,
        "latest": True,
        "admin": False,
        "volume": 2,
        "reason_format": "md",
        "token": _key(salt, "stance", user, str(poll_id)) * 3,
        "attachments": Jsonb([]),
        "link_previews": Jsonb([]),
        "option_scores": Jsonb({}),
        "created_at": now,
        "updated_at": now,
    }
    return Row("stances", f"stance:{user}@{poll_id}", values)


@dataclass(slots=True)
class SqlSeeder:
    """Writes a SeedPlan through SQL into the database at `dsn`, in one transaction."""

    dsn: str
    _columns: dict[str, dict[str, tuple[bool, bool]]] = field(default_factory=dict)

    def seed(self, plan: SeedPlan) -> dict[str, int]:
        """Insert every row (only the columns the table has); returns ids by row key."""
        return self.add(plan.rows, {})

    def add(self, rows: Iterable[Row], known: Mapping[str, int]) -> dict[str, int]:
        """Insert `rows` in one transaction, their `Ref`s resolved from `known` and from each
        other (rows for records an API call made first: a poll's guest stance)."""
        ids = dict(known)
        with psycopg.connect(self.dsn) as conn:
            self._columns = _table_columns(conn)
            for row in rows:
                if row.table not in self._columns:
                    if row.table in {"subscriptions", "events"}:
                        continue  # optional in a reduced schema; users..readers are not
                    raise SeedError(
                        f"{redact_url(self.dsn)}: table {row.table} does not exist. "
                        "Run the backend's prepare step (--rails-prepare / "
                        "--go-prepare) before seeding."
                    )
                new_id = self._insert(conn, row, ids)
                if row.key:
                    ids[row.key] = new_id
        return {k: v for k, v in ids.items() if k not in known}

    def update(self, table: str, row_id: int, values: Mapping[str, Any]) -> None:
        """Set columns of one row: a state the API cannot make (a group archived in the
        console, a poll whose closing time passed before the hourly job closed it)."""
        query = sql.SQL("UPDATE {} SET {} WHERE id = %s").format(
            sql.Identifier(table),
            sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(k)) for k in values),
        )
        with psycopg.connect(self.dsn) as conn:
            if conn.execute(query, [*values.values(), row_id]).rowcount != 1:
                raise SeedError(f"{redact_url(self.dsn)}: no {table} row with id {row_id}")

    def _insert(self, conn: psycopg.Connection[Any], row: Row, ids: Mapping[str, int]) -> int:
        columns = self._columns[row.table]
        values = {k: _resolve(v, ids) for k, v in row.values.items() if k in columns}
        missing = [
            c
            for c, (nullable, default) in columns.items()
            if not nullable and not default and c not in values
        ]
        if missing:
            raise SeedError(
                f"{redact_url(self.dsn)}: {row.table}.{missing[0]} is NOT NULL without a default "
                f"and the seeder has no value for it (row {row.key}). Add it in harness/seed.py."
            )
        query = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING id").format(
            sql.Identifier(row.table),
            sql.SQL(", ").join(map(sql.Identifier, values)),
            sql.SQL(", ").join(sql.Placeholder() * len(values)),
        )
        found = conn.execute(query, list(values.values())).fetchone()
        assert found is not None
        return int(found[0])


def _resolve(value: Any, ids: Mapping[str, int]) -> Any:
    if isinstance(value, Ref):
        if value.key not in ids:
            raise SeedError(f"seed row refers to {value.key}, which was not created before it")
        return ids[value.key]
    return value


def _table_columns(conn: psycopg.Connection[Any]) -> dict[str, dict[str, tuple[bool, bool]]]:
    """{table: {column: (nullable, has_default)}} for the public schema."""
    found: dict[str, dict[str, tuple[bool, bool]]] = {}
    for table, column, nullable, default in conn.execute(
        "SELECT table_name, column_name, is_nullable = 'YES', column_default IS NOT NULL "
        "FROM information_schema.columns WHERE table_schema = 'public'"
    ):
        found.setdefault(table, {})[column] = (nullable, default or column == "id")
    return found


def scoped_world(tag: str) -> World:
    """A small world of its own for one example: a closed group, its admin, a member, a
    guest of its thread and a stranger; `tag` keeps names and emails unique."""
    return World(
        users=tuple(UserSpec(name=n) for n in ("admin", "member", "guest", "stranger")),
        groups=(GroupSpec(name="group"),),
        memberships=(
            MembershipSpec(user="admin", group="group", admin=True),
            MembershipSpec(user="member", group="group"),
        ),
        discussions=(DiscussionSpec(name="thread", author="admin", group="group"),),
        guests=(GuestSpec(user="guest", discussion="thread"),),
        tag=f"-{tag}",
    )
