"""Which `exclude_types` token a closing read is made again with (contracts.lockstep)."""

from __future__ import annotations

from contracts.lockstep import EXCLUDE_TOKENS, TOKEN_DROPS, exclude_token


def test_even_turns_take_in_turn_the_tokens_that_can_drop_a_collection_of_the_answer() -> None:
    keys = ("discussion_readers", "users", "meta")
    assert [exclude_token(turn, keys) for turn in (0, 2, 4, 6)] == [
        "user",
        "author",
        "inviter",
        "user",
    ]
    group = ("groups", "memberships", "parent_groups", "tags", "users", "meta")
    picked = {exclude_token(turn, group) for turn in range(0, 40, 2)}
    assert picked == {t for t in EXCLUDE_TOKENS if set(TOKEN_DROPS[t]) & set(group)}
    assert "poll" not in picked and "group discussion" in picked


def test_odd_turns_and_answers_nothing_can_change_take_every_token_in_turn() -> None:
    keys = ("discussion_readers", "users", "meta")
    odd = [exclude_token(turn, keys) for turn in range(1, 2 * len(EXCLUDE_TOKENS), 2)]
    assert odd == list(EXCLUDE_TOKENS)
    profile = ("meta",)
    assert [exclude_token(turn, profile) for turn in (0, 2)] == list(EXCLUDE_TOKENS[:2])


def test_every_token_says_what_it_drops() -> None:
    assert set(TOKEN_DROPS) == set(EXCLUDE_TOKENS)
