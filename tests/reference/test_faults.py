"""Every core fault changes an answer: each probe runs once through a clean server and once
through a server with only that fault on (both real, on the same database), and the two
observations differ. A fault declared in a core module without a probe fails the registry test.
Poll-area faults are covered by test_poll_faults.py."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from reference import faults
from reference.app import import_all_modules
from tests.reference.conftest import PASSWORD, Client, Server, World, start_server, unique

Probe = Callable[[World], Any]
PROBES: dict[str, Probe] = {}

CORE_MODULE_PREFIXES = (
    "reference.web",
    "reference.serialize.core",
    "reference.serialize",
    "reference.domain.threading",
    "reference.domain.permissions",
    "reference.api.common",
    "reference.api.groups",
    "reference.api.memberships",
    "reference.api.discussions",
    "reference.api.comments",
    "reference.api.events",
    "reference.api.discussion_readers",
    "reference.api.sessions",
    "reference.auth",
    "reference.api.profile",
)


def probe(*names: str) -> Callable[[Probe], Probe]:
    def register(fn: Probe) -> Probe:
        for name in names:
            PROBES[name] = fn
        return fn

    return register


def core_faults() -> list[str]:
    import_all_modules()
    return [
        f.name
        for f in faults.catalogue()
        if f.module in CORE_MODULE_PREFIXES and f.category != "data"  # test_data_faults.py
    ]


# ---------------------------------------------------------------- helpers


def team(
    w: World, privacy: str = "closed", **flags: Any
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    admin, member = w.seed.user(), w.seed.user()
    group = w.seed.group(admin, privacy=privacy, **flags)
    w.seed.member(group, member)
    return admin, member, group


def cid(answer: dict[str, Any]) -> int:
    return answer["comments"][0]["id"]


def shape(text: str) -> str:
    return re.sub(r"\d", "d", text)


# ---------------------------------------------------------------- envelope, type, shape, null


@probe(
    "meta_root_missing", "ids_as_strings", "timestamps_without_millis", "timestamps_offset_suffix"
)
def profile_me(w: World) -> Any:
    user = w.seed.user()
    _, body = w.client(user).get("/api/v1/profile/me")
    return (
        body["meta"],
        type(body["users"][0]["id"]).__name__,
        shape(body["users"][0]["created_at"]),
    )


@probe("meta_total_page_size", "discussions_index_ignores_pinned")
def discussion_index(w: World) -> Any:
    admin, _, group = team(w)
    ids = [w.thread(group, admin, title=f"t{i}")["id"] for i in range(3)]
    status, _ = w.client(admin).patch(f"/api/v1/discussions/{ids[0]}/pin")  # the oldest
    assert status == 200
    _, body = w.client(admin).get("/api/v1/discussions", group_id=group["id"], per=2)
    return body["meta"]["total"], [d["title"] for d in body["discussions"]]


@probe("exclude_types_ignored")
def group_show_without_sideloads(w: World) -> Any:
    """GET /api/v1/groups/:id?exclude_types=membership parent: the keys of the answer."""
    admin, _, group = team(w)
    _, body = w.client(admin).get(
        f"/api/v1/groups/{group['id']}", exclude_types="membership parent"
    )
    return sorted(body)


@probe("empty_sideloads_omitted", "secret_group_visible", "forbidden_as_404")
def group_show(w: World) -> Any:
    admin, _, group = team(w)
    _, secret_group = None, w.seed.group(w.seed.user(), privacy="secret")
    _, body = w.client(admin).get(f"/api/v1/groups/{group['id']}")
    status, _ = w.client(admin).get(f"/api/v1/groups/{secret_group['id']}")
    return sorted(body), status


@probe(
    "parent_events_in_events",
    "sideloads_not_deduplicated",
    "event_counts_float",
    "author_email_always",
    "event_actor_renamed",
    "position_key_width_4",
    "event_pinned_title_missing",
)
def events_page(w: World) -> Any:
    admin, member, group = team(w)
    d = w.thread(group, admin)
    a = cid(w.comment(member, d["id"]))
    w.comment(member, d["id"], parent=a)
    _, body = w.client(admin).get("/api/v1/events", discussion_id=d["id"])
    users = [sorted(u) for u in body["users"]]
    first = body["events"][0]
    return (
        sorted(body),
        users,
        type(first["child_count"]).__name__,
        sorted(first),
        [e["position_key"] for e in body["events"]],
    )


@probe("comment_author_not_sideloaded")
def admin_edits_a_members_comment(w: World) -> Any:
    """PATCH /comments/:id by an admin: the member author is only reachable as the author."""
    admin, member, group = team(w)
    d = w.thread(group, admin)
    comment = cid(w.comment(member, d["id"]))
    _, body = w.client(admin).patch(
        f"/api/v1/comments/{comment}", {"comment": {"body": "<p>x</p>"}}
    )
    return sorted(u["id"] for u in body["users"])


@probe("membership_destroy_root_memberships")
def leave_group(w: World) -> Any:
    _, member, _group = team(w)
    membership = w.seed.one("SELECT id FROM memberships WHERE user_id = %s", (member["id"],))
    _, body = w.client(member).delete(f"/api/v1/memberships/{membership['id']}")
    return sorted(body)


@probe("slow_discussions_show")
def discussion_show_takes_50ms(w: World) -> Any:
    """GET /api/v1/discussions/{key}: the fastest of three answers takes 50 ms or more."""
    admin, _, group = team(w)
    thread = w.thread(group, admin)
    times = []
    for _ in range(3):
        started = time.perf_counter()
        w.client(admin).get(f"/api/v1/discussions/{thread['key']}")
        times.append(time.perf_counter() - started)
    return min(times) >= 0.05


@probe(
    "discussion_show_no_root_heal",
    "root_position_key_empty",
    "discussion_extra_author_key",
    "empty_ranges_null",
    "child_count_not_recounted",
)
def discussion_show(w: World) -> Any:
    admin, _, group = team(w)
    healed = w.thread(group, admin)
    w.seed.sql(
        "DELETE FROM events WHERE kind = 'new_discussion' AND eventable_id = %s", (healed["id"],)
    )
    _, body = w.client(admin).get(f"/api/v1/discussions/{healed['key']}")
    empty = w.thread(group, admin)
    _, fresh = w.client(admin).get(f"/api/v1/discussions/{empty['key']}")
    commented = w.thread(group, admin)
    w.comment(admin, commented["id"])
    _, counted = w.client(admin).get(f"/api/v1/discussions/{commented['key']}")
    record = fresh["discussions"][0]
    return (
        body["discussions"][0]["created_event_id"] is None,
        fresh["events"][0]["position_key"],
        sorted(record),
        record["ranges"],
        counted["events"][0]["child_count"],
    )


@probe("timeline_wrapped")
def timeline(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    w.comment(admin, d["id"])
    _, body = w.client(admin).get("/api/v1/events/timeline", discussion_id=d["id"])
    return type(body).__name__


@probe("discarded_comment_body_kept")
def discard_comment(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    c = cid(w.comment(admin, d["id"], body="<p>secret</p>"))
    _, body = w.client(admin).delete(f"/api/v1/comments/{c}/discard")
    return body["comments"][0]["body"]


@probe("reader_fields_null_for_visitors")
def visitor_reads_public_thread(w: World) -> Any:
    admin, _, group = team(w, privacy="open")
    d = w.thread(group, admin, private=False)
    _, body = w.visitor.get(f"/api/v1/discussions/{d['key']}")
    return sorted(body["discussions"][0])


@probe("comment_destroy_empty_array")
def destroy_last_comment(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    c = cid(w.comment(admin, d["id"]))
    return w.client(admin).delete(f"/api/v1/comments/{c}")


# ---------------------------------------------------------------- status


@probe("validation_errors_flat", "create_returns_201")
def create_discussion(w: World) -> Any:
    admin, _, group = team(w)
    bad = w.client(admin).post(
        "/api/v1/discussions", {"discussion": {"group_id": group["id"], "title": ""}}
    )
    good, _ = w.client(admin).post(
        "/api/v1/discussions", {"discussion": {"group_id": group["id"], "title": "ok"}}
    )
    return bad, good


@probe("events_position_key_no_500")
def events_by_position_key(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    w.comment(admin, d["id"])
    return w.client(admin).get("/api/v1/events", discussion_id=d["id"], order="position_key")[0]


# ---------------------------------------------------------------- ordering


@probe("groups_index_order_ascending")
def explore_groups(w: World) -> Any:
    word = unique("zq")
    user = w.seed.user()
    for i in range(2):
        w.seed.group(user, privacy="open", name=f"{word} {i}", created_at=f"2025-01-0{i + 1}")
    _, body = w.client(user).get("/api/v1/groups", q=word, order="created_at")
    return [g["name"] for g in body["groups"]]


def _comments(w: World, n: int) -> tuple[dict[str, Any], dict[str, Any]]:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    for _ in range(n):
        w.comment(admin, d["id"])
    return admin, d


@probe("events_default_per_50")
def events_default_page(w: World) -> Any:
    admin, d = _comments(w, 31)
    return len(w.client(admin).get("/api/v1/events", discussion_id=d["id"])[1]["events"])


@probe("events_order_desc_ignored", "events_from_as_offset")
def events_order(w: World) -> Any:
    admin, d = _comments(w, 3)
    c = w.client(admin)
    desc = c.get(
        "/api/v1/events", discussion_id=d["id"], order_by="sequence_id", order_desc="false"
    )[1]
    start = c.get("/api/v1/events", discussion_id=d["id"], **{"from": 2})[1]
    return [e["sequence_id"] for e in desc["events"]], [e["sequence_id"] for e in start["events"]]


# ---------------------------------------------------------------- threading


@probe("max_depth_not_flattened", "descendant_count_no_ripple", "position_counts_all_siblings")
def reply_chain(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin, max_depth=2)
    a = cid(w.comment(admin, d["id"]))
    b = cid(w.comment(admin, d["id"], parent=a))
    w.comment(admin, d["id"], parent=b)
    _, body = w.client(admin).get("/api/v1/events", discussion_id=d["id"])
    _, shown = w.client(admin).get(f"/api/v1/discussions/{d['id']}")
    return [(e["depth"], e["position"]) for e in body["events"]], shown["events"][0][
        "descendant_count"
    ]


@probe("sequence_gap_on_edit")
def edit_between_comments(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    c = cid(w.comment(admin, d["id"]))
    w.client(admin).patch(f"/api/v1/comments/{c}", {"comment": {"body": "<p>edited</p>"}})
    return w.comment(admin, d["id"])["events"][0]["sequence_id"]


# ---------------------------------------------------------------- permissions


@probe("guest_cannot_read")
def guest_reads(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    guest = w.seed.user()
    w.seed.guest(d["id"], guest, inviter=admin)
    return w.client(guest).get(f"/api/v1/discussions/{d['key']}")[0]


@probe("subgroup_threads_visible_to_parent")
def parent_member_reads_subgroup(w: World) -> Any:
    admin, member, parent = team(w)
    sub = w.seed.group(admin, privacy="closed", parent=parent)
    d = w.thread(sub, admin)
    return w.client(member).get(f"/api/v1/discussions/{d['key']}")[0]


@probe("member_can_make_admin")
def member_promotes(w: World) -> Any:
    _, member, group = team(w)
    other = w.seed.user()
    target = w.seed.member(group, other)
    return w.client(member).post(f"/api/v1/memberships/{target['id']}/make_admin")[0]


@probe("comment_on_closed_discussion")
def comment_when_closed(w: World) -> Any:
    admin, member, group = team(w)
    d = w.thread(group, admin)
    w.client(admin).patch(f"/api/v1/discussions/{d['id']}/close")
    body = {"comment": {"discussion_id": d["id"], "body": "late"}}
    return w.client(member).post("/api/v1/comments", body)[0]


@probe("discarded_discussion_readable")
def read_discarded(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    w.client(admin).delete(f"/api/v1/discussions/{d['id']}/discard")
    return w.client(admin).get(f"/api/v1/discussions/{d['key']}")[0]


@probe("revoked_membership_counts")
def revoked_member_reads(w: World) -> Any:
    admin, _, group = team(w)
    d = w.thread(group, admin)
    former = w.seed.user()
    w.seed.member(group, former, revoked=True)
    return w.client(former).get(f"/api/v1/discussions/{d['key']}")[0]


@probe("session_email_case_sensitive")
def sign_in_as_typed(w: World) -> Any:
    """POST /api/v1/sessions with the seeded email upper-cased and padded with spaces."""
    user = w.seed.user()
    body = {"user": {"email": f"  {user['email'].upper()} ", "password": PASSWORD}}
    return w.client().post("/api/v1/sessions", body)[0]


@probe("session_deactivated_signs_in")
def deactivated_signs_in(w: World) -> Any:
    """POST /api/v1/sessions as a deactivated user with the right password."""
    user = w.seed.user()
    w.seed.one("UPDATE users SET deactivated_at = now() WHERE id = %s RETURNING id", (user["id"],))
    body = {"user": {"email": user["email"], "password": PASSWORD}}
    return w.client().post("/api/v1/sessions", body)


@probe("session_kept_after_sign_out")
def profile_after_sign_out(w: World) -> Any:
    """Sign in, DELETE /api/v1/sessions, then GET /api/v1/profile/me with the same browser."""
    user = w.seed.user()
    browser = requests.Session()
    body = {"user": {"email": user["email"], "password": PASSWORD}}
    browser.post(w.server.base + "/api/v1/sessions", json=body, timeout=30)
    browser.delete(w.server.base + "/api/v1/sessions", timeout=30)
    return browser.get(w.server.base + "/api/v1/profile/me", timeout=30).status_code


# ---------------------------------------------------------------- tests


@pytest.fixture
def faulty(request: pytest.FixtureRequest, world: World, tmp_path: Any) -> Iterator[World]:
    server = start_server(world.server.dsn, (request.param,), tmp_path)
    try:
        yield World(server, world.seed)
    finally:
        server.stop()


@pytest.mark.parametrize("faulty", core_faults(), indirect=True)
def test_fault_changes_an_answer(faulty: World, world: World) -> None:
    name = faulty.server.faults[0]
    assert name in PROBES, f"fault {name} has no probe in tests/reference/test_faults.py"
    clean = PROBES[name](world)
    bent = PROBES[name](faulty)
    probe = PROBES[name]
    requests = (probe.__doc__ or probe.__name__).strip().splitlines()[0]
    assert clean != bent, f"{name}: {requests}: same answer with and without the fault: {clean!r}"


def test_every_declared_fault_is_probed_somewhere() -> None:
    names = core_faults()
    assert len(names) >= 22
    assert set(names) <= set(PROBES), sorted(set(names) - set(PROBES))


def test_every_fault_of_the_catalogue_has_a_probe() -> None:
    """Core probes here, poll-area cases in test_poll_faults.py, stored-data probes in
    test_data_faults.py, live updates in test_live.py: together, the whole catalogue."""
    from tests.reference.test_data_faults import DATA_PROBES
    from tests.reference.test_live import CASES as LIVE_CASES
    from tests.reference.test_poll_faults import CASES

    import_all_modules()
    unprobed = (
        {f.name for f in faults.catalogue()}
        - set(PROBES)
        - set(CASES)
        - set(DATA_PROBES)
        - set(LIVE_CASES)
    )
    assert not unprobed, f"faults without a probe: {sorted(unprobed)}"


def test_catalogue_covers_issue_4_categories() -> None:
    import_all_modules()
    by_category: dict[str, int] = {}
    for fault in faults.catalogue():
        by_category[fault.category] = by_category.get(fault.category, 0) + 1
    # channel faults belong to the channel server (python -m reference.channels --list-faults)
    assert set(by_category) == set(faults.CATEGORIES) - {"channel"}
    assert by_category["permission"] >= 6 and by_category["tally"] >= 11
    assert sum(by_category.values()) >= 30


def test_unknown_fault_is_a_usage_error(world: World, tmp_path: Any) -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reference",
            "--port",
            "1",
            "--database-url",
            world.server.dsn,
            "--faults",
            "nope",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "unknown fault" in done.stderr


def test_list_faults_prints_name_category_summary() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "reference", "--list-faults"], capture_output=True, text=True
    ).stdout
    rows = [line.split("\t") for line in out.strip().splitlines()]
    assert len(rows) >= 30 and all(len(r) == 3 and r[1] in faults.CATEGORIES for r in rows)


_ = (Client, Server)


def test_a_switched_on_fault_names_the_operations_that_reached_it(
    world: World, tmp_path: Any
) -> None:
    """PARITY_FAULT_TRACE: the operation whose request read the fault's switch, once."""
    trace = tmp_path / "trace.jsonl"
    env = {faults.TRACE_ENV: str(trace)}
    server = start_server(world.server.dsn, ("groups_index_order_ascending",), tmp_path, env)
    try:
        bent = World(server, world.seed)
        explore_groups(bent)
        explore_groups(bent)
        bent.client(world.seed.user()).get("/api/v1/profile/me")
    finally:
        server.stop()
    lines = [json.loads(line) for line in trace.read_text().splitlines()]
    assert lines == [{"fault": "groups_index_order_ascending", "operation": "GET /api/v1/groups"}]


def test_a_fault_switched_off_is_never_traced(world: World, tmp_path: Any) -> None:
    trace = tmp_path / "trace.jsonl"
    server = start_server(world.server.dsn, (), tmp_path, {faults.TRACE_ENV: str(trace)})
    try:
        explore_groups(World(server, world.seed))
    finally:
        server.stop()
    assert not trace.exists()
