"""Data parity of an example: after the same actions, both databases hold the same rows.

`DataParity.from_backends` finds each side's database (harness.rows.database_of); when one
is unknown the comparison is skipped and says why (the suites put it in the report and on
the terminal). For each example it marks every table before the example writes (`begin`),
and at its end (`check`) reads what each side holds above the mark, compares the two
through the one comparison core (harness.data_parity: the example's canonical-id maps,
normalize, compare), sets noise aside (learned, and declared as `data:` in
contracts/ignore.yaml), and checks Loomio's invariants on each side's rows
(harness.data_invariants). A difference or a violation raises `DataFailure`, so Hypothesis
shrinks the example like any failure; `findings` turns the minimal one into `data` findings
(table, canonical row, column, both values, steps). The lockstep (contracts/data_parity.py)
and the property suites (properties/data_checks.py) call it.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from harness import data_invariants
from harness.backends import Backends
from harness.compare import Difference
from harness.data_parity import SideData, compare_sides, place_of, side_data, tables_and_rows
from harness.errors import HarnessError
from harness.findings import Finding, FindingKind
from harness.noise import NoiseField, declared_noise, generalize, partition
from harness.normalize import CanonicalIds, references
from harness.report.model import DATA_NOISE_PREFIX, DATA_SUITE
from harness.rows import Mark, RowReader, Rows, database_of
from harness.vocabulary import Vocabulary

SUITE = DATA_SUITE  # the report's data-parity section reads this suite's figures
CHECK = "data_parity"
INVARIANT_CHECK = "data_invariant"
SIDES = ("rails", "go")


class DataFailure(AssertionError):
    """The two databases differ after an example, or one breaks a rule of Loomio's data."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Breach:
    """An invariant violation in canonical terms, and the sides that have it."""

    table: str
    row: str
    column: str
    rule: str
    sides: tuple[str, ...]
    expected: dict[str, Any]
    actual: dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """What one example's comparison found."""

    differences: tuple[Difference, ...]
    ignored: tuple[tuple[Difference, NoiseField], ...]
    breaches: tuple[Breach, ...]

    @property
    def failed(self) -> bool:
        return bool(self.differences or self.breaches)


@dataclass
class DataParity:
    """Per suite run: a row reader per side, the noise, figures, the last failure."""

    readers: dict[str, RowReader]
    skipped: str = ""  # why nothing is compared ("" when both databases are known)
    noise: Sequence[NoiseField] = ()
    figures: dict[str, float] = field(default_factory=dict)
    ignored: dict[str, NoiseField] = field(default_factory=dict)
    failure: tuple[Verdict, tuple[str, ...]] | None = None  # and the example's steps
    vocabulary: Vocabulary | None = None  # the run's spec's (default: the bundled one)

    @classmethod
    def from_backends(cls, backends: Backends, noise: Sequence[NoiseField] = ()) -> DataParity:
        """Readers for both sides, or a skip naming the side whose database is unknown."""
        found = {b.name: database_of(b, backends) for b in backends}
        unknown = [why for dsn, why in found.values() if dsn is None]
        if not unknown and len({dsn for dsn, _ in found.values()}) == 1:
            unknown = ["both sides use the same database: nothing to compare"]
        if unknown:
            return cls(readers={}, skipped="; ".join(unknown), noise=noise)
        readers = {name: RowReader(dsn=str(dsn), side=name) for name, (dsn, _) in found.items()}
        return cls(readers=readers, noise=noise)

    @property
    def active(self) -> bool:
        return bool(self.readers)

    def begin(self) -> dict[str, Mark]:
        """Each side's marks, taken before the example's scope is seeded."""
        return {name: reader.mark() for name, reader in self.readers.items()}

    def read(self, marks: Mapping[str, Mark], sides: Iterable[str] = SIDES) -> dict[str, Rows]:
        return {name: self.readers[name].read(marks[name]) for name in sides}

    def snapshot(self, marks: Mapping[str, Mark], side: str) -> Rows:
        """One side's rows above its mark (noise learning compares two replays' rows)."""
        with self._timed():
            return self.read(marks, (side,))[side]

    def check(
        self, marks: Mapping[str, Mark], ids: Mapping[str, CanonicalIds], steps: tuple[str, ...]
    ) -> None:
        """Compare what the example left in both databases; raise DataFailure on a finding."""
        with self._timed():
            verdict = self._verdict(marks, ids)
        if verdict.failed:
            self.failure = (verdict, steps)
            raise DataFailure(describe(verdict))

    @contextlib.contextmanager
    def _timed(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._add("seconds comparing", time.perf_counter() - started)

    def _verdict(self, marks: Mapping[str, Mark], ids: Mapping[str, CanonicalIds]) -> Verdict:
        rows = self.read(marks)
        sides = {name: side_data(rows[name], ids[name], self.vocabulary) for name in SIDES}
        verdict = self.judge(sides)
        tables, count = tables_and_rows(sides.values())
        self._add("examples compared", 1)
        self._add("rows compared", count)
        for table in sorted({t for side in sides.values() for t, r in side.rows.items() if r}):
            self._add(
                f"rows compared in {table}", sum(len(s.rows.get(table, [])) for s in sides.values())
            )
        self._add("tables with rows", tables, keep_max=True)
        self._add("differences set aside as noise", len(verdict.ignored))
        self._add("invariant violations", len(verdict.breaches))
        for _, noise in verdict.ignored:
            self.ignored.setdefault(noise.pattern, noise)
        return verdict

    def judge(self, sides: Mapping[str, SideData]) -> Verdict:
        found = compare_sides(sides["rails"], sides["go"])
        kept, ignored = partition(found, self.noise)
        return Verdict(
            differences=tuple(kept), ignored=tuple(ignored), breaches=tuple(self.breaches(sides))
        )

    def breaches(self, sides: Mapping[str, SideData]) -> list[Breach]:
        """Invariant violations of both sides, merged where both sides break the same rule."""
        merged: dict[tuple[str, str, str, str], dict[str, data_invariants.Violation]] = {}
        for name in SIDES:
            side = sides[name]
            outside = data_invariants.outside_references(side.rows)
            absent = {t: self.readers[name].missing(t, sorted(ids)) for t, ids in outside.items()}
            for v in data_invariants.check(side.rows, absent):
                row = side.ids.name(v.table, v.id)
                merged.setdefault((v.table, row, v.column, v.rule), {})[name] = v
        return [
            Breach(
                table=table,
                row=row,
                column=column,
                rule=rule,
                sides=tuple(by_side),
                expected={s: _named(v, v.expected, sides[s].ids) for s, v in by_side.items()},
                actual={s: _named(v, v.actual, sides[s].ids) for s, v in by_side.items()},
            )
            for (table, row, column, rule), by_side in sorted(merged.items())
        ]

    def _add(self, name: str, n: float, keep_max: bool = False) -> None:
        old = self.figures.get(name, 0)
        self.figures[name] = max(old, n) if keep_max else old + n

    def close(self) -> None:
        for reader in self.readers.values():
            reader.close()


def _named(violation: data_invariants.Violation, value: Any, ids: CanonicalIds) -> str:
    """A violation's value as the report shows it: ids of references by canonical name."""
    refs = list(references({violation.column: value}, violation.table))
    return ids.name(*refs[0]) if len(refs) == 1 else str(value)


def describe(verdict: Verdict, limit: int = 8) -> str:
    """The failure message: differences and violations, secrets already masked."""
    lines = ["the two databases differ after this example, or break a rule of Loomio's data"]
    for d in verdict.differences[:limit]:
        lines.append(f"  {d.pointer} [{d.kind}]: rails {d.rails!r:.160} / go {d.go!r:.160}")
    for b in verdict.breaches[:limit]:
        lines.append(
            f"  {b.table}/{b.row}/{b.column} on {','.join(b.sides)}: {b.rule} "
            f"(expected {b.expected}, holds {b.actual})"
        )
    more = len(verdict.differences) + len(verdict.breaches) - 2 * limit
    if more > 0:
        lines.append(f"  ... and about {more} more")
    return "\n".join(lines)


def findings(
    verdict: Verdict, steps: tuple[str, ...], noise: Iterable[NoiseField]
) -> list[Finding]:
    """`data` findings of a (shrunk) failing example: one per difference and per violation."""
    listed = [f"{n.source}: {n.pattern}" for n in noise]
    found = []
    for d in verdict.differences:
        place = place_of(d.pointer)
        found.append(
            Finding.create(
                kind=FindingKind.DATA,
                check=CHECK,
                title=f"{d.kind} at {generalize(d.pointer)}",
                operation=f"table {place.table}",
                backend="rails,go",
                detail=f"{d.detail}: table {place.table}, row {place.row or '-'}, "
                f"column {place.column or '-'}",
                pointer=d.pointer,
                rails=d.rails,
                go=d.go,
                steps=steps,
                extra={"table": place.table, "row": place.row, "column": place.column,
                       "difference_kind": str(d.kind), "noise": listed},
            )
        )  # fmt: skip
    for b in verdict.breaches:
        found.append(
            Finding.create(
                kind=FindingKind.DATA,
                check=INVARIANT_CHECK,
                title=f"{b.rule}: {b.table}.{b.column}",
                operation=f"table {b.table}",
                backend=",".join(b.sides),
                detail=f"{b.rule}: table {b.table}, row {b.row}, column {b.column}; "
                f"expected {b.expected}, holds {b.actual}",
                pointer=f"/{b.table}/{b.row}/{b.column}",
                rails=b.actual.get("rails"),
                go=b.actual.get("go"),
                steps=steps,
                extra={"table": b.table, "row": b.row, "column": b.column, "rule": b.rule,
                       "expected": b.expected},
            )
        )  # fmt: skip
    return found


def listed(fields: Iterable[NoiseField]) -> list[NoiseField]:
    """Noise fields as the report lists them: `data /users/*/last_seen_at`."""
    return [replace(f, pattern=f"{DATA_NOISE_PREFIX}{f.pattern}") for f in fields]


def load_declared_data(path: Path) -> list[NoiseField]:
    """Declared data ignores of an ignore file (contracts/ignore.yaml): `data: [users.last_seen_at,
    versions]` -> `/users/*/last_seen_at`, `/versions`."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    names = data.get("data") or [] if isinstance(data, dict) else None
    if not isinstance(names, list) or not all(
        isinstance(n, str) and re.fullmatch(r"[a-z_]+(\.[a-z_]+)?", n) for n in names
    ):
        raise HarnessError(
            f"{path}: `data` must be a list of `table` or `table.column` names, e.g. "
            "data: [users.last_seen_at]"
        )
    return declared_noise(f"/{n.replace('.', '/*/')}" for n in names)
