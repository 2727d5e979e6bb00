"""A store's records -> the usual report (pure but for reading the store).

The same `Report` as a pytest run's, rendered by harness.report: Diffy-style findings
(harness.shadow.diffy), paired latency (primary = rails, candidate = go), the gates on
compared endpoints, the learned noise list, and the mirror's own counters as a suite.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.gates import ContractTally, Gates, evaluate
from harness.latency import Pair, summarize
from harness.report.model import Report, RunInfo, SuiteResult, group_findings
from harness.shadow.diffy import Thresholds, findings, noise_fields, tally
from harness.shadow.judge import Exchange


def pairs_of(exchanges: Sequence[Exchange]) -> list[Pair]:
    """Each exchange the candidate answered is a pair. The rails side of it is the secondary
    when it answered: it was sent at the same moment as the candidate, from the same process
    (the mirror), so both timings share the machine's load; else the primary's timing, taken
    on the client's path."""
    return [_pair(e) for e in exchanges if not e.candidate[2]]


def _pair(e: Exchange) -> Pair:
    rails = e.secondary if e.secondary and not e.secondary[2] else e.primary
    return Pair(
        operation=e.endpoint,
        rails_ms=rails[1],
        go_ms=e.candidate[1],
        rails_status=rails[0],
        go_status=e.candidate[0],
    )


def build_store_report(
    exchanges: Sequence[Exchange],
    dropped: Sequence[tuple[str, int]],
    *,
    source: str,
    thresholds: Thresholds | None = None,
    gates: Gates | None = None,
    run: RunInfo | None = None,
) -> Report:
    """The report of a shadow session or a replay from its stored records."""
    counts = tally(exchanges, dropped)
    found = findings(counts, thresholds or Thresholds(), check=source)
    latency = summarize(pairs_of(exchanges))
    failing = {f.operation for f in found}
    compared = [e for e, c in counts.items() if c.compared]
    contract = ContractTally(
        passed=sum(1 for e in compared if e not in failing),
        total=len(compared),
        findings=len(found),
        unit="endpoints",
    )
    figures = (
        ("requests judged", float(len(exchanges))),
        ("answered by the candidate", float(sum(c.compared for c in counts.values()))),
        ("compared with the secondary", float(sum(c.noise_compared for c in counts.values()))),
        (
            "candidate failures",
            float(sum(sum(c.candidate_errors.values()) for c in counts.values())),
        ),
        ("dropped (candidate lagging)", float(sum(c.dropped for c in counts.values()))),
        ("endpoints", float(len(counts))),
        ("proxy instances", float(len({e.instance for e in exchanges if e.instance}))),
    )
    return Report(
        findings=group_findings(found),
        suites=(SuiteResult(suite=source, metrics=figures),),
        noise=tuple(noise_fields(counts)),
        run=run or RunInfo(),
        latency=latency,
        gates=evaluate(gates or Gates(), contract, latency),
        source=source,
    )
