"""What one pytest process saw, kept for the report: a `Recorder` and its part file.

Each process (the only one, or each xdist worker, or each CI shard's controller) keeps
one `Recorder`, merged in memory as the suites feed it, and writes it as
`parts/part-<id>.json` in the report directory. The process that renders reads every
part and merges them (`Recorder.merge`), so workers and matrix shards add up the same way.
Bodies are never kept: an observation holds property names, not values.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from harness.http import ApiRequest, ApiResponse
from harness.latency import Pair
from harness.noise import NoiseField
from harness.redact import redact
from harness.report.coverage import Observation, observe
from harness.report.model import CheckResult, RunInfo
from harness.report.parameters import ParameterKey, ParameterTracker, ParameterUse

PART_VERSION = 1


@dataclass(slots=True)
class Recorder:
    """Observations, figures, noise and test outcomes of one process (mutable, in memory)."""

    observations: dict[tuple[str, str, str, int, str], Observation] = field(default_factory=dict)
    counts: dict[tuple[str, str], float] = field(default_factory=dict)
    distinct: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    noise: dict[str, NoiseField] = field(default_factory=dict)
    backends: dict[str, str] = field(default_factory=dict)
    seeds: set[str] = field(default_factory=set)
    checks: dict[str, CheckResult] = field(default_factory=dict)
    # failures not made findings, and why: (suite, category, subject, reason) -> count
    set_aside: dict[tuple[str, str, str, str], float] = field(default_factory=dict)
    runs: list[RunInfo] = field(default_factory=list)  # a rendering process' own run, at its end
    pairs: list[Pair] = field(default_factory=list)  # paired latency (harness.latency)
    # what each request did with its parameters (harness.report.parameters)
    tracker: ParameterTracker = field(default_factory=ParameterTracker)
    dirty: bool = False
    enabled: bool = True  # False: `exchange` is a no-op (no report asked, no cost per request)

    def exchange(
        self, backend: str, request: ApiRequest, response: ApiResponse, operation: str = ""
    ) -> None:
        """One request sent to `backend` and its response: counts toward coverage."""
        if not self.enabled:
            return
        self.tracker.record(backend, request, response, operation)
        self.add(
            observe(
                backend, request.method, request.path, response.status, response.body, operation
            )
        )

    def add(self, obs: Observation) -> None:
        known = self.observations.get(obs.key)
        self.observations[obs.key] = known.merge(obs) if known else obs
        self.dirty = True

    @property
    def parameters(self) -> dict[ParameterKey, ParameterUse]:
        """Per (backend, method, path shape, operation, in, name): what was sent."""
        return self.tracker.uses

    def count(self, suite: str, name: str, n: float = 1) -> None:
        """Add `n` to a figure of a suite: `count("properties/tallies", "polls checked")`."""
        self.counts[(suite, name)] = self.counts.get((suite, name), 0) + n
        self.dirty = True

    def cell(self, suite: str, name: str, key: Hashable) -> None:
        """Count distinct keys across all workers: `cell(suite, "permission cells", (a, c, x))`."""
        self.distinct.setdefault((suite, name), set()).add(json.dumps(key, default=str))
        self.dirty = True

    def aside(self, suite: str, category: str, subject: str, reason: str, n: float = 1) -> None:
        """A failure not made a finding (category `characterization`, `known`) or a known
        entry's use (n=0 when it matched nothing): every one is listed in the report."""
        key = (suite, category, subject, reason)
        self.set_aside[key] = self.set_aside.get(key, 0) + n
        self.dirty = True

    def exclude(self, noise: Iterable[NoiseField]) -> None:
        """Fields left out of the comparison (learned or declared), with the differences
        each set aside (`excluded`, added up): listed in the report."""
        for item in noise:
            known = self.noise.get(item.key)
            if known is None:
                self.noise[item.key] = item
                continue
            kept = item if item.seen > known.seen else known
            self.noise[item.key] = replace(kept, excluded=known.excluded + item.excluded)
        self.dirty = True

    def backend(self, name: str, where: str) -> None:
        """How a backend was reached (URL, image, command), for the run metadata."""
        self.backends[name] = redact(where)
        self.dirty = True

    def pair(self, pair: Pair) -> None:
        """One request answered by both sides, timed (harness.latency.PairingObserver)."""
        if not self.enabled:
            return
        self.pairs.append(pair)
        self.dirty = True

    def seed(self, seed: str) -> None:
        self.seeds.add(seed)
        self.dirty = True

    def check(self, result: CheckResult) -> None:
        self.checks[result.nodeid] = result
        self.dirty = True

    def merge(self, other: Recorder) -> None:
        """Add another process' record to this one (workers, shards).

        A test recorded twice (by its worker and by the xdist controller) keeps the first
        record: merge workers before the controller.
        """
        for obs in other.observations.values():
            self.add(obs)
        for key, n in other.counts.items():
            self.count(*key, n)
        for key, cells in other.distinct.items():
            self.distinct.setdefault(key, set()).update(cells)
        self.exclude(other.noise.values())
        for (suite, category, subject, reason), n in other.set_aside.items():
            self.aside(suite, category, subject, reason, n)
        self.backends.update(other.backends)
        self.seeds |= other.seeds
        for nodeid, check in other.checks.items():  # the first record of a test wins
            self.checks.setdefault(nodeid, check)
        self.runs += other.runs
        self.pairs += other.pairs
        for parameter, use in other.parameters.items():
            self.parameters.setdefault(parameter, ParameterUse()).add(use)

    def figures(self) -> dict[str, list[tuple[str, float]]]:
        """Per suite, its figures: the counts and the sizes of the distinct sets."""
        result: dict[str, list[tuple[str, float]]] = {}
        for (suite, name), n in sorted(self.counts.items()):
            result.setdefault(suite, []).append((name, n))
        for (suite, name), cells in sorted(self.distinct.items()):
            result.setdefault(suite, []).append((name, len(cells)))
        return result

    def to_json(self) -> str:
        """The part file's text."""
        document: dict[str, Any] = {
            "version": PART_VERSION,
            "observations": [
                {**asdict(o), "properties": sorted(o.properties)}
                for o in self.observations.values()
            ],
            "counts": [[s, n, v] for (s, n), v in self.counts.items()],
            "distinct": [[s, n, sorted(c)] for (s, n), c in self.distinct.items()],
            "noise": [asdict(f) for f in self.noise.values()],
            "set_aside": [[*k, n] for k, n in self.set_aside.items()],
            "backends": self.backends,
            "seeds": sorted(self.seeds),
            "checks": [asdict(c) for c in self.checks.values()],
            "runs": [asdict(r) for r in self.runs],
            "pairs": [p.to_list() for p in self.pairs],
            "parameters": [
                [*key, use.sent, sorted(use.values), use.changed]
                for key, use in self.parameters.items()
            ],
        }
        return json.dumps(document, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Recorder:
        """Read a part file back (the inverse of `to_json`)."""
        data = json.loads(text)
        recorder = cls()
        for item in data.get("observations", ()):
            recorder.add(Observation(**{**item, "properties": frozenset(item["properties"])}))
        for suite, name, value in data.get("counts", ()):
            recorder.count(suite, name, value)
        for suite, name, cells in data.get("distinct", ()):
            recorder.distinct.setdefault((suite, name), set()).update(cells)
        recorder.exclude(
            NoiseField(**{**item, "kinds": tuple(item["kinds"])}) for item in data.get("noise", ())
        )
        for suite, category, subject, reason, n in data.get("set_aside", ()):
            recorder.aside(suite, category, subject, reason, n)
        recorder.backends.update(data.get("backends", {}))
        recorder.seeds.update(data.get("seeds", ()))
        for item in data.get("checks", ()):
            recorder.check(CheckResult(**item))
        recorder.runs += [_run_info(item) for item in data.get("runs", ())]
        recorder.pairs += [Pair.from_list(item) for item in data.get("pairs", ())]
        for backend, method, path, operation, where, name, sent, values, changed in data.get(
            "parameters", ()
        ):
            key = (backend, method, path, operation, where, name)
            recorder.parameters[key] = ParameterUse(sent, set(values), changed)
        recorder.dirty = False
        return recorder


def _run_info(data: dict[str, Any]) -> RunInfo:
    """A RunInfo from its JSON form (lists back to tuples)."""
    values: dict[str, Any] = dict(data)
    values["seeds"] = tuple(values.get("seeds", ()))
    for key in ("versions", "backends", "routes"):
        values[key] = tuple(tuple(pair) for pair in values.get(key, ()))
    return RunInfo(**values)


def merge_recorders(recorders: Iterable[Recorder]) -> Recorder:
    """One record from many (order does not matter)."""
    merged = Recorder()
    for recorder in recorders:
        merged.merge(recorder)
    return merged
