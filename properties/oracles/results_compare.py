"""Compare a poll's actual `results` rows with the tally oracle's, as Loomio allows.

* Ties in a total-desc order (poll, score, dot_vote, ranked_choice) have no defined order
  (Ruby's sort is not stable), so rows with the same score are compared as a set, and their
  ranks as the set of rank numbers the group occupies.
* `voter_ids` order comes from JSON object order in the database: compared as a multiset.
* With `strict_types` (the default) integer `0` and float `0.0` differ, as Ruby emits them;
  `strict_types=False` compares numbers by value only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from properties.oracles.poll_types import poll_type

Row = Mapping[str, Any]


def tie_groups(kind: str, rows: Sequence[Row]) -> list[list[int]]:
    """Index groups of `rows` whose relative order is undefined (singletons otherwise)."""
    groups: list[list[int]] = []
    desc = not poll_type(kind).by_priority
    for i, row in enumerate(rows):
        prev = rows[i - 1] if i else None
        tied = (
            desc
            and prev is not None
            and row.get("rank") is not None
            and prev.get("rank") is not None
            and row.get("score") == prev.get("score")
        )
        if tied:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def _same(a: Any, b: Any, strict: bool) -> bool:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_same(a[k], b[k], strict) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y, strict) for x, y in zip(a, b, strict=True))
    if strict and type(a) is not type(b):
        return False
    return bool(a == b)


def _canonical(row: Row) -> dict[str, Any]:
    out = {k: v for k, v in row.items() if k != "rank"}
    if isinstance(out.get("voter_ids"), list | tuple):
        out["voter_ids"] = sorted(out["voter_ids"], key=repr)
    return out


def _row_diff(expected: Row, actual: Row, strict: bool) -> list[str]:
    want, got = _canonical(expected), _canonical(actual)
    diffs = [f"missing key {k!r}" for k in want.keys() - got.keys()]
    diffs += [f"unexpected key {k!r}" for k in got.keys() - want.keys()]
    diffs += [
        f"{k}: expected {want[k]!r}, got {got[k]!r}"
        for k in want.keys() & got.keys()
        if not _same(want[k], got[k], strict)
    ]
    return sorted(diffs)


def compare_results(
    kind: str, expected: Sequence[Row], actual: Sequence[Row], *, strict_types: bool = True
) -> list[str]:
    """Differences between expected and actual results rows; [] when they agree."""
    if len(expected) != len(actual):
        ids = [r.get("id") for r in actual]
        return [f"expected {len(expected)} rows ({[r.get('id') for r in expected]}), got {ids}"]
    out: list[str] = []
    for group in tie_groups(kind, expected):
        ranks = sorted((actual[i].get("rank") for i in group), key=repr)
        want_ranks = sorted((expected[i].get("rank") for i in group), key=repr)
        if ranks != want_ranks:
            out.append(f"rows {group}: ranks {ranks}, expected {want_ranks}")
        pending = [actual[i] for i in group]
        for i in group:
            match = next((a for a in pending if not _row_diff(expected[i], a, strict_types)), None)
            if match is None:
                best = min(pending, key=lambda a: len(_row_diff(expected[i], a, strict_types)))
                detail = "; ".join(_row_diff(expected[i], best, strict_types))
                out.append(f"row id {expected[i].get('id')}: {detail}")
            else:
                pending.remove(match)
    return out
