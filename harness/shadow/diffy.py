"""Counters per endpoint and field, and which fields really differ (pure), Diffy-style.

For each endpoint: how many exchanges the candidate answered (`compared`), how many the
secondary answered (`noise_compared`), and per field (generalized JSON Pointer) and kind how
many candidate answers differed from the primary's (`raw`) and, per field, how many
secondary answers did (`noise`: a second instance of the primary's own build differs there
too, so the field says nothing about the port).

A field is a finding when its raw rate exceeds its noise rate by more than both thresholds:
`absolute` (percentage points of the endpoint's exchanges, Diffy's default 0.03) and
`relative` (percent of the raw rate, Diffy's default 20), and when that excess is not
chance: with a secondary, a one-sided binomial test of the raw against the noise count
(`significance`, 0.01). One odd answer in 1 600 (0.06 %, above Diffy's absolute threshold)
against none from the secondary is what chance gives half the time; 21 against none is not.
With no secondary every noise rate is 0 and the thresholds alone decide.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.findings import Finding, FindingKind
from harness.noise import NoiseField, generalize
from harness.shadow.judge import Exchange


@dataclass(frozen=True, slots=True, kw_only=True)
class Thresholds:
    """When a field's raw count stands out of its noise (both in percent)."""

    relative: float = 20.0
    absolute: float = 0.03
    significance: float = 0.01  # the raw excess must also be this unlikely as chance


@dataclass(slots=True)
class EndpointCounts:
    """What the store holds about one endpoint, added up."""

    compared: int = 0
    noise_compared: int = 0
    candidate_errors: Counter[str] = field(default_factory=Counter)
    dropped: int = 0
    raw: Counter[tuple[str, str]] = field(default_factory=Counter)
    noise: Counter[str] = field(default_factory=Counter)
    examples: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    @property
    def attempted(self) -> int:
        return self.compared + sum(self.candidate_errors.values())


@dataclass(frozen=True, slots=True, kw_only=True)
class FieldVerdict:
    """One field of one endpoint: both counts, both rates and whether it is a finding."""

    endpoint: str
    pattern: str
    kind: str
    raw: int
    noise: int
    raw_rate: float
    noise_rate: float
    flagged: bool


def tally(
    exchanges: Iterable[Exchange], dropped: Iterable[tuple[str, int]] = ()
) -> dict[str, EndpointCounts]:
    """Counters per endpoint from stored exchanges and drop counts."""
    counts: dict[str, EndpointCounts] = {}
    for exchange in exchanges:
        c = counts.setdefault(exchange.endpoint, EndpointCounts())
        error = exchange.candidate[2]
        if error:
            c.candidate_errors[error] += 1
            continue
        c.compared += 1
        c.raw.update(exchange.diffs)
        for example in exchange.examples:
            key = (_generalized(example), str(example.get("kind", "")))
            c.examples.setdefault(key, example)
        if exchange.secondary is not None and not exchange.secondary[2]:
            c.noise_compared += 1
            c.noise.update({pattern for pattern, _ in exchange.noise})
    for endpoint, n in dropped:
        counts.setdefault(endpoint, EndpointCounts()).dropped += n
    return counts


def _generalized(example: dict[str, Any]) -> str:
    return generalize(str(example.get("pointer", "")))


def verdicts(counts: dict[str, EndpointCounts], thresholds: Thresholds) -> list[FieldVerdict]:
    """Every field that differed at least once on some endpoint, judged."""
    found = []
    for endpoint, c in sorted(counts.items()):
        for (pattern, kind), raw in sorted(c.raw.items()):
            raw_rate = raw / c.compared
            noise = c.noise[pattern]
            noise_rate = noise / c.noise_compared if c.noise_compared else 0.0
            excess = raw_rate - noise_rate
            flagged = (
                excess * 100 > thresholds.absolute
                and excess / raw_rate * 100 > thresholds.relative
                and chance(raw, c.compared, noise, c.noise_compared) < thresholds.significance
            )
            found.append(
                FieldVerdict(
                    endpoint=endpoint,
                    pattern=pattern,
                    kind=kind,
                    raw=raw,
                    noise=noise,
                    raw_rate=raw_rate,
                    noise_rate=noise_rate,
                    flagged=flagged,
                )
            )
    return found


def chance(raw: int, compared: int, noise: int, noise_compared: int) -> float:
    """How likely `raw` or more of the raw + noise differences fall on the candidate side if
    a difference is as likely against the candidate as against the secondary (a one-sided
    binomial test); 0 without a secondary (nothing to compare with: thresholds decide)."""
    if noise_compared == 0:
        return 0.0
    p = compared / (compared + noise_compared)
    m = raw + noise
    return sum(math.comb(m, k) * p**k * (1 - p) ** (m - k) for k in range(raw, m + 1))


def findings(
    counts: dict[str, EndpointCounts], thresholds: Thresholds, check: str
) -> list[Finding]:
    """A differential finding per flagged field; a failure finding per endpoint whose
    candidate failed to answer more often than the absolute threshold allows."""
    found = []
    for v in verdicts(counts, thresholds):
        if not v.flagged:
            continue
        c = counts[v.endpoint]
        example = c.examples.get((v.pattern, v.kind), {})
        found.append(
            Finding.create(
                kind=FindingKind.DIFFERENTIAL,
                check=check,
                title=f"{v.kind} at {v.pattern or 'the response'}",
                operation=v.endpoint,
                backend="rails,go",
                detail=f"{v.raw} of {c.compared} answers differ here ({v.raw_rate:.2%}); "
                f"noise {v.noise} of {c.noise_compared} ({v.noise_rate:.2%}). "
                + str(example.get("detail", "")),
                pointer=str(example.get("pointer", v.pattern)),
                rails=example.get("rails"),
                go=example.get("go"),
                extra={"raw": v.raw, "noise": v.noise, "compared": c.compared},
            )
        )
    for endpoint, c in sorted(counts.items()):
        errors = sum(c.candidate_errors.values())
        if errors and errors / c.attempted * 100 > thresholds.absolute:
            kinds = ", ".join(f"{k} ×{n}" for k, n in sorted(c.candidate_errors.items()))
            found.append(
                Finding.create(
                    kind=FindingKind.BACKEND_FAILURE,
                    check=check,
                    title="go backend did not answer",
                    operation=endpoint,
                    backend="go",
                    detail=f"{errors} of {c.attempted} mirrored requests got no answer ({kinds})",
                )
            )
    return found


def noise_fields(counts: dict[str, EndpointCounts]) -> list[NoiseField]:
    """Fields where the secondary differed from the primary: the report's noise list."""
    seen: Counter[str] = Counter()
    for c in counts.values():
        seen.update(c.noise)
    return [
        NoiseField(pattern=p, source="learned", seen=n, example="primary vs secondary")
        for p, n in sorted(seen.items())
    ]
