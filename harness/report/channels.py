"""The report's channel section: sockets, rooms, deliveries compared, latency per side.

Built from the figures contracts/channels/test_rooms.py records (suite `channels/rooms`):
counts, the distinct rooms published to, and each side's publish -> deliver latency as a histogram
(`latency rails ≤ 5 ms`: n), which adds up across workers and shards; percentiles are read
off the histogram as bucket bounds ("p95 ≤ 5 ms").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SUITE = "channels/rooms"  # the report names contracts/channels/test_rooms.py so
LATENCY_PREFIX = "latency "
_BUCKET = re.compile(r"latency (?P<side>\S+) (?P<op>[≤>]) (?P<bound>[\d.]+) ms")


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencyRow:
    """One side's latency: samples, and the bucket bound each percentile falls under."""

    side: str
    samples: int
    p50: str
    p95: str
    p99: str
    buckets: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelSummary:
    figures: tuple[tuple[str, float], ...]
    latency: tuple[LatencyRow, ...]


def channel_summary(figures: Mapping[str, Sequence[tuple[str, float]]]) -> ChannelSummary | None:
    """The channel section from the run's figures; None when the channel suite did not run."""
    mine = figures.get(SUITE)
    if not mine:
        return None
    plain = tuple((n, v) for n, v in mine if not n.startswith(LATENCY_PREFIX))
    sides: dict[str, list[tuple[float, str, int]]] = {}
    for name, value in mine:
        match = _BUCKET.fullmatch(name)
        if match:
            bound = float(match["bound"]) + (1e9 if match["op"] == ">" else 0)
            label = f"{match['op']} {match['bound']} ms"
            sides.setdefault(match["side"], []).append((bound, label, int(value)))
    rows = tuple(_row(side, sorted(buckets)) for side, buckets in sorted(sides.items()))
    return ChannelSummary(figures=plain, latency=rows)


def _row(side: str, buckets: list[tuple[float, str, int]]) -> LatencyRow:
    total = sum(n for _, _, n in buckets)

    def percentile(p: float) -> str:
        seen = 0
        for _, label, n in buckets:
            seen += n
            if seen >= p * total:
                return label
        return "n/a"

    return LatencyRow(
        side=side,
        samples=total,
        p50=percentile(0.50),
        p95=percentile(0.95),
        p99=percentile(0.99),
        buckets=tuple((label, n) for _, label, n in buckets),
    )
