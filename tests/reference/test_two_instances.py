"""Acceptance (issue 4): two reference processes on two clones of one seeded database answer a
scripted walk through every endpoint of the loomio-mini slice with identical normalized bodies.

Requests go to both in lockstep (tests/reference/lockstep.py); ids in requests are canonical
names resolved per instance, and the second clone numbers new rows differently.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.compare import Kind
from harness.postgres import LocalPostgres
from tests.reference.lockstep import Pair, two_instances

CLOSING_AT = "2031-03-04T05:06:07.000Z"  # fixed: the same request body goes to both
POLL_WALK = {  # poll type -> (options, member's choices, changed choices) by option index
    "proposal": (["agree", "disagree"], [(0, 1)], [(1, 1)]),
    "check": (["looks_good", "concerned"], [(0, 1)], [(1, 1)]),
    "count": (["accept", "decline"], [(0, 1)], [(1, 1)]),
    "poll": (["A", "B", "C"], [(0, 1)], [(2, 1)]),
    "score": (["A", "B"], [(0, 3), (1, 5)], [(0, 0), (1, 1)]),
    "dot_vote": (["A", "B"], [(0, 5), (1, 3)], [(0, 8)]),
    "ranked_choice": (["A", "B", "C"], [(0, 3), (1, 2), (2, 1)], [(0, 1), (1, 2), (2, 3)]),
    "meeting": (["2030-01-02", "2030-01-01"], [(0, 2), (1, 1)], [(0, 0), (1, 2)]),
    "question": (None, [], []),
}


@pytest.fixture
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("two-instances")


def _walk_sessions_and_groups(p: Pair) -> None:
    w, member = p.walk, p.actors["member"]
    login = {"user": {"email": member.email, "password": member.password}}
    w(None, "POST", "/api/v1/sessions", login)
    w(
        None,
        "POST",
        "/api/v1/sessions",
        {"user": {"email": member.email, "password": "no"}},
        expect=401,
    )
    w("cookie_member", "GET", "/api/v1/profile/me")
    w("member", "GET", "/api/v1/profile/me")
    w(None, "GET", "/api/v1/profile/me", expect=403)
    main, secret = p.seeded["group:main"], p.seeded["group:secret"]
    w(None, "GET", "/api/v1/groups")
    w("member", "GET", "/api/v1/groups", order="memberships_count")
    w("member", "GET", "/api/v1/groups", xids=f"{main}x{p.seeded['group:sub']}")
    shown = w("member", "GET", f"/api/v1/groups/{main}")
    w("member", "GET", f"/api/v1/groups/<{shown['groups'][0]['key']}>")
    w("stranger", "GET", f"/api/v1/groups/{secret}", expect=403)
    w(None, "GET", f"/api/v1/groups/{secret}", expect=403)
    w("member", "GET", f"/api/v1/groups/{main}/subgroups")
    top = {"group": {"name": "Walkers", "group_privacy": "secret", "description": "<p>w</p>"}}
    made = w("admin", "POST", "/api/v1/groups", top)
    new = made["groups"][0]["id"]
    sub = {"group": {"name": "Walk sub", "parent_id": new, "group_privacy": "closed"}}
    w("admin", "POST", "/api/v1/groups", sub)
    w("admin", "POST", "/api/v1/groups", {"group": {"name": ""}}, expect=422)
    w("admin", "GET", f"/api/v1/groups/<{new}>/subgroups")
    update = {"group": {"description": "<p>new</p>", "members_can_add_guests": False}}
    w("admin", "PATCH", f"/api/v1/groups/{main}", update)
    w("admin", "PUT", f"/api/v1/groups/<{new}>", {"group": {"group_privacy": "open"}})
    w("member", "PATCH", f"/api/v1/groups/{main}", update, expect=403)


def _walk_memberships(p: Pair) -> None:
    w, s = p.walk, p.seeded
    w("member", "GET", "/api/v1/memberships", group_id=s["group:main"])
    w("admin", "GET", "/api/v1/memberships", group_id=s["group:main"], order="admin desc")
    mine = s["membership:member@open"]
    w("member", "POST", f"/api/v1/memberships/{mine}/make_admin", expect=403)
    w("admin", "POST", f"/api/v1/memberships/{mine}/make_admin")
    w("admin", "POST", f"/api/v1/memberships/{mine}/remove_admin")
    w("admin", "DELETE", f"/api/v1/memberships/{mine}")
    w("member", "GET", "/api/v1/memberships", group_id=s["group:open"], expect=200)


def _walk_discussions(p: Pair) -> str:
    """Discussion endpoints; returns the canonical id of the thread the walk goes on in."""
    w, s = p.walk, p.seeded
    main = s["group:main"]
    w("member", "GET", "/api/v1/discussions")
    w("member", "GET", "/api/v1/discussions", group_id=main, per=1, **{"from": 1})
    w("admin", "GET", "/api/v1/discussions", group_id=main, subgroups="all", filter="all")
    w("guest", "GET", f"/api/v1/discussions/{s['discussion:main_private']}")
    w("stranger", "GET", f"/api/v1/discussions/{s['discussion:secret_private']}", expect=403)
    body = {
        "discussion": {
            "title": "Walk",
            "description": "<p>d</p>",
            "group_id": main,
            "description_format": "html",
            "private": True,
        }
    }
    created = w("member", "POST", "/api/v1/discussions", body)
    thread = created["events"][0]["eventable_id"]
    w("member", "GET", f"/api/v1/discussions/<{thread}>")
    w("member", "POST", "/api/v1/discussions", {"discussion": {"group_id": main}}, expect=422)
    w("member", "PATCH", f"/api/v1/discussions/<{thread}>", {"discussion": {"title": "Walk 2"}})
    w(
        "subgroup_member",
        "PUT",
        f"/api/v1/discussions/<{thread}>",
        {"discussion": {"description": "<p>e</p>"}},
    )
    w("member", "PATCH", f"/api/v1/discussions/<{thread}>/close")
    w("member", "GET", "/api/v1/discussions", group_id=main, filter="closed")
    w("member", "PATCH", f"/api/v1/discussions/<{thread}>/reopen")
    w("member", "PATCH", f"/api/v1/discussions/<{thread}>/pin")
    w("admin", "GET", "/api/v1/discussions", group_id=main)  # the pinned thread first
    w("stranger", "PATCH", f"/api/v1/discussions/<{thread}>/unpin", expect=403)
    w("member", "PATCH", f"/api/v1/discussions/<{thread}>/unpin")
    w("member", "GET", "/api/v1/discussion_readers", discussion_id=thread)
    w("guest", "GET", "/api/v1/discussion_readers", discussion_id=s["discussion:main_private"])
    return str(thread)


def _walk_comments_and_events(p: Pair, thread: str) -> None:
    w = p.walk
    ids = []
    for n, actor in enumerate(["admin", "member", "subgroup_member", "admin"]):
        payload = {"discussion_id": thread, "body": f"<p>c{n}</p>", "body_format": "html"}
        if ids:
            payload.update(parent_id=ids[n // 2], parent_type="Comment")
        created = w(actor, "POST", "/api/v1/comments", {"comment": payload})
        ids.append(created["events"][0]["eventable_id"])  # comments[] also holds the parent
    w("admin", "POST", "/api/v1/comments", {"comment": {"discussion_id": thread}}, expect=422)
    w("admin", "PATCH", f"/api/v1/comments/<{ids[1]}>", {"comment": {"body": "<p>edit</p>"}})
    w("member", "PUT", f"/api/v1/comments/<{ids[1]}>", {"comment": {"body": "<p>e</p>"}})
    w(
        "subgroup_member",
        "PATCH",
        f"/api/v1/comments/<{ids[1]}>",
        {"comment": {"body": "x"}},
        expect=403,
    )
    for params in (
        {},
        {"per": 2},
        {"from": 2, "per": 2},
        {"order": "sequence_id", "per": 3},
        {"order_by": "position_key", "order_desc": "true"},
        {"from_sequence_id_of_position": 1, "until_sequence_id_of_position": 2},
        {"comment_id": ids[2]},
        {"kind": "new_comment", "depth": 2},
        {"pinned": "true"},
        {"position_key_sw": "00001"},
    ):
        w("member", "GET", "/api/v1/events", discussion_id=thread, **params)
    w("member", "GET", "/api/v1/events/comment", discussion_id=thread, comment_id=ids[3])
    w("member", "GET", "/api/v1/events/position_keys", discussion_id=thread)
    w("member", "GET", "/api/v1/events/timeline", discussion_id=thread)
    w("stranger", "GET", "/api/v1/events", discussion_id=thread, expect=403)
    w("member", "DELETE", f"/api/v1/comments/<{ids[1]}>/discard")
    w("admin", "DELETE", f"/api/v1/comments/<{ids[3]}>")
    w("member", "GET", "/api/v1/events", discussion_id=thread)


def _choices(options: list[str], picks: list[tuple[int, int]]) -> list[dict[str, Any]]:
    return [{"poll_option_id": options[i], "score": score} for i, score in picks]


def _walk_poll(p: Pair, thread: str, poll_type: str) -> None:
    """create/show/update, vote, change, index, uncast, close, outcome, reopen, discard."""
    w = p.walk
    names, picks, changed = POLL_WALK[poll_type]
    poll: dict[str, Any] = {
        "poll_type": poll_type,
        "title": f"Walk {poll_type}",
        "closing_at": CLOSING_AT,
        "discussion_id": thread,
    }
    if names:
        poll["options"] = names
    created = w("member", "POST", "/api/v1/polls", {"poll": poll})
    poll_id = created["events"][0]["eventable_id"]
    shown = w("member", "GET", f"/api/v1/polls/<{poll_id}>")
    w("member", "GET", f"/api/v1/polls/<{shown['polls'][0]['key']}>")
    w("stranger", "GET", f"/api/v1/polls/<{poll_id}>", expect=403)
    opts = [o["id"] for o in sorted(shown["poll_options"], key=lambda o: o["priority"])]
    w("member", "PATCH", f"/api/v1/polls/<{poll_id}>", {"poll": {"details": "<p>more</p>"}})
    w("member", "PUT", f"/api/v1/polls/<{poll_id}>", {"poll": {"title": f"Walk {poll_type}!"}})
    w(
        "subgroup_member",
        "PATCH",
        f"/api/v1/polls/<{poll_id}>",
        {"poll": {"title": "no"}},
        expect=403,
    )
    stance = {
        "poll_id": poll_id,
        "reason": "<p>why</p>",
        "reason_format": "html",
        "stance_choices_attributes": _choices(opts, picks),
    }
    voted = w("member", "POST", "/api/v1/stances", {"stance": stance})
    mine = voted["events"][0]["eventable_id"]
    theirs = {**stance, "stance_choices_attributes": _choices(opts, changed or picks)}
    other = w("admin", "POST", "/api/v1/stances", {"stance": theirs})
    again = {"stance_choices_attributes": _choices(opts, changed), "reason": "<p>b</p>"}
    w("member", "PATCH", f"/api/v1/stances/<{mine}>", {"stance": again})
    w("member", "PUT", f"/api/v1/stances/<{mine}>", {"stance": {**again, "reason": "<p>c</p>"}})
    w("member", "GET", "/api/v1/stances", poll_id=poll_id)
    w("admin", "PATCH", f"/api/v1/stances/<{other['events'][0]['eventable_id']}>/uncast")
    w("member", "GET", "/api/v1/stances", poll_id=poll_id, per=1)
    w("member", "POST", f"/api/v1/polls/<{poll_id}>/close")
    w(
        "member",
        "POST",
        "/api/v1/outcomes",
        {"outcome": {"poll_id": poll_id, "statement": ""}},
        expect=422,
    )
    outcome = w(
        "member",
        "POST",
        "/api/v1/outcomes",
        {"outcome": {"poll_id": poll_id, "statement": "<p>done</p>"}},
    )
    w(
        "member",
        "PUT",
        f"/api/v1/outcomes/<{outcome['events'][0]['eventable_id']}>",
        {"outcome": {"statement": "<p>really done</p>"}},
    )
    w(
        "member",
        "PATCH",
        f"/api/v1/outcomes/<{outcome['events'][0]['eventable_id']}>",
        {"outcome": {"statement": "<p>finally</p>"}},
    )
    w("member", "GET", f"/api/v1/polls/<{poll_id}>")
    w("member", "POST", f"/api/v1/polls/<{poll_id}>/reopen", {"poll": {"closing_at": CLOSING_AT}})
    if poll_type in {"poll", "question"}:
        w("member", "DELETE", f"/api/v1/polls/<{poll_id}>/discard")
        w("member", "GET", f"/api/v1/polls/<{poll_id}>", expect=403)


def test_two_instances_answer_the_walk_identically(
    pg_cluster: LocalPostgres, reference_template: str, log_dir: Path
) -> None:
    with two_instances(pg_cluster, reference_template, log_dir) as pair:
        walk_every_endpoint(pair)
    w = pair.walk
    listed = "\n".join(
        f"{label}: {d.pointer} {d.kind}: {d.rails!r} != {d.go!r}" for label, d in w.differences
    )
    assert not w.differences, f"{len(w.differences)} differences:\n{listed}"
    assert len(w.requests) >= 150


def test_the_walk_reports_a_fault_switched_on_in_one_instance(
    pg_cluster: LocalPostgres, reference_template: str, log_dir: Path
) -> None:
    faults = ("timestamps_without_millis",)
    with two_instances(pg_cluster, reference_template, log_dir, faults) as pair:
        pair.walk("member", "GET", f"/api/v1/groups/{pair.seeded['group:main']}")
    kinds = {d.kind for _, d in pair.walk.differences}
    assert kinds == {Kind.TIMESTAMP_FORMAT}, pair.walk.differences


def walk_every_endpoint(pair: Pair) -> None:
    """Every endpoint of the loomio-mini slice, in an order where each step has its inputs."""
    _walk_sessions_and_groups(pair)
    _walk_memberships(pair)
    thread = _walk_discussions(pair)
    _walk_comments_and_events(pair, thread)
    for poll_type in POLL_WALK:
        _walk_poll(pair, thread, poll_type)
    w = pair.walk
    w("member", "GET", f"/api/v1/discussions/<{thread}>")
    w("member", "GET", "/api/v1/events", discussion_id=thread, per=100)
    w("member", "GET", "/api/v1/events/timeline", discussion_id=thread)
    w("member", "DELETE", f"/api/v1/discussions/<{thread}>/discard")
    w("member", "GET", f"/api/v1/discussions/<{thread}>", expect=403)
    w("cookie_member", "DELETE", "/api/v1/sessions")
