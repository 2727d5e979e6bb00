"""Noisy fields: learned Diffy-style, or declared; always listed, never applied silently.

Two instances of the same backend, given the same actions, should answer alike. What
still differs between them (a random token, a clock-dependent count) is noise: a
difference between rails and go at the same place says nothing about the port. Noise is
kept as JSON Pointer patterns where array indices and canonical record ids are `*`:
`/discussions/*/last_activity_at`. The report lists every pattern, learned or declared,
with how many differences it excluded.

What is never learned: a status difference, an envelope-shape difference, or any difference
at the root or at a top-level key (a whole collection, `meta`): two instances of a backend
that differ there are broken, not noisy, and such a pattern would hide every difference of
the answer. A learned pattern holds for one operation and the kinds of difference seen there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from harness.compare import Difference, Kind, compare
from harness.errors import HarnessError
from harness.http import ApiResponse
from harness.normalize import CanonicalIds, match_pointer, split_pointer, to_pointer
from harness.vocabulary import Vocabulary

# a canonical record id (`discussions#3`, `users#1@2`, `"events#2"`) or an array index
_VARIABLE_SEGMENT = re.compile(r'^(\d+|"?[a-z_]+(\.[a-z_]+)?#\d+(@\d+)?"?|null(@\d+)?)$')
NEVER_NOISE = frozenset({Kind.STATUS, Kind.ENVELOPE})
MIN_DEPTH = 2  # segments: `/discussions/*` and deeper; never the root or a top-level key


@dataclass(frozen=True, slots=True, kw_only=True)
class NoiseField:
    """One ignored place: the pattern, where it comes from and what was seen there."""

    pattern: str
    source: str  # "learned" (two instances of one backend differed) or "declared" (config)
    kinds: tuple[str, ...] = ()  # difference kinds seen there, when learned: only those match
    seen: int = 0  # how many times it differed while learning
    example: str = ""  # one difference, for the report
    operation: str = ""  # learned: the one operation it holds for ("": declared, every one)
    excluded: int = 0  # differences it set aside in the run

    @property
    def key(self) -> str:
        """`GET /api/v1/discussions/{id} /discussions/*/seen_by_count`: how it is listed."""
        return f"{self.operation} {self.pattern}" if self.operation else self.pattern

    def covers(self, difference: Difference) -> bool:
        """Whether this field explains `difference`: its place, and a kind seen there."""
        if self.kinds and str(difference.kind) not in self.kinds:
            return False
        return match_pointer(difference.pointer, self.pattern)


def learnable(difference: Difference) -> bool:
    """Whether a difference between two instances of one backend may become noise."""
    deep = len(split_pointer(difference.pointer)) >= MIN_DEPTH
    return deep and difference.kind not in NEVER_NOISE


def generalize(pointer: str) -> str:
    """`/discussions/discussions#3/events/0/id` -> `/discussions/*/events/*/id`."""
    return to_pointer(["*" if _VARIABLE_SEGMENT.match(s) else s for s in split_pointer(pointer)])


def learn_noise(
    runs: Iterable[Sequence[tuple[str, ApiResponse, ApiResponse]]],
    *,
    ordered: frozenset[str] = frozenset(),
    columns: Mapping[str, tuple[str, ...]] | None = None,
    vocabulary: Vocabulary | None = None,
) -> dict[str, tuple[NoiseField, ...]]:
    """Patterns, per operation, of what differs between two instances of one backend.

    Each run is one action sequence: (operation, answer of instance A, answer of instance
    B) per step; canonical ids are tracked per instance across the steps of a run, as in
    the suites. A pattern learned on one operation says nothing about another's answers
    (`GET /api/v1/events/timeline` rows are not `GET /api/v1/discussions/{id}` fields).
    `columns` gives the cell names of operations answering bare rows (normalize.columns).
    """
    seen: dict[str, dict[str, list[Difference]]] = {}
    for run in runs:
        first, second = CanonicalIds(), CanonicalIds()
        for operation, a, b in run:
            cells = (columns or {}).get(operation, ())
            for difference in compare(
                a,
                b,
                rails_ids=first,
                go_ids=second,
                ordered=ordered,
                columns=cells,
                vocabulary=vocabulary,
            ):
                if not learnable(difference):
                    continue  # stays a difference: the suite shows it if rails and go differ
                by_pattern = seen.setdefault(operation, {})
                by_pattern.setdefault(generalize(difference.pointer), []).append(difference)
    return {
        operation: tuple(_learned(operation, p, found) for p, found in sorted(patterns.items()))
        for operation, patterns in sorted(seen.items())
    }


def _learned(operation: str, pattern: str, found: Sequence[Difference]) -> NoiseField:
    first = found[0]
    return NoiseField(
        pattern=pattern,
        source="learned",
        kinds=tuple(sorted({str(d.kind) for d in found})),
        seen=len(found),
        example=f"{operation} {first.pointer}: {first.rails!r:.80} vs {first.go!r:.80}",
        operation=operation,
    )


def declared_noise(patterns: Iterable[str]) -> list[NoiseField]:
    """Patterns from configuration, checked: each must be a JSON Pointer (`*`, `**` allowed)."""
    fields = []
    for pattern in patterns:
        try:
            if not split_pointer(pattern) or pattern.strip("/*") == "":
                raise HarnessError(pattern)
        except HarnessError:
            raise HarnessError(
                f"ignore pattern {pattern!r} is not a JSON Pointer to a field: write it like "
                "/discussions/*/last_activity_at (`*` one segment, `**` any number); the root "
                "and all-wildcard patterns would hide every difference."
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
        match = next((f for f in noise if f.covers(difference)), None)
        if match is None:
            kept.append(difference)
        else:
            ignored.append((difference, match))
    return kept, ignored
