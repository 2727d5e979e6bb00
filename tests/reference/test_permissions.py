"""Rows of permissions.md section 5 (decision table) for the core slice, on a real server."""

from __future__ import annotations

from typing import Any

from tests.reference.conftest import PASSWORD, Client, World


def status_of(answer: tuple[int, object]) -> int:
    return answer[0]


def test_discussion_visibility_rows(world: World) -> None:
    admin, member, outsider = world.seed.user(), world.seed.user(), world.seed.user()
    group = world.seed.group(admin, privacy="closed")
    world.seed.member(group, member)
    d = world.thread(group, admin)
    path = f"/api/v1/discussions/{d['key']}"
    assert status_of(world.visitor.get(path)) == 403  # row 2
    assert status_of(world.client(outsider).get(path)) == 403  # row 4
    pending = world.seed.user()
    world.seed.member(group, pending, accepted=False)
    assert status_of(world.client(pending).get(path)) == 200  # row 5
    revoked = world.seed.user()
    world.seed.member(group, revoked, revoked=True)
    assert status_of(world.client(revoked).get(path)) == 403  # row 6
    guest, gone = world.seed.user(), world.seed.user()
    reader = world.seed.guest(d["id"], guest)
    world.seed.guest(d["id"], gone, revoked=True)
    assert status_of(world.client(guest).get(path)) == 200  # row 7
    assert status_of(world.client(gone).get(path)) == 403  # row 8
    assert (
        status_of(world.visitor.get(path, discussion_reader_token=reader["token"])) == 200
    )  # row 9
    site_admin = world.seed.user(admin=True)
    secret = world.seed.group(admin, privacy="secret")
    hidden = world.thread(secret, admin)
    assert (
        status_of(world.client(site_admin).get(f"/api/v1/discussions/{hidden['key']}")) == 403
    )  # row 16
    assert status_of(world.client(member).get("/api/v1/discussions/nosuchkey")) == 404  # row 17
    world.client(admin).delete(f"/api/v1/discussions/{d['id']}/discard")
    assert status_of(world.client(admin).get(path)) == 403  # row 14


def test_subgroup_rows(world: World) -> None:
    admin, parent_member = world.seed.user(), world.seed.user()
    parent = world.seed.group(admin, privacy="secret")
    world.seed.member(parent, parent_member)
    open_sub = world.seed.group(
        admin,
        privacy="closed",
        parent=parent,
        parent_members_can_see_discussions=True,
        is_visible_to_public=False,
        is_visible_to_parent_members=True,
    )
    shut_sub = world.seed.group(admin, privacy="closed", parent=parent)
    secret_sub = world.seed.group(admin, privacy="secret", parent=parent)
    pm = world.client(parent_member)
    seen = world.thread(open_sub, admin)
    unseen = world.thread(shut_sub, admin)
    assert status_of(pm.get(f"/api/v1/discussions/{seen['key']}")) == 200  # row 10
    assert status_of(pm.get(f"/api/v1/discussions/{unseen['key']}")) == 403  # row 11
    body = {"comment": {"discussion_id": seen["id"], "body": "x"}}
    assert status_of(pm.post("/api/v1/comments", body)) == 403  # row 13
    assert status_of(pm.get(f"/api/v1/groups/{secret_sub['id']}")) == 403  # row 21
    assert status_of(pm.get(f"/api/v1/groups/{open_sub['id']}")) == 200  # row 22


def test_group_rows(world: World) -> None:
    admin = world.seed.user()
    visible = world.seed.group(admin, privacy="open")
    secret = world.seed.group(admin, privacy="secret", token="tok" + str(admin["id"]))
    archived = world.seed.group(admin, privacy="closed", archived_at="2025-01-01")
    assert status_of(world.visitor.get(f"/api/v1/groups/{visible['id']}")) == 200  # row 18
    assert status_of(world.visitor.get(f"/api/v1/groups/{secret['id']}")) == 403  # row 19
    assert (
        status_of(world.visitor.get(f"/api/v1/groups/{secret['id']}", group_token=secret["token"]))
        == 200
    )  # row 20
    assert status_of(world.client(admin).get(f"/api/v1/groups/{archived['id']}")) == 403  # row 23
    member = world.seed.user()
    world.seed.member(visible, member)
    sub = {"group": {"name": "sub", "parent_id": visible["id"]}}
    assert status_of(world.client(member).post("/api/v1/groups", sub)) == 403  # row 86
    unverified, client = _unverified(world)
    flexible = world.seed.group(admin, members_can_create_subgroups=True)
    world.seed.member(flexible, unverified)
    sub = {"group": {"name": "sub", "parent_id": flexible["id"]}}
    assert status_of(client.post("/api/v1/groups", sub)) == 200  # row 87


def _unverified(world: World) -> tuple[dict[str, Any], Client]:
    """An unverified user with a session, as Loomio has them (signed in by a login token or
    an invitation: neither a password nor HTTP Basic signs in an unverified account): the
    user signs in verified, then the email is marked unverified; the session stays valid."""
    user = world.seed.user()
    client = Client(world.server.base)
    body = {"user": {"email": user["email"], "password": PASSWORD}}
    assert client.post("/api/v1/sessions", body)[0] == 200
    world.seed.one(
        "UPDATE users SET email_verified = false WHERE id = %s RETURNING id", (user["id"],)
    )
    return user, client


def test_discussion_and_comment_write_rows(world: World) -> None:
    admin, member = world.seed.user(), world.seed.user()
    group = world.seed.group(admin)
    world.seed.member(group, member)
    m = world.client(member)
    new = {"discussion": {"group_id": group["id"], "title": "t"}}
    assert status_of(m.post("/api/v1/discussions", new)) == 200  # row 24
    strict = world.seed.group(
        admin,
        members_can_start_discussions=False,
        members_can_edit_discussions=False,
        members_can_edit_comments=False,
        members_can_delete_comments=False,
        admins_can_edit_user_content=False,
    )
    world.seed.member(strict, member)
    assert (
        status_of(
            m.post("/api/v1/discussions", {"discussion": {"group_id": strict["id"], "title": "t"}})
        )
        == 403
    )  # 25
    d = world.thread(strict, admin)
    assert (
        status_of(m.patch(f"/api/v1/discussions/{d['id']}", {"discussion": {"title": "x"}})) == 403
    )  # row 31
    assert status_of(m.delete(f"/api/v1/discussions/{d['id']}/discard")) == 403  # row 32
    c = world.comment(member, d["id"])["comments"][0]["id"]
    assert status_of(m.patch(f"/api/v1/comments/{c}", {"comment": {"body": "y"}})) == 403  # row 39
    assert (
        status_of(world.client(admin).patch(f"/api/v1/comments/{c}", {"comment": {"body": "y"}}))
        == 403
    )  # row 41
    assert status_of(m.delete(f"/api/v1/comments/{c}")) == 403  # row 45
    assert status_of(world.client(admin).delete(f"/api/v1/comments/{c}")) == 200  # row 46
    world.client(admin).patch(f"/api/v1/discussions/{d['id']}/close")
    assert (
        status_of(m.post("/api/v1/comments", {"comment": {"discussion_id": d["id"], "body": "x"}}))
        == 403
    )  # 35


def test_membership_rows(world: World) -> None:
    admin, member, other = world.seed.user(), world.seed.user(), world.seed.user()
    group = world.seed.group(admin)
    own = world.seed.member(group, member)
    theirs = world.seed.member(group, other)
    m = world.client(member)
    assert status_of(m.post(f"/api/v1/memberships/{own['id']}/make_admin")) == 403  # row 76
    assert status_of(m.delete(f"/api/v1/memberships/{theirs['id']}")) == 403  # row 79
    assert status_of(m.delete(f"/api/v1/memberships/{own['id']}")) == 200  # row 78
    lonely, founder = world.seed.user(), world.seed.user()
    headless = world.seed.group(None)
    mine = world.seed.member(headless, lonely)
    world.seed.member(headless, founder)
    assert (
        status_of(world.client(lonely).post(f"/api/v1/memberships/{mine['id']}/make_admin")) == 200
    )  # row 77
    closed = world.seed.group(admin, privacy="closed")
    opened = world.seed.group(admin, privacy="open")
    assert (
        status_of(world.visitor.get("/api/v1/memberships", group_id=closed["id"])) == 403
    )  # row 93
    status, body = world.visitor.get("/api/v1/memberships", group_id=opened["id"])
    assert (status, body["memberships"]) == (200, [])  # row 94


def test_event_pin_rows(world: World) -> None:
    """permissions.md 3.5: pin/unpin need "the event belongs to a discussion AND the caller can
    update that discussion"; row 47: a plain member may pin (members_can_edit_discussions)."""
    admin, member, outsider = world.seed.user(), world.seed.user(), world.seed.user()
    group = world.seed.group(admin, privacy="closed")
    world.seed.member(group, member)
    d = world.thread(group, admin)
    answer = world.comment(admin, d["id"])
    event = next(e["id"] for e in answer["events"] if e["kind"] == "new_comment")
    m = world.client(member)
    status, body = m.patch(f"/api/v1/events/{event}/pin", {"pinned_title": "Key point"})
    assert status == 200  # row 47
    assert (body["events"][0]["pinned"], body["events"][0]["pinned_title"]) == (True, "Key point")
    status, body = m.patch(f"/api/v1/events/{event}/unpin")
    assert (status, body["events"][0]["pinned"]) == (200, False)
    assert status_of(world.client(outsider).patch(f"/api/v1/events/{event}/pin")) == 403
    assert status_of(world.visitor.patch(f"/api/v1/events/{event}/pin")) == 403
    assert status_of(m.patch("/api/v1/events/99999999/pin")) == 404
    strict = world.seed.group(admin, members_can_edit_discussions=False)
    world.seed.member(strict, member)
    shut = world.thread(strict, admin)
    other = next(
        e["id"] for e in world.comment(admin, shut["id"])["events"] if e["kind"] == "new_comment"
    )
    assert status_of(m.patch(f"/api/v1/events/{other}/pin")) == 403


def test_discussion_pin_rows(world: World) -> None:
    """permissions.md 3.3: pin/unpin a thread is the update ability; pinned threads lead
    discussions#index (Discussion.order_by_pinned_then_latest_activity: pinned_at, then
    last_activity_at DESC)."""
    admin, member, outsider = world.seed.user(), world.seed.user(), world.seed.user()
    group = world.seed.group(admin, privacy="closed")
    world.seed.member(group, member)
    old = world.thread(group, admin, title="old")
    world.thread(group, admin, title="new")  # later activity: listed first unless old is pinned
    m = world.client(member)
    status, body = m.patch(f"/api/v1/discussions/{old['key']}/pin")
    assert status == 200 and body["discussions"][0]["pinned_at"] is not None
    listed = m.get("/api/v1/discussions", group_id=group["id"])[1]["discussions"]
    assert [d["title"] for d in listed] == ["old", "new"]
    assert status_of(world.client(outsider).patch(f"/api/v1/discussions/{old['id']}/unpin")) == 403
    assert status_of(world.visitor.patch(f"/api/v1/discussions/{old['id']}/unpin")) == 403
    assert status_of(m.patch("/api/v1/discussions/99999999/unpin")) == 404
    status, body = m.patch(f"/api/v1/discussions/{old['id']}/unpin")
    assert (status, body["discussions"][0]["pinned_at"]) == (200, None)
    listed = m.get("/api/v1/discussions", group_id=group["id"])[1]["discussions"]
    assert [d["title"] for d in listed] == ["new", "old"]
    strict = world.seed.group(admin, members_can_edit_discussions=False)
    world.seed.member(strict, member)
    shut = world.thread(strict, admin)
    assert status_of(m.patch(f"/api/v1/discussions/{shut['id']}/pin")) == 403
    assert status_of(world.client(admin).patch(f"/api/v1/discussions/{shut['id']}/pin")) == 200
