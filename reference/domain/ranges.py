"""Sequence-id ranges: [[1,5],[7,9]] <-> "1-5,7-9" (discussions.ranges_string, read_ranges)."""

from __future__ import annotations

from collections.abc import Iterable


def parse(text: str | None) -> list[list[int]]:
    """'1-5,7-9' -> [[1, 5], [7, 9]]; blank -> []."""
    out: list[list[int]] = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        out.append([int(first), int(last or first)])
    return out


def compress(ids: Iterable[int]) -> list[list[int]]:
    """Sorted distinct ids -> maximal runs of consecutive integers."""
    runs: list[list[int]] = []
    for i in sorted(set(ids)):
        if runs and runs[-1][1] + 1 == i:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return runs


def dump(runs: list[list[int]]) -> str:
    return ",".join(f"{a}-{b}" for a, b in runs)


def merge(*range_lists: list[list[int]]) -> list[list[int]]:
    """Union of several range lists, reduced."""
    ids: set[int] = set()
    for runs in range_lists:
        for a, b in runs:
            ids.update(range(a, b + 1))
    return compress(ids)


def clip(runs: list[list[int]], allowed: list[list[int]]) -> list[list[int]]:
    """Only the ids of runs that are also in allowed."""
    keep: set[int] = set()
    for a, b in allowed:
        keep.update(range(a, b + 1))
    ids = {i for a, b in runs for i in range(a, b + 1) if i in keep}
    return compress(ids)
