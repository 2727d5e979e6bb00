"""A walk through every core endpoint: each answers with the expected status and root."""

from __future__ import annotations

from tests.reference.conftest import World


def test_walk_through_core_endpoints(world: World) -> None:
    ana, ben = world.seed.user("Ana Ruiz"), world.seed.user("Ben Ola")
    group = world.seed.group(ana, privacy="closed")
    world.seed.member(group, ben)
    a = world.client(ana)
    assert a.get(f"/api/v1/groups/{group['id']}")[0] == 200
    assert a.get(f"/api/v1/groups/{group['key']}")[0] == 200
    status, body = a.post(
        "/api/v1/groups",
        {"group": {"name": "Sub", "parent_id": group["id"], "group_privacy": "closed"}},
    )
    assert status == 200, body
    assert a.get(f"/api/v1/groups/{group['id']}/subgroups")[1]["meta"]["total"] == 1
    assert a.get("/api/v1/memberships", group_id=group["id"])[0] == 200
    d = world.thread(group, ana)
    assert a.get(f"/api/v1/discussions/{d['key']}")[0] == 200
    assert a.get("/api/v1/discussions", group_id=group["id"])[1]["meta"]["total"] == 1
    c1 = world.comment(ben, d["id"])
    cid = c1["comments"][0]["id"]
    world.comment(ana, d["id"], parent=cid)
    status, body = world.client(ben).get("/api/v1/events", discussion_id=d["id"])
    assert status == 200, body
    assert [e["position_key"] for e in body["events"]] == ["00001", "00001-00001"]
    assert a.get("/api/v1/events/position_keys", discussion_id=d["id"])[1] == {
        "position_keys": ["00001", "00001-00001"]
    }
    assert len(a.get("/api/v1/events/timeline", discussion_id=d["id"])[1]) == 2
    assert a.get("/api/v1/events/comment", discussion_id=d["id"], comment_id=cid)[0] == 200
    assert a.patch(f"/api/v1/comments/{cid}", {"comment": {"body": "<p>edited</p>"}})[0] == 200
    assert a.patch(f"/api/v1/discussions/{d['id']}", {"discussion": {"title": "New"}})[0] == 200
    assert a.patch(f"/api/v1/discussions/{d['id']}/close")[0] == 200
    assert a.patch(f"/api/v1/discussions/{d['id']}/reopen")[0] == 200
    assert a.patch(f"/api/v1/discussions/{d['key']}/pin")[0] == 200
    assert a.patch(f"/api/v1/discussions/{d['id']}/unpin")[0] == 200
    assert a.get("/api/v1/discussion_readers", discussion_id=d["id"])[0] == 200
    assert a.delete(f"/api/v1/comments/{cid}/discard")[0] == 200
    assert a.delete(f"/api/v1/comments/{cid}")[0] == 403
    assert a.delete(f"/api/v1/discussions/{d['id']}/discard")[0] == 200
    m = world.seed.one("SELECT id FROM memberships WHERE user_id = %s", (ben["id"],))
    assert a.post(f"/api/v1/memberships/{m['id']}/make_admin")[0] == 200
    assert a.post(f"/api/v1/memberships/{m['id']}/remove_admin")[0] == 200
    status, body = a.delete(f"/api/v1/memberships/{m['id']}")
    assert status == 200 and "groups" in body and "meta" not in body
