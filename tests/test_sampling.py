"""The slow-test sample of a CI run: every test in exactly one shard, kinds spread evenly."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tests.sampling import parse_shard, shard_of

IDS = (
    [f"tests/a.py::test_fault[f{i:02}]" for i in range(17)]
    + [f"tests/b.py::test_slow[{name}]" for name in ("x", "y", "z")]
    + ["tests/c.py::test_alone"]
)


def test_every_test_is_in_exactly_one_shard() -> None:
    shards = shard_of(IDS, 8)
    assert set(shards) == set(IDS)
    assert set(shards.values()) == set(range(8))


def test_each_functions_cases_are_spread_evenly() -> None:
    shards = shard_of(IDS, 4)
    per_shard = Counter(shards[i] for i in IDS if i.startswith("tests/a.py"))
    assert max(per_shard.values()) - min(per_shard.values()) <= 1
    assert max(Counter(shards.values()).values()) - min(Counter(shards.values()).values()) <= 1


def test_the_same_tests_give_the_same_shards_in_any_order() -> None:
    shuffled = IDS[:]
    random.Random(7).shuffle(shuffled)
    assert shard_of(shuffled, 5) == shard_of(IDS, 5)


@pytest.mark.parametrize("given", ["8/8", "1", "a/8", "-1/8", "1/0", ""])
def test_a_bad_shard_names_the_value_and_the_form(given: str) -> None:
    with pytest.raises(ValueError, match=r"--slow-shard .*: expected K/M"):
        parse_shard(given)


def test_a_shard_is_read() -> None:
    assert parse_shard("3/8") == (3, 8)
