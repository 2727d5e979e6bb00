"""Leak causes and the declared exceptions of contracts/ignore.yaml (pure parts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.live_capture import LiveStats
from contracts.live_findings import load_accepted_leaks, record_live
from contracts.live_probe import DISCARDED, _cause
from contracts.live_session import unavailable
from harness.backends import Backend
from harness.client import BackendClient
from harness.errors import HarnessError
from harness.report.recorder import Recorder
from properties.oracles.live_rooms import GroupRow, Relation, ThreadFacts

GROUP = GroupRow(
    is_visible_to_public=True,
    is_visible_to_parent_members=False,
    discussion_privacy_options="private_only",
    parent_members_can_see_discussions=False,
    archived=False,
    has_parent=False,
)


def test_a_member_refused_only_because_the_thread_was_discarded_has_that_cause() -> None:
    discarded = ThreadFacts(private=True, discarded=True, group=GROUP, parent=None)
    assert _cause(Relation(member=True), discarded) == DISCARDED
    assert _cause(Relation(revoked_guest=True), discarded) == ""  # refused anyway


def test_the_shipped_ignore_file_accepts_the_discarded_thread_leak() -> None:
    assert load_accepted_leaks() == frozenset({DISCARDED})


def test_an_unknown_leak_cause_is_refused_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ignore.yaml"
    path.write_text("live_leaks: [everything]\n")
    with pytest.raises(HarnessError, match=r"ignore\.yaml: `live_leaks` must be"):
        load_accepted_leaks(path)


def test_a_side_without_redis_is_named_with_why_nothing_is_compared() -> None:
    def backend(name: str, url: str | None, why: str = "") -> Backend:
        client = BackendClient(name=name, base_url="http://127.0.0.1:9", timeout=1)
        return Backend(
            name=name,
            mode="url",
            base_url=client.base_url,
            client=client,
            redis_url=url,
            redis_why=why,
        )

    both = [backend("rails", "redis://127.0.0.1:1/0"), backend("go", "redis://127.0.0.1:2/0")]
    assert unavailable(both) == ""
    why = "no --go-redis-url was given"
    assert unavailable([both[0], backend("go", None, why)]) == f"go: {why}"


def test_accepted_leaks_are_listed_as_set_aside_in_this_run() -> None:
    stats = LiveStats()
    stats.accepted["discarded_thread"] = (36, "rails: room group-1 reaches user 2 (admin)")
    recorder = Recorder()
    record_live(recorder, stats)
    field = recorder.noise["live_leak discarded_thread"]
    assert (field.source, field.excluded, field.seen) == ("declared", 36, 0)
