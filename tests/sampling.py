"""Which slow tests one CI run samples: `--slow-shard K/M` (tests/conftest.py, .ci/run).

The slow tests are mostly one case per fault of the catalogue, and cases of one test
function cost about the same (a suite run in a subprocess), cases of different functions
do not (a conformance case takes ~40 s, a noise case less). So each function's cases,
sorted by node id, are dealt round-robin over the M shards, each function starting where
the previous one stopped: every shard gets a like share of each kind, every test is in
exactly one shard, and the same collection always gives the same shards.
"""

from __future__ import annotations

from collections.abc import Iterable


def parse_shard(given: str) -> tuple[int, int]:
    """'1/8' -> (1, 8); ValueError naming the value and the expected form otherwise."""
    index, _, count = given.partition("/")
    if not (index.isdigit() and count.isdigit() and int(index) < int(count)):
        raise ValueError(f"--slow-shard {given!r}: expected K/M with 0 <= K < M, e.g. 1/8")
    return int(index), int(count)


def shard_of(nodeids: Iterable[str], count: int) -> dict[str, int]:
    """Node id -> its shard (0..count-1): each test function's cases dealt round-robin."""
    by_function: dict[str, list[str]] = {}
    for nodeid in sorted(set(nodeids)):
        by_function.setdefault(nodeid.partition("[")[0], []).append(nodeid)
    shards: dict[str, int] = {}
    dealt = 0
    for function in sorted(by_function):
        for nodeid in by_function[function]:
            shards[nodeid] = dealt % count
            dealt += 1
    return shards
