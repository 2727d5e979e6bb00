"""The reference backend's live updates (realtime.md section 2), read from a real Redis."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis

from harness.postgres import LocalPostgres
from harness.redis import LocalRedis, local_redis
from tests.reference.conftest import Seeder, Server, World, start_server


@pytest.fixture(scope="module")
def redis_server() -> Iterator[LocalRedis]:
    with local_redis() as server:
        yield server


@pytest.fixture(scope="module")
def live_world(
    pg_cluster: LocalPostgres,
    reference_template: str,
    redis_server: LocalRedis,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[[tuple[str, ...]], World]]:
    """live_world(faults) -> a World whose server publishes to the module's Redis."""
    servers: list[Server] = []
    seeders: list[Seeder] = []
    log_dir = tmp_path_factory.mktemp("live-logs")

    def start(faults: tuple[str, ...] = ()) -> World:
        dsn = pg_cluster.create_database(f"ref_{uuid.uuid4().hex[:10]}", reference_template)
        server = start_server(dsn, faults, log_dir, env={"REDIS_URL": redis_server.url()})
        servers.append(server)
        seeders.append(Seeder(dsn))
        return World(server, seeders[-1])

    try:
        yield start
    finally:
        for seeder in seeders:
            seeder.conn.close()
        for server in servers:
            server.stop()


class Listener:
    """The /records messages published while it listens."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)
        self.pubsub = self.client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe("/records")
        self.pubsub.get_message(timeout=1)  # reads the subscribe confirmation

    def take(self, n: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        while len(out) < n and time.monotonic() < deadline:
            got = self.pubsub.get_message(timeout=0.1)
            if got and got["type"] == "message":
                out.append(json.loads(got["data"]))
        return out

    def quiet(self, seconds: float = 0.3) -> list[dict[str, Any]]:
        return self.take(10**6, timeout=seconds)

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()


@pytest.fixture
def listener(redis_server: LocalRedis) -> Iterator[Listener]:
    listening = Listener(redis_server.url())
    yield listening
    listening.close()


def _scene(world: World) -> dict[str, Any]:
    """A group (admin, member), a private thread with a guest and a revoked guest."""
    seed = world.seed
    admin, member, guest, former = (seed.user() for _ in range(4))
    group = seed.group(admin)
    seed.member(group, member)
    thread = world.thread(group, admin)
    seed.guest(thread["id"], guest)
    seed.guest(thread["id"], former, revoked=True)
    return {
        "admin": admin,
        "member": member,
        "guest": guest,
        "former": former,
        "group": group,
        "thread": thread,
    }


def test_new_comment_goes_to_the_group_room_then_each_active_guest(
    live_world: Callable[..., World], listener: Listener
) -> None:
    world = live_world()
    scene = _scene(world)
    listener.quiet()
    world.comment(scene["member"], scene["thread"]["id"])
    messages = listener.take(2) + listener.quiet()
    rooms = [m["room"] for m in messages]
    assert rooms == [f"group-{scene['group']['id']}", f"user-{scene['guest']['id']}"]
    records = messages[0]["records"]
    assert [e["kind"] for e in records["events"]] == ["new_comment"]
    assert {"comments", "discussions", "users"} <= set(records)
    assert "meta" not in records
    discussion = records["discussions"][0]
    assert "discussion_reader_id" not in discussion  # serialized for no current user


def test_close_publishes_the_discussion_to_the_group_room_only(
    live_world: Callable[..., World], listener: Listener
) -> None:
    world = live_world()
    scene = _scene(world)
    listener.quiet()
    status, _ = world.client(scene["admin"]).patch(
        f"/api/v1/discussions/{scene['thread']['id']}/close"
    )
    assert status == 200
    messages = listener.take(1) + listener.quiet()
    assert [m["room"] for m in messages] == [f"group-{scene['group']['id']}"]
    assert messages[0]["records"]["discussions"][0]["closed_at"] is not None


def test_a_rolled_back_request_publishes_nothing(
    live_world: Callable[..., World], listener: Listener
) -> None:
    world = live_world()
    scene = _scene(world)
    listener.quiet()
    status, _ = world.client(scene["member"]).post(
        "/api/v1/comments", {"comment": {"discussion_id": scene["thread"]["id"], "body": ""}}
    )
    assert status == 422
    assert listener.quiet() == []


@pytest.mark.parametrize(
    ("fault", "rooms"),
    [
        ("live_actor_room", lambda s: [f"user-{s['member']['id']}", f"user-{s['guest']['id']}"]),
        ("live_no_guest_fanout", lambda s: [f"group-{s['group']['id']}"]),
        (
            "live_revoked_guest_fanout",
            lambda s: [
                f"group-{s['group']['id']}",
                *sorted([f"user-{s['guest']['id']}", f"user-{s['former']['id']}"]),
            ],
        ),
    ],
    ids=["actor-room", "no-guests", "revoked-guests"],
)
def test_room_faults_change_where_a_comment_goes(
    live_world: Callable[..., World], listener: Listener, fault: str, rooms: Any
) -> None:
    world = live_world((fault,))
    scene = _scene(world)
    listener.quiet()
    world.comment(scene["member"], scene["thread"]["id"])
    got = [m["room"] for m in listener.take(len(rooms(scene))) + listener.quiet()]
    assert got[:1] + sorted(got[1:]) == rooms(scene)


def test_before_commit_fault_publishes_inside_the_transaction(
    live_world: Callable[..., World], listener: Listener
) -> None:
    world = live_world(("live_before_commit",))
    scene = _scene(world)
    listener.quiet()
    world.comment(scene["member"], scene["thread"]["id"])
    assert len(listener.take(2)) == 2  # same rooms, published from the request's transaction


def test_no_redis_url_publishes_nothing(server: Server, world: World, listener: Listener) -> None:
    scene = _scene(world)  # the shared server has no REDIS_URL
    world.comment(scene["member"], scene["thread"]["id"])
    assert listener.quiet() == []


def _observe(world: World, listener: Listener) -> list[Any]:
    """What a member's comment, its edit and the thread's closing publish, rooms by role."""
    scene = _scene(world)
    names = {f"group-{scene['group']['id']}": "group"}
    names |= {f"user-{scene[r]['id']}": f"user:{r}" for r in ("admin", "member", "guest", "former")}
    listener.quiet()
    member = world.client(scene["member"])
    answer = world.comment(scene["member"], scene["thread"]["id"])
    comment = answer["comments"][0]["id"]
    member.patch(f"/api/v1/comments/{comment}", {"comment": {"body": "edited"}})
    world.client(scene["admin"]).patch(f"/api/v1/discussions/{scene['thread']['id']}/close")
    seen = []
    for message in listener.take(10, timeout=1.5):
        records = message.get("records", {})
        seen.append(
            (
                names.get(message.get("room"), message.get("room")),
                sorted(message),
                sorted(records),
                [e["kind"] for e in records.get("events", [])],
                sorted(k for d in records.get("discussions", []) for k in d),
            )
        )
    return seen


def _unfetchable(world: World, listener: Listener) -> bool:
    """Whether a published event was not yet committed when its message arrived."""
    scene = _scene(world)
    listener.quiet()
    for _ in range(5):  # the request runs on a thread: the message is read while it runs
        posting = threading.Thread(
            target=world.comment, args=(scene["member"], scene["thread"]["id"])
        )
        posting.start()
        ids = [e["id"] for m in listener.take(1) for e in m["records"].get("events", [])]
        found = world.seed.sql("SELECT id FROM events WHERE id = ANY(%s)", (ids,))
        posting.join()
        if len(found) < len(ids):
            return True
        listener.quiet(0.1)
    return False


LIVE_FAULTS = (
    "live_actor_room",
    "live_no_guest_fanout",
    "live_revoked_guest_fanout",
    "live_room_renamed",
    "live_no_sideloads",
    "live_reader_scope",
    "live_user_room_kept",
    "live_comment_edited_unpublished",
)
# every fault of the category, with how it shows (test_faults.py counts these as probed)
CASES = {**dict.fromkeys(LIVE_FAULTS, _observe), "live_before_commit": _unfetchable}


@pytest.mark.parametrize("fault", sorted(CASES))
def test_live_fault_changes_what_is_published(
    live_world: Callable[..., World], listener: Listener, fault: str
) -> None:
    clean = CASES[fault](live_world(), listener)
    bent = CASES[fault](live_world((fault,)), listener)
    assert clean != bent, f"{fault}: the same publications with and without it: {clean!r}"


def test_boot_site_stores_the_channel_token_for_the_channel_server(
    live_world: Callable[..., World], redis_server: LocalRedis
) -> None:
    world = live_world()
    scene = _scene(world)
    status, body = world.client(scene["member"]).get("/api/v1/boot/site")
    assert status == 200
    assert body["current_user_id"] == scene["member"]["id"]
    assert body["channel_token"] == str(scene["member"]["secret_token"])
    assert [u["id"] for u in body["users"]] == [scene["member"]["id"]]
    with redis.Redis.from_url(redis_server.url()) as client:
        stored = json.loads(client.get(f"/current_users/{body['channel_token']}") or "null")
    assert stored == {
        "name": scene["member"]["name"],
        "group_ids": [scene["group"]["id"]],
        "id": scene["member"]["id"],
    }


def test_a_visitor_boots_with_a_random_token_and_no_groups(
    live_world: Callable[..., World], redis_server: LocalRedis
) -> None:
    world = live_world()
    status, body = world.visitor.get("/api/v1/boot/site")
    assert status == 200 and body["current_user_id"] is None and body["users"] == []
    assert len(body["channel_token"]) == 32
    with redis.Redis.from_url(redis_server.url()) as client:
        stored = json.loads(client.get(f"/current_users/{body['channel_token']}") or "null")
    assert stored == {"name": None, "group_ids": [], "id": None}
    assert world.visitor.get("/api/v1/boot/user")[0] == 404


def test_mark_as_seen_publishes_the_discussion_to_its_group_room(
    live_world: Callable[..., World], listener: Listener
) -> None:
    world = live_world()
    scene = _scene(world)
    listener.quiet()
    path = f"/api/v1/discussions/{scene['thread']['id']}/mark_as_seen"
    assert world.client(scene["guest"]).patch(path) == (200, {})  # updates the reader
    assert world.client(scene["member"]).patch(path) == (200, {})  # creates one
    assert world.visitor.patch(path)[0] == 403
    messages = listener.take(2) + listener.quiet()
    assert [m["room"] for m in messages] == [f"group-{scene['group']['id']}"] * 2
    assert [d["id"] for d in messages[0]["records"]["discussions"]] == [scene["thread"]["id"]]
    reader = world.seed.one(
        "SELECT last_read_at FROM discussion_readers WHERE user_id = %s AND discussion_id = %s",
        (scene["guest"]["id"], scene["thread"]["id"]),
    )
    assert reader["last_read_at"] is not None
