"""The lockstep's web-client events requests follow threading.md 5.1's table."""

from __future__ import annotations

import pytest

from contracts.lockstep import CLIENT_PAGES, client_query


def test_every_page_excludes_group_and_discussion_sideloads() -> None:
    for page in CLIENT_PAGES:
        assert client_query(page, 10, 4)["exclude_types"] == "group discussion"


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("first", {"order_by": "sequence_id", "per": "10"}),
        ("newest", {"order_by": "sequence_id", "order_desc": "true", "per": "10"}),
        ("jump", {"sequence_id_gte": "0", "order": "sequence_id", "per": "10"}),
        ("around", {"position_key_gte": "00004", "order_by": "position_key", "per": "5"}),
        ("after", {"position_key_gt": "00004", "order_by": "position_key", "per": "10"}),
        ("comment", {"order": "sequence_id"}),
        ("position", {"from_sequence_id_of_position": "4", "order": "position_key"}),
        ("contents", {"pinned": "true", "per": "200"}),
    ],
)
def test_the_clients_query_for_each_page(page: str, expected: dict[str, str]) -> None:
    assert client_query(page, 10, 4) == {**expected, "exclude_types": "group discussion"}


def test_jump_centres_the_sequence_id_and_keys_start_at_one() -> None:
    assert client_query("jump", 4, 9)["sequence_id_gte"] == "7"
    assert client_query("around", 1, 0) == {
        "position_key_gte": "00001",
        "order_by": "position_key",
        "per": "1",
        "exclude_types": "group discussion",
    }
