"""The lockstep's data-parity hook: both databases compared at the end of each example.

The machine marks each side's tables before its scope is seeded (harness.data_check); at
the end of the example, after the closing reads, `after_example` compares what the example
left in both databases with the example's canonical-id maps (raising DataFailure, which
Hypothesis shrinks), or, in solo mode (noise learning replays), hands back the rails side's
rows for contracts.noise_learning to compare.
"""

from __future__ import annotations

from collections.abc import Mapping

from contracts.differential import Lockstep
from harness.data_check import DataParity
from harness.rows import Mark, Rows


def after_example(parity: DataParity, marks: Mapping[str, Mark], lockstep: Lockstep) -> Rows | None:
    """Compare both databases (raises DataFailure), or the rails rows in solo mode."""
    if lockstep.solo:
        return parity.snapshot(marks, "rails")
    ids = {"rails": lockstep.rails.ids, "go": lockstep.go.ids}
    parity.check(marks, ids, tuple(call.describe() for call in lockstep.calls))
    return None
