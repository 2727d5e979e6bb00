"""Data parity at the end of property examples that write (threading, tallies).

The example's rows on both sides (everything above the marks taken before it wrote) are
compared through harness.data_check with canonical-id maps built from the records each
backend's driver remembered by oracle reference (`("Comment", "c1")` -> raw id), so
`comments#1` is the same comment on both sides; the rows the drivers never saw are matched
by what they reference. A difference or a broken invariant fails the example as a `data`
finding (Hypothesis shrinks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from harness.data_check import DataFailure, DataParity, Verdict
from harness.findings import FindingKind
from harness.noise import generalize
from harness.normalize import CanonicalIds, class_type
from harness.rows import Mark
from properties.findings import Problem, PropertyFailure

CHECK = "data_parity"


def begin(data: DataParity) -> dict[str, Mark] | None:
    """Marks before an example writes (None when a side's database is unknown)."""
    return data.begin() if data.active else None


def canonical_ids(records: Mapping[tuple[str, str], int]) -> CanonicalIds:
    """A side's names of the records its driver made: `(class name, oracle ref) -> raw id`,
    named in the order of the references (the same on both sides)."""
    ids = CanonicalIds()
    for (model, _), raw in sorted(records.items()):
        ids.name(class_type(model), raw)
    return ids


def check_data(
    data: DataParity,
    marks: Mapping[str, Mark] | None,
    records: Mapping[str, Mapping[tuple[str, str], int]],
    steps: Sequence[str],
) -> None:
    """Compare both databases after the example; a difference fails it as a data finding."""
    if marks is None:
        return
    ids = {side: canonical_ids(made) for side, made in records.items()}
    try:
        data.check(marks, ids, tuple(steps))
    except DataFailure:
        assert data.failure is not None
        raise PropertyFailure(CHECK, FindingKind.DATA, problems(data.failure[0]), steps) from None


def problems(verdict: Verdict) -> list[Problem]:
    """The verdict as property problems (values already masked where secret)."""
    found = [
        Problem(
            backend="rails,go",
            title=f"{d.kind} at {generalize(d.pointer)}",
            detail=d.detail,
            operation=f"table {d.pointer.split('/')[1]}",
            actual=d.go,
            extra={"rails": d.rails, "pointer": d.pointer},
        )
        for d in verdict.differences
    ]
    for b in verdict.breaches:
        side = b.sides[0]
        found.append(
            Problem(
                backend=",".join(b.sides),
                title=f"{b.rule}: {b.table}.{b.column}",
                detail=f"row {b.row}",
                operation=f"table {b.table}",
                expected=b.expected[side],
                actual=b.actual[side],
            )
        )
    return found
