"""Discussions' active_poll_ids and groups' current_user_membership_id come from Loomio's
per-request preload (api-envelope.md §6): no database fallback, so which responses preload
them is contract. Real server, real PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.reference.conftest import World

FUTURE = "2031-03-04T05:06:07.000Z"


def _thread_with_poll(world: World) -> tuple[Any, dict[str, Any], dict[str, Any], int]:
    ana = world.seed.user()
    group = world.seed.group(ana)
    thread = world.thread(group, ana)
    poll = {
        "poll_type": "poll",
        "title": "Lunch?",
        "options": ["A", "B"],
        "closing_at": FUTURE,
        "discussion_id": thread["id"],
    }
    status, body = world.client(ana).post("/api/v1/polls", {"poll": poll})
    assert status == 200, body
    return world.client(ana), group, thread, body["events"][0]["eventable_id"]


def test_poll_event_answers_preload_active_polls_and_memberships(world: World) -> None:
    ana, _, _, poll_id = _thread_with_poll(world)
    status, body = ana.patch(f"/api/v1/polls/{poll_id}", {"poll": {"title": "Dinner?"}})
    assert status == 200, body
    assert body["discussions"][0]["active_poll_ids"] == [poll_id]
    mine = body["groups"][0]["current_user_membership_id"]
    assert mine is not None and [m["id"] for m in body["memberships"]] == [mine]


def test_discussion_show_lists_only_open_polls(world: World) -> None:
    ana, _, thread, poll_id = _thread_with_poll(world)
    shown = ana.get(f"/api/v1/discussions/{thread['id']}")[1]
    assert shown["discussions"][0]["active_poll_ids"] == [poll_id]
    assert ana.post(f"/api/v1/polls/{poll_id}/close")[0] == 200
    assert (
        ana.get(f"/api/v1/discussions/{thread['id']}")[1]["discussions"][0]["active_poll_ids"] == []
    )


def test_referenced_polls_count_even_when_closed(world: World) -> None:
    """Events and poll pages preload the polls they reference, closed ones included."""
    ana, _, thread, poll_id = _thread_with_poll(world)
    assert ana.post(f"/api/v1/polls/{poll_id}/close")[0] == 200
    shown = ana.get(f"/api/v1/polls/{poll_id}")[1]
    assert shown["discussions"][0]["active_poll_ids"] == [poll_id]
    events = ana.get("/api/v1/events", discussion_id=thread["id"])[1]
    assert events["discussions"][0]["active_poll_ids"] == [poll_id]


def test_exclude_types_poll_drops_active_poll_ids(world: World) -> None:
    """api-envelope.md §3.2: the `poll` token switches the association (and its key) off."""
    ana, _, thread, _ = _thread_with_poll(world)
    shown = ana.get(f"/api/v1/discussions/{thread['id']}", exclude_types="poll")[1]
    assert "active_poll_ids" not in shown["discussions"][0] and "polls" not in shown


def test_removing_a_member_revokes_their_votes_in_active_polls(world: World) -> None:
    """MembershipService.revoke_by_id -> PollService.group_members_removed: the member's
    stances in the group's open polls are revoked and the polls recounted; closed ones keep
    them (polls.md section 3.1: recomputed on member removal)."""
    ana, group, thread, open_id = _thread_with_poll(world)
    bob = world.seed.user()
    membership = world.seed.member(group, bob)
    closed = {"poll_type": "poll", "title": "Tea?", "options": ["A", "B"], "closing_at": FUTURE}
    status, body = ana.post("/api/v1/polls", {"poll": {**closed, "discussion_id": thread["id"]}})
    assert status == 200, body
    closed_id = body["events"][0]["eventable_id"]
    for poll_id in (open_id, closed_id):
        option = ana.get(f"/api/v1/polls/{poll_id}")[1]["poll_options"][0]["id"]
        vote = {"poll_id": poll_id, "stance_choices_attributes": [{"poll_option_id": option}]}
        assert world.client(bob).post("/api/v1/stances", {"stance": vote})[0] == 200
    assert ana.post(f"/api/v1/polls/{closed_id}/close")[0] == 200
    voters = {
        p: ana.get(f"/api/v1/polls/{p}")[1]["polls"][0]["voters_count"]
        for p in (open_id, closed_id)
    }
    assert ana.delete(f"/api/v1/memberships/{membership['id']}")[0] == 200
    after = {
        p: ana.get(f"/api/v1/polls/{p}")[1]["polls"][0]["voters_count"]
        for p in (open_id, closed_id)
    }
    assert after == {open_id: voters[open_id] - 1, closed_id: voters[closed_id]}
