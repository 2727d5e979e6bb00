"""Group privacy (permissions.md §2): the group_privacy setter, the derived label, and the
validations that answer 422 {"errors": {field: [...]}}. Real server and DB."""

from __future__ import annotations

from typing import Any

import pytest

from tests.reference.conftest import World, unique

STORED = (
    "is_visible_to_public",
    "discussion_privacy_options",
    "membership_granted_upon",
    "is_visible_to_parent_members",
    "group_privacy",
)


def _create(world: World, actor: dict[str, Any], **fields: Any) -> tuple[int, Any]:
    group = {"name": unique("G "), **fields}
    return world.client(actor).post("/api/v1/groups", {"group": group})


def _stored(body: Any) -> tuple[Any, ...]:
    group = body["groups"][0]
    return tuple(group[k] for k in STORED)


SETTER = [
    ("open", (True, "public_only", "approval", False, "open")),
    ("closed", (True, "private_only", "approval", False, "closed")),
    ("secret", (False, "private_only", "invitation", False, "secret")),
]


@pytest.mark.parametrize(("label", "expected"), SETTER, ids=[s[0] for s in SETTER])
def test_setter_on_create_stores_the_flags(world: World, label: str, expected: tuple) -> None:
    status, body = _create(world, world.seed.user(), group_privacy=label)
    assert status == 200, body
    assert _stored(body) == expected
    row = world.seed.one(
        "SELECT listed_in_explore FROM groups WHERE id = %s", (body["groups"][0]["id"],)
    )
    assert row["listed_in_explore"] is (label == "open")


def test_closed_subgroup_of_a_secret_parent_is_visible_to_parent_members(world: World) -> None:
    ana = world.seed.user()
    parent = world.seed.group(ana, privacy="secret")
    status, body = _create(world, ana, parent_id=parent["id"], group_privacy="closed")
    assert status == 200, body
    assert _stored(body) == (False, "private_only", "approval", True, "closed")


def test_secret_to_open_keeps_a_request_policy(world: World) -> None:
    ana = world.seed.user()
    group = world.seed.group(ana, privacy="closed", membership_granted_upon="request")
    status, body = world.client(ana).patch(
        f"/api/v1/groups/{group['id']}", {"group": {"group_privacy": "open"}}
    )
    assert status == 200, body
    assert _stored(body) == (True, "public_only", "request", False, "open")


def test_closed_keeps_public_or_private(world: World) -> None:
    ana = world.seed.user()
    group = world.seed.group(ana, privacy="closed", discussion_privacy_options="public_or_private")
    status, body = world.client(ana).patch(
        f"/api/v1/groups/{group['id']}", {"group": {"group_privacy": "closed"}}
    )
    assert status == 200 and body["groups"][0]["discussion_privacy_options"] == "public_or_private"


def test_hidden_group_is_forced_private_only(world: World) -> None:
    ana = world.seed.user()
    status, body = _create(
        world, ana, is_visible_to_public=False, discussion_privacy_options="public_only"
    )
    assert status == 200, body
    assert _stored(body)[:2] == (False, "private_only") and _stored(body)[4] == "secret"


INVALID = [
    ("blank name", {"name": ""}, "name"),
    (
        "unknown privacy option",
        {"discussion_privacy_options": "everyone"},
        "discussion_privacy_options",
    ),
    ("unknown granted upon", {"membership_granted_upon": "magic"}, "membership_granted_upon"),
    (
        "parent members see a hidden top group",
        {"is_visible_to_public": False, "parent_members_can_see_discussions": True},
        "parent_members_can_see_discussions",
    ),
    (
        "top group visible to parent members",
        {"is_visible_to_public": False, "is_visible_to_parent_members": True},
        "is_visible_to_parent_members",
    ),
]


@pytest.mark.parametrize(("case", "fields", "key"), INVALID, ids=[c[0] for c in INVALID])
def test_invalid_group_answers_422_errors_by_field(
    world: World, case: str, fields: dict[str, Any], key: str
) -> None:
    ana = world.seed.user()
    group = world.seed.group(ana)
    for status, body in (
        _create(world, ana, **fields),
        world.client(ana).patch(f"/api/v1/groups/{group['id']}", {"group": fields}),
    ):
        assert status == 422, body
        assert set(body) == {"errors"} and key in body["errors"]
        assert all(isinstance(m, str) for m in body["errors"][key])


def test_update_by_a_plain_member_is_403(world: World) -> None:
    ana, ben = world.seed.user(), world.seed.user()
    group = world.seed.group(ana)
    world.seed.member(group, ben)
    status, body = world.client(ben).patch(
        f"/api/v1/groups/{group['id']}", {"group": {"group_privacy": "secret"}}
    )
    assert status == 403 and body["exception"] == "CanCan::AccessDenied"
