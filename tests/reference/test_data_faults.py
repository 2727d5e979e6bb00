"""Every `data` fault changes what is stored: each probe runs the same requests through a clean
server and through one with only that fault on (both real, on the same database) and reads
the rows they wrote; the two differ. Some of these faults answer the API exactly alike: only
data parity (harness/data_check.py) can see them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from reference import faults
from reference.app import import_all_modules
from tests.reference.conftest import World, start_server, unique
from tests.reference.test_faults import cid, team

Probe = Callable[[World], Any]
DATA_PROBES: dict[str, Probe] = {}


def probe(*names: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        for name in names:
            DATA_PROBES[name] = fn
        return fn

    return register


def data_faults() -> list[str]:
    import_all_modules()
    return [f.name for f in faults.catalogue() if f.category == "data"]


@probe("comment_body_format_stored_uppercase", "comment_created_at_without_microseconds")
def stored_comment(w: World) -> Any:
    """POST /api/v1/comments; the comment's row and the answer's body_format."""
    admin, _, group = team(w)
    d = w.thread(group, admin)
    answer = w.comment(admin, d["id"])
    row = w.seed.one("SELECT body_format FROM comments WHERE id = %s", (cid(answer),))
    # the microseconds of one row are 0 one time in a million: compare several rows' flags
    more = [cid(w.comment(admin, d["id"])) for _ in range(3)]
    micro = w.seed.sql(
        "SELECT bool_or(date_trunc('second', created_at) <> created_at) AS any "
        "FROM comments WHERE id = ANY(%s)",
        ([cid(answer), *more],),
    )[0]["any"]
    return row["body_format"], micro, answer["comments"][0]["body_format"]


@probe("comment_destroy_leaves_events")
def destroyed_comment(w: World) -> Any:
    """DELETE /api/v1/comments/:id; the events left of the comment."""
    admin, _, group = team(w)
    d = w.thread(group, admin)
    c = cid(w.comment(admin, d["id"]))
    w.client(admin).delete(f"/api/v1/comments/{c}")
    return w.seed.sql(
        "SELECT kind, discussion_id FROM events WHERE eventable_type = 'Comment' "
        "AND eventable_id = %s",
        (c,),
    )


@probe("last_activity_at_not_written")
def commented_thread(w: World) -> Any:
    """POST /api/v1/comments; whether the discussion's last_activity_at moved to it."""
    admin, _, group = team(w)
    d = w.thread(group, admin)
    c = cid(w.comment(admin, d["id"]))
    return w.seed.one(
        "SELECT d.last_activity_at = c.created_at AS moved FROM discussions d, comments c "
        "WHERE d.id = %s AND c.id = %s",
        (d["id"], c),
    )["moved"]


@probe("membership_inbox_position_null")
def new_subgroup(w: World) -> Any:
    """POST /api/v1/groups (a subgroup); its creator's membership row."""
    admin, _, group = team(w)
    status, body = w.client(admin).post(
        "/api/v1/groups", {"group": {"name": unique("Sub "), "parent_id": group["id"]}}
    )
    assert status == 200, body
    return w.seed.one(
        "SELECT inbox_position FROM memberships WHERE group_id = %s", (body["groups"][0]["id"],)
    )["inbox_position"]


@probe("discussion_discard_counts_stale")
def discarded_thread(w: World) -> Any:
    """Two threads, one discarded (DELETE /api/v1/discussions/:id/discard); the group's
    discussion counters."""
    admin, _, group = team(w)
    d, _ = w.thread(group, admin), w.thread(group, admin)
    status, body = w.client(admin).delete(f"/api/v1/discussions/{d['id']}/discard")
    assert status == 200, body
    return w.seed.one(
        "SELECT discussions_count, open_discussions_count FROM groups WHERE id = %s",
        (group["id"],),
    )


@probe("position_key_stored_width_4")
def keyed_reply(w: World) -> Any:
    """POST two comments (a reply); stored keys, and the keys the API answers."""
    admin, _, group = team(w)
    d = w.thread(group, admin)
    a = cid(w.comment(admin, d["id"]))
    w.comment(admin, d["id"], parent=a)
    stored = w.seed.sql(
        "SELECT position_key FROM events WHERE discussion_id = %s ORDER BY sequence_id", (d["id"],)
    )
    _, answer = w.client(admin).get("/api/v1/events/position_keys", discussion_id=d["id"])
    return [r["position_key"] for r in stored], answer["position_keys"]


@pytest.fixture
def faulty(request: pytest.FixtureRequest, world: World, tmp_path: Any) -> Iterator[World]:
    server = start_server(world.server.dsn, (request.param,), tmp_path)
    try:
        yield World(server, world.seed)
    finally:
        server.stop()


@pytest.mark.parametrize("faulty", data_faults(), indirect=True)
def test_data_fault_changes_what_is_stored(faulty: World, world: World) -> None:
    name = faulty.server.faults[0]
    assert name in DATA_PROBES, f"data fault {name} has no probe in {__name__}"
    clean, bent = DATA_PROBES[name](world), DATA_PROBES[name](faulty)
    assert clean != bent, f"{name}: the same rows with and without the fault: {clean!r}"


@pytest.mark.parametrize(
    "faulty", ["comment_body_format_stored_uppercase", "position_key_stored_width_4"], indirect=True
)
def test_data_fault_the_api_does_not_show(faulty: World, world: World) -> None:
    """The stored rows differ, the API's answer (the probe's last item) does not."""
    clean, bent = (
        DATA_PROBES[faulty.server.faults[0]](world),
        DATA_PROBES[faulty.server.faults[0]](faulty),
    )
    assert clean[:-1] != bent[:-1] and clean[-1] == bent[-1], (clean, bent)
