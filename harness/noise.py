"""Noisy fields: learned Diffy-style, or declared; always listed, never applied silently.

Two instances of the same backend, given the same actions, should answer alike. What
still differs between them (a random token, a clock-dependent count) is noise: a
difference between rails and go at the same place says nothing about the port. Noise is
kept as JSON Pointer patterns where array indices and canonical record ids are `*`:
`/discussions/*/last_activity_at`. The report lists every pattern, learned or declared.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from harness.compare import Difference, compare
from harness.errors import HarnessError
from harness.http import ApiResponse
from harness.normalize import CanonicalIds, match_pointer, split_pointer, to_pointer

# a canonical record id (`discussions#3`, `users#1@2`, `"events#2"`) or an array index
_VARIABLE_SEGMENT = re.compile(r'^(\d+|"?[a-z_]+(\.[a-z_]+)?#\d+(@\d+)?"?|null(@\d+)?)$')


@dataclass(frozen=True, slots=True, kw_only=True)
class NoiseField:
    """One ignored place: the pattern, where it comes from and what was seen there."""

    pattern: str
    source: str  # "learned" (two instances of one backend differed) or "declared" (config)
    kinds: tuple[str, ...] = ()  # difference kinds seen there, when learned
    seen: int = 0  # how many times it differed while learning
    example: str = ""  # one difference, for the report


def generalize(pointer: str) -> str:
    """`/discussions/discussions#3/events/0/id` -> `/discussions/*/events/*/id`."""
    return to_pointer(["*" if _VARIABLE_SEGMENT.match(s) else s for s in split_pointer(pointer)])


def learn_noise(
    runs: Iterable[Sequence[tuple[ApiResponse, ApiResponse]]],
    *,
    ordered: frozenset[str] = frozenset(),
) -> list[NoiseField]:
    """Patterns of what differs between two instances of one backend on the same actions.

    Each run is one action sequence: (answer of instance A, answer of instance B) per step;
    canonical ids are tracked per instance across the steps of a run, as in the suites.
    """
    counts: dict[str, list[Difference]] = {}
    for run in runs:
        first, second = CanonicalIds(), CanonicalIds()
        for a, b in run:
            for difference in compare(a, b, rails_ids=first, go_ids=second, ordered=ordered):
                counts.setdefault(generalize(difference.pointer), []).append(difference)
    return [
        NoiseField(
            pattern=pattern,
            source="learned",
            kinds=tuple(sorted({str(d.kind) for d in seen})),
            seen=len(seen),
            example=f"{seen[0].pointer}: {seen[0].rails!r} vs {seen[0].go!r}",
        )
        for pattern, seen in sorted(counts.items())
    ]


def declared_noise(patterns: Iterable[str]) -> list[NoiseField]:
    """Patterns from configuration, checked: each must be a JSON Pointer (`*`, `**` allowed)."""
    fields = []
    for pattern in patterns:
        try:
            split_pointer(pattern)
        except HarnessError:
            raise HarnessError(
                f"ignore pattern {pattern!r} is not a JSON Pointer: write it like "
                "/discussions/*/last_activity_at (`*` one segment, `**` any number)."
            ) from None
        fields.append(NoiseField(pattern=pattern, source="declared"))
    return fields


def is_ignored(pointer: str, patterns: Iterable[str]) -> bool:
    """Whether `pointer` is at or under one of `patterns`."""
    return any(match_pointer(pointer, pattern) for pattern in patterns)


def partition(
    differences: Iterable[Difference], noise: Sequence[NoiseField]
) -> tuple[list[Difference], list[tuple[Difference, NoiseField]]]:
    """(differences that count, differences set aside with the noise field that explains each)."""
    kept: list[Difference] = []
    ignored: list[tuple[Difference, NoiseField]] = []
    for difference in differences:
        match = next((f for f in noise if match_pointer(difference.pointer, f.pattern)), None)
        if match is None:
            kept.append(difference)
        else:
            ignored.append((difference, match))
    return kept, ignored
