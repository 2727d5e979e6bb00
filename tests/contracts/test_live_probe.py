"""Leak causes and the declared exceptions of contracts/ignore.yaml (pure parts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts.live_findings import load_accepted_leaks
from contracts.live_probe import DISCARDED, _cause
from harness.errors import HarnessError
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
