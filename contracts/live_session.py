"""Publication capture over a whole lockstep test: probes, figures, the failing step.

`LiveSession.start(backends)` captures when both sides have a Redis (harness.redis) and
otherwise keeps why it cannot; `example()` opens one example's capture
(contracts.live_capture.LiveCapture).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from contracts.live_capture import LiveCapture, LiveStats, StepReport
from contracts.live_probe import Probe
from harness.backends import Backend, Backends


def probes_for(backends: Backends) -> dict[str, Probe | None]:
    """A database probe per side that has a database the harness can read."""
    return {b.name: Probe(b.seed_dsn) if b.seed_dsn else None for b in backends}


def unavailable(backends: Sequence[Backend]) -> str:
    """Why live updates cannot be compared ("" when both sides have a Redis)."""
    missing = [f"{b.name}: {b.redis_why or 'no Redis'}" for b in backends if not b.redis_url]
    return "; ".join(missing)


@dataclass
class LiveSession:
    """Capture over a whole lockstep test: the probes, the stats, the failing step."""

    backends: Backends
    stats: LiveStats = field(default_factory=LiveStats)
    probes: dict[str, Probe | None] = field(default_factory=dict)
    failure: tuple[Any, Any, Any, StepReport] | None = None  # lockstep, scope, outcome, report
    accepted: frozenset[str] = frozenset()  # leak causes declared as Loomio's own
    # side -> the highest event id answered so far: a write's events above it are new
    newest: dict[str, int] = field(default_factory=lambda: {"rails": 0, "go": 0})

    @classmethod
    def start(cls, backends: Backends, accepted: Iterable[str] = ()) -> LiveSession:
        """Capture on both sides, or a session that says why it captures nothing."""
        why = unavailable(list(backends))
        if why:
            return cls(backends=backends, stats=LiveStats(skipped=why))
        return cls(backends=backends, probes=probes_for(backends), accepted=frozenset(accepted))

    @property
    def active(self) -> bool:
        return not self.stats.skipped

    def example(self) -> LiveCapture | None:
        if not self.active:
            return None
        return LiveCapture.open(self.backends, self.probes, self.accepted, self.newest)

    def close(self) -> None:
        for probe in self.probes.values():
            if probe is not None:
                self.stats.undecided += probe.undecided
                probe.close()
