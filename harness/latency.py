"""Paired latency: the same request sent to both sides gives a pair; pairs give the ratio.

Every producer (the lockstep through `PairingObserver`, the shadow proxy, replay) turns one
request answered by both backends into a `Pair`. `summarize` gives, per operation and over
all of them, p50/p95/p99 per side, 4xx and 5xx rates per side, and the median latency ratio
go/rails with a 95 % confidence interval.

The ratio is the Hodges–Lehmann estimate on the paired log-ratios ln(go/rails), with the
distribution-free confidence interval of the Wilcoxon signed-rank test (the order statistics
of the Walsh averages), exponentiated back to a ratio. Why not a bootstrap: the interval is
deterministic (the same pairs always give the same verdict, so a gate cannot flip between
two renders of one run), needs no resampling, and is robust to the long tail a shared CI
machine adds (a GC pause on one side moves one log-ratio, not the estimate). The signed-rank
interval assumes the log-ratios are symmetric about their median, which paired timings of
one request on two builds are close to; it is exact under that assumption.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist

from harness.http import ApiRequest, ApiResponse

CONFIDENCE = 0.95
# Walsh averages grow as n²/2: above this many pairs an evenly spaced subsample is used
# (500 500 averages; the interval is then a little wider than the full sample's would be).
MAX_PAIRS_FOR_INTERVAL = 1000
OVERALL = "all operations"


@dataclass(frozen=True, slots=True, kw_only=True)
class Pair:
    """One request answered by both sides: its operation, both times (ms), both statuses."""

    operation: str
    rails_ms: float
    go_ms: float
    rails_status: int
    go_status: int

    def to_list(self) -> list[object]:
        return [self.operation, self.rails_ms, self.go_ms, self.rails_status, self.go_status]

    @classmethod
    def from_list(cls, item: Sequence[object]) -> Pair:
        operation, rails_ms, go_ms, rails_status, go_status = item
        return cls(
            operation=str(operation),
            rails_ms=float(rails_ms),  # type: ignore[arg-type]  # JSON numbers
            go_ms=float(go_ms),  # type: ignore[arg-type]
            rails_status=int(rails_status),  # type: ignore[call-overload]
            go_status=int(go_status),  # type: ignore[call-overload]
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SideLatency:
    """One side's timings of one operation: percentiles (ms) and error rates (0..1)."""

    p50: float
    p95: float
    p99: float
    rate_4xx: float
    rate_5xx: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Ratio:
    """Median latency ratio go/rails with its confidence interval (1.0 = as fast)."""

    estimate: float
    low: float
    high: float


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationLatency:
    """One operation (or all of them): both sides and the ratio."""

    operation: str
    pairs: int
    rails: SideLatency
    go: SideLatency
    ratio: Ratio | None  # None below 2 pairs
    # the interval at a family-wise 95 % over every operation shown (Bonferroni): the one
    # a gate may read per operation without false alarms from the number of operations
    ratio_family: Ratio | None = None
    # pairs go answered with a 5xx (or not at all) and rails did not, of all pairs: the
    # rewrite's own errors (a 500 rails gives too, say Loomio's on an unbounded
    # position_key read, is parity, which the contract checks judge)
    go_only_5xx: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class LatencySummary:
    """Per operation, slowest ratio first, and all pairs pooled."""

    operations: tuple[OperationLatency, ...]
    overall: OperationLatency


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("percentile of no values")
    position = (len(ordered) - 1) * q / 100
    lower = math.floor(position)
    upper = min(lower + 1, len(ordered) - 1)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def hodges_lehmann(values: Sequence[float], confidence: float = CONFIDENCE) -> Ratio:
    """Hodges–Lehmann location of `values` with the Wilcoxon signed-rank interval.

    The estimate is the median of the Walsh averages (x_i + x_j)/2, i <= j; the interval is
    [W_(k), W_(M-k+1)] with k from the signed-rank statistic's normal approximation (exact
    enough from n ~ 10; below that, the interval widens to the whole range).
    """
    sample = _thin(values, MAX_PAIRS_FOR_INTERVAL)
    n = len(sample)
    if n == 0:
        raise ValueError("Hodges–Lehmann of no values")
    walsh = sorted((sample[i] + sample[j]) / 2 for i in range(n) for j in range(i, n))
    m = len(walsh)
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    k = math.floor(n * (n + 1) / 4 - z * math.sqrt(n * (n + 1) * (2 * n + 1) / 24))
    k = max(k, 1)
    estimate = (walsh[(m - 1) // 2] + walsh[m // 2]) / 2
    return Ratio(estimate=estimate, low=walsh[k - 1], high=walsh[m - k])


def _thin(values: Sequence[float], limit: int) -> list[float]:
    if len(values) <= limit:
        return list(values)
    step = len(values) / limit
    return [values[int(i * step)] for i in range(limit)]


def _side(times: Sequence[float], statuses: Sequence[int]) -> SideLatency:
    n = len(statuses)
    return SideLatency(
        p50=percentile(times, 50),
        p95=percentile(times, 95),
        p99=percentile(times, 99),
        rate_4xx=sum(1 for s in statuses if 400 <= s < 500) / n,
        rate_5xx=sum(1 for s in statuses if _failed(s)) / n,
    )


def operation_latency(operation: str, pairs: Sequence[Pair], family: int = 1) -> OperationLatency:
    """Both sides of one operation's pairs; the ratio from the pairs' log-ratios (and its
    interval at a family-wise confidence over `family` operations)."""
    ratio = family_ratio = None
    if len(pairs) >= 2:
        logs = [_log_ratio(p) for p in pairs]
        ratio = _exp(hodges_lehmann(logs))
        family_ratio = _exp(hodges_lehmann(logs, 1 - (1 - CONFIDENCE) / max(family, 1)))
    return OperationLatency(
        operation=operation,
        pairs=len(pairs),
        rails=_side([p.rails_ms for p in pairs], [p.rails_status for p in pairs]),
        go=_side([p.go_ms for p in pairs], [p.go_status for p in pairs]),
        ratio=ratio,
        ratio_family=family_ratio,
        go_only_5xx=sum(1 for p in pairs if _failed(p.go_status) and not _failed(p.rails_status))
        / len(pairs),
    )


def _failed(status: int) -> bool:
    return status >= 500 or status == 0


def _exp(logs: Ratio) -> Ratio:
    return Ratio(estimate=math.exp(logs.estimate), low=math.exp(logs.low), high=math.exp(logs.high))


def _log_ratio(pair: Pair) -> float:
    floor = 0.01  # ms: a timer that read 0 must not make the ratio infinite
    return math.log(max(pair.go_ms, floor) / max(pair.rails_ms, floor))


def summarize(pairs: Iterable[Pair]) -> LatencySummary | None:
    """Per-operation and overall latency of a run's pairs; None when there are none."""
    by_operation: dict[str, list[Pair]] = {}
    for pair in pairs:
        by_operation.setdefault(pair.operation, []).append(pair)
    if not by_operation:
        return None
    family = sum(1 for found in by_operation.values() if len(found) >= 2)
    rows = [operation_latency(op, found, family) for op, found in by_operation.items()]
    rows.sort(key=lambda r: (-(r.ratio.estimate if r.ratio else 0.0), r.operation))
    pooled = [p for found in by_operation.values() for p in found]
    return LatencySummary(operations=tuple(rows), overall=operation_latency(OVERALL, pooled))


# -- pairing what a client observes --------------------------------------------------------


@dataclass(slots=True)
class _Pending:
    backend: str
    started: float
    ended: float
    ms: float
    status: int


@dataclass(slots=True)
class PairingObserver:
    """A `BackendClient` observer that pairs rails' and go's answers to one logical request.

    A pair is two answers, one per side, with the same operation (the request's label, else
    method and path) whose time spans overlap: the lockstep sends each step to both sides at
    once. A request sent to one side only (noise learning, seeding through one backend) or
    to each side in turn never overlaps its counterpart and stays unpaired; it is forgotten
    after `window_s`.
    """

    sink: Callable[[Pair], None]
    window_s: float = 60.0
    clock: Callable[[], float] = time.perf_counter
    _pending: dict[str, list[_Pending]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, backend: str, request: ApiRequest, response: ApiResponse) -> None:
        ended = self.clock()
        started = ended - response.elapsed_ms / 1000
        operation = request.label or f"{request.method} {request.path}"
        mine = _Pending(backend, started, ended, response.elapsed_ms, response.status)
        with self._lock:
            waiting = self._pending.setdefault(operation, [])
            waiting[:] = [w for w in waiting if ended - w.ended < self.window_s]
            match = next((w for w in waiting if _overlaps(w, mine)), None)
            if match is None:
                waiting.append(mine)
                return
            waiting.remove(match)
        rails, go = (match, mine) if match.backend == "rails" else (mine, match)
        self.sink(
            Pair(
                operation=operation,
                rails_ms=rails.ms,
                go_ms=go.ms,
                rails_status=rails.status,
                go_status=go.status,
            )
        )


def _overlaps(a: _Pending, b: _Pending) -> bool:
    return a.backend != b.backend and a.started <= b.ended and b.started <= a.ended
