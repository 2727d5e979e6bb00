"""threading.md section 10 (the worked oracle) and section 8 invariants, on a real server."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from reference.domain import threading as th
from tests.reference.conftest import World, unique


def events_of(world: World, discussion_id: int) -> dict[int, dict[str, Any]]:
    rows = world.seed.sql(
        "SELECT * FROM events WHERE discussion_id = %s ORDER BY sequence_id", (discussion_id,)
    )
    return {r["sequence_id"]: r for r in rows}


def root_of(world: World, discussion_id: int) -> dict[str, Any]:
    return world.seed.one(
        "SELECT * FROM events WHERE kind = 'new_discussion' AND eventable_id = %s", (discussion_id,)
    )


def placement(e: dict[str, Any]) -> tuple[int, int, str, int, int]:
    return (e["depth"], e["position"], e["position_key"], e["child_count"], e["descendant_count"])


def comment_id(answer: dict[str, Any]) -> int:
    return answer["comments"][0]["id"]


def test_comment_tree_follows_the_worked_example(world: World) -> None:
    ana = world.seed.user()
    group = world.seed.group(ana)
    d = world.thread(group, ana, max_depth=2)
    a = comment_id(world.comment(ana, d["id"]))
    b = comment_id(world.comment(ana, d["id"], parent=a))
    c = comment_id(world.comment(ana, d["id"], parent=b))  # lifted: sibling of B under A
    e = comment_id(world.comment(ana, d["id"]))
    ev = events_of(world, d["id"])
    root = root_of(world, d["id"])
    assert placement(ev[1]) == (1, 1, "00001", 2, 2)
    assert placement(ev[2]) == (2, 1, "00001-00001", 0, 0)
    assert placement(ev[3]) == (2, 2, "00001-00002", 0, 0)
    assert placement(ev[4]) == (1, 2, "00002", 0, 0)
    assert ev[3]["parent_id"] == ev[1]["id"]
    assert (
        root["child_count"],
        root["descendant_count"],
        root["position_key"],
        root["sequence_id"],
    ) == (2, 4, None, None)

    client = world.client(ana)
    # Discard B: nothing moves, the actor goes, the body is null.
    status, body = client.delete(f"/api/v1/comments/{b}/discard")
    assert status == 200
    assert (
        body["events"][0]["actor_id"] is None and body["events"][0]["position_key"] == "00001-00001"
    )
    assert body["comments"][0]["body"] is None
    # Destroy B is refused: C's *comment* parent is B although its event was lifted.
    assert client.delete(f"/api/v1/comments/{b}")[0] == 403
    # Destroy C: counts ripple, ranges get a hole.
    status, body = client.delete(f"/api/v1/comments/{c}")
    assert status == 200 and "meta" not in body
    assert [x["id"] for x in body["events"]] == [ev[2]["id"]]
    ev = events_of(world, d["id"])
    assert (ev[1]["child_count"], ev[1]["descendant_count"]) == (1, 1)
    assert root_of(world, d["id"])["descendant_count"] == 3
    disc = world.seed.one(
        "SELECT items_count, ranges_string FROM discussions WHERE id = %s", (d["id"],)
    )
    assert (disc["items_count"], disc["ranges_string"]) == (3, "1-2,4-4")
    # max_depth 1: the (synchronous) repair flattens everything in sequence order.
    assert (
        client.patch(f"/api/v1/discussions/{d['id']}", {"discussion": {"max_depth": 1}})[0] == 200
    )
    ev = events_of(world, d["id"])
    assert [(s, ev[s]["depth"], ev[s]["position_key"]) for s in sorted(ev)] == [
        (1, 1, "00001"),
        (2, 1, "00002"),
        (4, 1, "00003"),
    ]
    assert all(ev[s]["child_count"] == 0 for s in ev)
    assert root_of(world, d["id"])["child_count"] == 3
    assert e


def _insert(conn: psycopg.Connection[Any], table: str, **values: Any) -> dict[str, Any]:
    cols = ", ".join(f'"{k}"' for k in values)
    marks = ", ".join(["%s"] * len(values))
    return conn.execute(
        f"INSERT INTO {table} ({cols}) VALUES ({marks}) RETURNING *", list(values.values())
    ).fetchone()  # type: ignore[return-value]


def test_full_worked_example_with_poll_events(world: World) -> None:
    """Steps 1-9 of section 10 through the domain functions the poll endpoints call."""
    ana = world.seed.user()
    group = world.seed.group(ana)
    d = world.thread(group, ana, max_depth=2)
    with psycopg.connect(world.server.dsn, row_factory=dict_row) as conn:
        root = th.root_event(conn, d["id"])

        def comment(parent_type: str, parent_id: int) -> dict[str, Any]:
            row = _insert(
                conn,
                "comments",
                discussion_id=d["id"],
                user_id=ana["id"],
                body="x",
                parent_type=parent_type,
                parent_id=parent_id,
            )
            parent = (
                root
                if parent_type == "Discussion"
                else th.eventable_event(conn, "Comment", parent_id, "new_comment")
            )
            return th.publish(
                conn,
                kind="new_comment",
                eventable=("Comment", row["id"]),
                user_id=ana["id"],
                discussion_id=d["id"],
                parent=parent,
            ), row  # type: ignore[return-value]

        ea, a = comment("Discussion", d["id"])
        eb, b = comment("Comment", a["id"])
        ec, _ = comment("Comment", b["id"])
        poll = _insert(
            conn,
            "polls",
            author_id=ana["id"],
            title="P",
            key=unique("pk"),
            poll_type="proposal",
            discussion_id=d["id"],
            group_id=group["id"],
        )
        ep = th.publish(
            conn,
            kind="poll_created",
            eventable=("Poll", poll["id"]),
            user_id=ana["id"],
            discussion_id=d["id"],
            parent=root,
            pinned=True,
        )
        s1 = _insert(conn, "stances", poll_id=poll["id"], participant_id=ana["id"], reason="why")
        es1 = th.publish(
            conn,
            kind="stance_created",
            eventable=("Stance", s1["id"]),
            user_id=ana["id"],
            discussion_id=d["id"],
            parent=ep,
        )
        ben = world.seed.user()
        s2 = _insert(conn, "stances", poll_id=poll["id"], participant_id=ben["id"])
        es2 = th.publish(
            conn, kind="stance_created", eventable=("Stance", s2["id"]), user_id=ben["id"]
        )
        ee, _ = comment("Discussion", d["id"])
        eclose = th.publish(
            conn,
            kind="poll_closed_by_user",
            eventable=("Poll", poll["id"]),
            user_id=ana["id"],
            discussion_id=d["id"],
            parent=ep,
        )
        outcome = _insert(
            conn, "outcomes", poll_id=poll["id"], author_id=ana["id"], statement="done"
        )
        eo = th.publish(
            conn,
            kind="outcome_created",
            eventable=("Outcome", outcome["id"]),
            user_id=ana["id"],
            discussion_id=d["id"],
            parent=ep,
        )
        conn.commit()
    expected = {
        ea["id"]: (1, 1, "00001"),
        eb["id"]: (2, 2, "00001-00001"),
        ec["id"]: (3, 2, "00001-00002"),
        ep["id"]: (4, 1, "00002"),
        es1["id"]: (5, 2, "00002-00001"),
        ee["id"]: (6, 1, "00003"),
        eclose["id"]: (7, 2, "00002-00002"),
        eo["id"]: (8, 2, "00002-00003"),
    }
    rows = {
        r["id"]: r
        for r in world.seed.sql("SELECT * FROM events WHERE discussion_id = %s", (d["id"],))
    }
    assert {
        i: (r["sequence_id"], r["depth"], r["position_key"]) for i, r in rows.items()
    } == expected
    assert world.seed.one(
        "SELECT discussion_id, sequence_id FROM events WHERE id = %s", (es2["id"],)
    ) == {
        "discussion_id": None,
        "sequence_id": None,
    }
    r = root_of(world, d["id"])
    assert (r["child_count"], r["descendant_count"]) == (3, 8)
    assert (rows[ea["id"]]["child_count"], rows[ea["id"]]["descendant_count"]) == (2, 2)
    assert (rows[ep["id"]]["child_count"], rows[ep["id"]]["descendant_count"]) == (3, 3)
    disc = world.seed.one(
        "SELECT items_count, ranges_string FROM discussions WHERE id = %s", (d["id"],)
    )
    assert (disc["items_count"], disc["ranges_string"]) == (8, "1-8")
    _status, keys = world.client(ana).get("/api/v1/events/position_keys", discussion_id=d["id"])
    assert keys["position_keys"] == [
        "00001",
        "00001-00001",
        "00001-00002",
        "00002",
        "00002-00001",
        "00002-00002",
        "00002-00003",
        "00003",
    ]
    # A repair of an intact tree changes nothing (idempotent).
    with psycopg.connect(world.server.dsn, row_factory=dict_row) as conn:
        th.repair_thread(conn, d["id"])
        conn.commit()
    again = {
        r["id"]: r
        for r in world.seed.sql("SELECT * FROM events WHERE discussion_id = %s", (d["id"],))
    }
    assert {
        i: (
            r["sequence_id"],
            r["depth"],
            r["position_key"],
            r["child_count"],
            r["descendant_count"],
        )
        for i, r in again.items()
    } == {
        i: (
            r["sequence_id"],
            r["depth"],
            r["position_key"],
            r["child_count"],
            r["descendant_count"],
        )
        for i, r in rows.items()
    }


def test_show_heals_a_discussion_without_root(world: World) -> None:
    ana = world.seed.user()
    group = world.seed.group(ana)
    d = world.thread(group, ana)
    world.comment(ana, d["id"])
    world.seed.sql(
        "DELETE FROM events WHERE kind = 'new_discussion' AND eventable_id = %s", (d["id"],)
    )
    status, body = world.client(ana).get(f"/api/v1/discussions/{d['key']}")
    assert status == 200
    created = body["discussions"][0]["created_event_id"]
    root = root_of(world, d["id"])
    assert created == root["id"] and root["child_count"] == 1 and root["descendant_count"] == 1
    assert [e["id"] for e in body["events"]] == [root["id"]]
    assert body["events"][0]["position_key"] == "00000"


def test_discussion_edited_joins_thread_only_with_recipient_message(world: World) -> None:
    ana = world.seed.user()
    group = world.seed.group(ana)
    d = world.thread(group, ana)
    client = world.client(ana)
    _, plain = client.patch(f"/api/v1/discussions/{d['id']}", {"discussion": {"title": "t2"}})
    assert (
        plain["events"][0]["kind"] == "discussion_edited"
        and plain["events"][0]["discussion_id"] is None
    )
    assert plain["events"][0]["custom_fields"]["recipient_message"] is None
    _, noted = client.patch(
        f"/api/v1/discussions/{d['id']}", {"discussion": {"title": "t3", "recipient_message": ""}}
    )
    assert (
        noted["events"][0]["discussion_id"] == d["id"]
        and noted["events"][0]["position_key"] == "00001"
    )
