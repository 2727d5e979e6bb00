"""One conformance example: real references in, the call, the checks, findings out.

`Conformance.run(case, side)` fills the case's references with real records of the
operation's world (contracts/world.py), sends it as the expected actor, feeds the exchange
to the report, runs every check (contracts/checks.py) one by one so each failure is
known by its check's name, and raises schemathesis' `FailureGroup` so pytest and
Hypothesis see an ordinary failure (and shrink it).

Verdicts: a go failure sends the same case to rails; what rails shares is a
characterization (listed in the report), the rest are findings. Rails' own failures are
findings unless a `known:` entry (backend rails, operations, cause) covers them; an entry
that matched nothing where its operations ran is stale, a finding (see README, Verdicts).
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from schemathesis.core.failures import FailureGroup

from contracts import checks
from contracts.expectations import Expectation, Expectations, Known
from contracts.world import Example, Record, World
from harness.findings import Finding, FindingsWriter
from harness.http import ApiRequest, ApiResponse
from harness.report.recorder import Recorder
from harness.routing import SERVED_BY

SUITE = "contracts/conformance"
MADE_UP_SHARE = 5  # one generated reference in five is kept as is: the 404/422 paths
MADE_UP_BASE = 1_000_000_000  # kept references are moved above this: no record has such an id


@dataclass(frozen=True, slots=True)
class Sent:
    """One case sent to one side: its status, the checks it failed, its curl repro."""

    status: int
    found: list[tuple[str, Any]]
    curl: str
    served_by: str = ""  # behind a mixed stack's router: which backend answered

    def describe(self, side: str) -> str:
        """`rails answered the same case 500 (failed: not_a_server_error)`."""
        failed = ", ".join(sorted({name for name, _ in self.found})) or "no check"
        return f"{side} answered the same case {self.status} (failed: {failed})"


@dataclass(slots=True)
class Conformance:
    """The runner of one pytest item (one backend); findings are written at teardown."""

    world: World
    expectations: Expectations
    recorder: Recorder
    writer: FindingsWriter
    timeout: float
    creates: Mapping[str, str]  # create operationId -> collection read back (Vocabulary)
    go_serves: frozenset[str] | None = None  # a subset run: the operationIds Go has ported
    pending: dict[str, Finding] = field(default_factory=dict)
    ran: set[tuple[str, str]] = field(default_factory=set)  # (side, operationId) of the item
    used: dict[Known, int] = field(default_factory=dict)  # known entry -> failures it covered

    def run(self, case: Any, side: str) -> None:
        operation_id = str(case.operation.definition.raw.get("operationId") or case.operation.label)
        if side == "go" and self.go_serves is not None and operation_id not in self.go_serves:
            self.recorder.count(SUITE, "go cases not sent: not ported")
            pytest.skip(f"{operation_id} is not ported to go (the routing manifest)")
        expectation = self.expectations.for_operation(operation_id)
        generated = _values(case)
        sent = self._exchange(case, side, operation_id, expectation)
        self.ran.add((side, operation_id))
        found, reference = sent.found, ""
        if found and side == "go":
            found, sent, reference = self._judged_with_rails(
                case, generated, sent, operation_id, expectation
            )
        elif found:
            negative = case.meta is not None and case.meta.generation.mode.is_negative
            found = self._without_known(found, operation_id, side, sent.status, negative)
        if found:
            self._keep(found, case, sent, side, operation_id, reference)
            failures = [failure for _, failure in found]
            raise FailureGroup(failures, _message(found, case, sent, side))

    def _judged_with_rails(
        self,
        case: Any,
        generated: tuple[Any, Any, Any],
        sent: Sent,
        operation_id: str,
        expectation: Expectation,
    ) -> tuple[list[tuple[str, Any]], Sent, str]:
        """Go's failures that stand once rails has answered the same case: (failures, go's
        answer they come from, rails' answer described).

        The shared records of an operation carry what earlier go cases did to them (rails
        sees only the cases go failed), so the same case on them is not the same request.
        The case goes to go again on records made for it: a failure go repeats there is
        compared with rails on records made the same way. A status verdict go does not
        repeat there came from its records' history (listed, not a finding); a body check
        (what go sends for such a record) is compared with rails on its shared records."""
        filled = _values(case)
        # schemathesis re-derives a case's mode (valid or not) from its values when they
        # change: rails must judge the case go was judged on, so the mode stays go's
        case.freeze_metadata()
        anew = replace(expectation, fresh=tuple(sorted(expectation.kinds())))
        _restore(case, generated)
        again = self._exchange(case, "go", operation_id, anew)
        repeated = {name for name, _ in again.found}
        stands = [(n, f) for n, f in sent.found if n in repeated]
        shape = [
            (n, f) for n, f in sent.found if n not in repeated and n not in checks.STATUS_CHECKS
        ]
        for name, failure in sent.found:
            if name not in repeated and name in checks.STATUS_CHECKS:
                subject = f"go, {operation_id}: {name}, status {sent.status}"
                why = f"not repeated on records made for the case ({failure.title})"
                self.recorder.aside(SUITE, "characterization", subject, why)
        found: list[tuple[str, Any]] = []
        described = []
        for failures, side_records, status in (
            (stands, anew, again.status),
            (shape, expectation, sent.status),
        ):
            if failures:
                _restore(case, generated)  # the same case, its references filled on rails
                rails = self._exchange(case, "rails", operation_id, side_records)
                found += self._without_characterized(failures, status, rails, operation_id)
                described.append(rails.describe("rails"))
        _restore(case, filled)
        answer = again if any(n in repeated for n, _ in found) else sent
        return found, answer, "; ".join(described)

    def flush(self) -> None:
        """Write the findings of the item: each one once, from its last (shrunk) example."""
        for finding in self.pending.values():
            self.writer.write(finding)
        self.pending.clear()

    def _exchange(self, case: Any, side: str, operation_id: str, expectation: Expectation) -> Sent:
        """Fill the case's references on `side`, send it, record it, run every check."""
        with self.world.example(
            operation_id, side, expectation.actor, expectation.fresh
        ) as example:
            real = fill_references(case, expectation, example.records)
            with example.backend.client.guard(f"{case.method.upper()} {case.formatted_path}"):
                response = case.call(
                    base_url=example.backend.base_url, session=example.session, timeout=self.timeout
                )
                self._record(side, case, response, operation_id, example.actor)
                self.recorder.count(SUITE, "requests")
                found = self._validate(case, response, example, expectation, real)
            curl = case.as_curl_command(headers=dict(response.request.headers))
        served = response.headers.get(SERVED_BY) or ""
        served = served[0] if isinstance(served, list) else served  # schemathesis: lists
        return Sent(status=response.status_code, found=found, curl=curl, served_by=served)

    def _without_characterized(
        self, found: list[tuple[str, Any]], status: int, reference: Sent, operation_id: str
    ) -> list[tuple[str, Any]]:
        """Go's failures rails shares on the same case: counted and listed as
        characterizations, not findings; the others stay. Shared: the same status, and for a
        check of more than the status (body, headers, visitor, read-back) that check failed
        on rails too. A status check's verdict is the status on the case (its valid or
        invalid mode), which schemathesis re-derives from the values: rails' ids differ."""
        if reference.status != status:
            return found
        failed = {name for name, _ in reference.found}
        kept = []
        for name, failure in found:
            if name not in failed and name not in checks.STATUS_CHECKS:
                kept.append((name, failure))
                continue
            subject = f"go, {operation_id}: {name}, status {status}"
            why = f"rails answers the same case the same way ({failure.title})"
            self.recorder.aside(SUITE, "characterization", subject, why)
        return kept

    def _without_known(
        self, found: list[tuple[str, Any]], operation_id: str, side: str, status: int, neg: bool
    ) -> list[tuple[str, Any]]:
        """Drop failures a `known:` entry of this side covers; the report counts each use."""
        kept = []
        for name, failure in found:
            entry = self.expectations.known_for(name, operation_id, side, status, neg)
            if entry is None:
                kept.append((name, failure))
            else:
                self.used[entry] = self.used.get(entry, 0) + 1
        return kept

    def close(self) -> None:
        """At the item's end: each known entry's uses where all its operations ran on its
        side (0: stale, a finding like a strict xfail that passed), and the pending findings.
        A run of some of its operations (--conformance-operations) does not judge it."""
        for entry in self.expectations.known:
            uses = self.used.get(entry, 0)
            if not uses and not all((entry.backend, op) in self.ran for op in entry.operations):
                continue
            self.recorder.aside(SUITE, "known", entry.subject, entry.reason, uses)
            if uses == 0:
                stale = checks.stale_known(entry)
                self.pending[stale.id] = stale
        self.flush()

    def _validate(
        self, case: Any, response: Any, example: Example, expectation: Expectation, real: bool
    ) -> list[tuple[str, Any]]:
        config = case.operation.schema.config.checks_config_for(operation=case.operation)
        chosen = [
            (name, check)
            for name, check in checks.built_in_checks()
            if config.get_by_name(name=name).enabled
        ]
        # A made-up id may name another suite's public record: only the scope's own
        # (private) records tell what a visitor must be refused.
        visitor = expectation.visitor if real else None
        chosen.append(("visitors_are_refused", checks.visitors_are_refused(visitor, self.timeout)))
        chosen.append(
            (
                "created_records_can_be_read",
                checks.created_records_can_be_read(
                    self.creates.get(expectation.operation_id), _reader(example, self.timeout)
                ),
            )
        )
        found: list[tuple[str, Any]] = []
        kwargs = {"session": example.session, "timeout": self.timeout}
        try:  # all at once first: most responses pass, and one call is cheaper
            case.validate_response(response, checks=[c for _, c in chosen], transport_kwargs=kwargs)
            return found
        except FailureGroup:
            pass  # again one by one, to know which check each failure comes from
        for name, check in chosen:
            try:
                case.validate_response(response, checks=[check], transport_kwargs=kwargs)
            except FailureGroup as group:
                found.extend((name, failure) for failure in group.exceptions)
        return found

    def _record(self, side: str, case: Any, response: Any, operation_id: str, actor: str) -> None:
        request = ApiRequest(
            actor=actor,
            method=case.method.upper(),
            path=case.formatted_path,
            params=tuple((str(k), str(v)) for k, v in (case.query or {}).items()),
            json=case.body if isinstance(case.body, dict | list) else None,
            label=operation_id,
        )
        answer = ApiResponse(
            status=response.status_code,
            headers=tuple(response.headers.items()),
            body=ApiResponse.decode(response.text),
            text=response.text,
        )
        self.recorder.exchange(side, request, answer, operation=operation_id)

    def _keep(
        self,
        found: list[tuple[str, Any]],
        case: Any,
        sent: Sent,
        side: str,
        op: str,
        reference: str,
    ) -> None:
        for name, failure in found:
            finding = checks.finding_for(
                check=name,
                failure=failure,
                operation_label=case.operation.label,
                operation_id=op,
                backend=side,
                status=sent.status,
                curl=sent.curl,
                reference=reference,
                served_by=sent.served_by,
            )
            self.pending[finding.id] = finding  # a later (shrunk) example replaces it


def _reader(example: Example, timeout: float) -> Callable[[str, int], int]:
    def read(collection: str, record_id: int) -> int:
        url = f"{example.backend.base_url}/api/v1/{collection}/{record_id}"
        return example.session.get(url, timeout=timeout).status_code

    return read


def _message(found: list[tuple[str, Any]], case: Any, sent: Sent, side: str) -> str:
    lines = [f"{side}: {case.operation.label} answered {sent.status}"]
    lines += [f"- {name}: {failure.title}\n{failure.message}" for name, failure in found]
    lines.append("Reproduce: " + sent.curl)
    return checks.redact("\n".join(lines))


def _values(case: Any) -> tuple[Any, Any, Any]:
    """The case's path parameters, query and body, copied (references get filled in place)."""
    return copy.deepcopy((case.path_parameters, case.query, case.body))


def _restore(case: Any, values: tuple[Any, Any, Any]) -> None:
    case.path_parameters, case.query, case.body = copy.deepcopy(values)


# -- references --------------------------------------------------------------------------


def fill_references(case: Any, expectation: Expectation, records: Callable[[str], Record]) -> bool:
    """Replace generated ids with real ones (mostly): path, query and body references.
    True when every path and query reference names a real record (none kept made up)."""
    invented = False
    for name, refs in expectation.path.items():
        generated = (case.path_parameters or {}).get(name)
        if isinstance(generated, str):
            case.path_parameters[name] = _choose(generated, refs, records)
            invented |= _kept(generated)
    if expectation.query:
        query = dict(case.query or {})
        for name, refs in expectation.query.items():
            generated = query.get(name)
            query[name] = _choose(generated, refs, records)
            invented |= _kept(generated)
        case.query = query
    if expectation.body and isinstance(case.body, dict):
        positive = case.meta is None or case.meta.generation.mode.is_positive
        for pointer, refs in expectation.body.items():
            *parents, key = pointer.split("/")
            target = _walk(case.body, parents)
            if target is None:
                continue
            value = target.get(key)
            if _is_int(value) or (value is None and key not in target and positive):
                target[key] = _choose(value, refs, records)
            elif key in target:
                target[key] = made_up(value)  # 876.0, "12": a reference kept as generated
    return not invented


def made_up(value: Any) -> Any:
    """A generated reference kept as is, moved where no record is: a small positive id
    (96, 876.0, "96") names a record on one side and maybe another or none on the other (go
    gets every case, rails only go's failures), so the same case would not be the same
    request. Other values (0, -1, "x", huge numbers) are left alone."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and 0 < value < MADE_UP_BASE:
        return value + MADE_UP_BASE
    if isinstance(value, str) and value.isdigit() and 0 < int(value) < MADE_UP_BASE:
        return str(int(value) + MADE_UP_BASE)
    return value


def _kept(generated: Any) -> bool:
    """Whether a generated reference is kept (made up), by its value (replays keep the same)."""
    return generated is not None and _digest(generated) % MADE_UP_SHARE == 0


def _digest(generated: Any) -> int:
    """A stable number from a generated value (replays of a case choose alike)."""
    return int(hashlib.sha256(repr(generated).encode()).hexdigest()[:8], 16)


def _walk(body: dict[str, Any], parents: list[str]) -> dict[str, Any] | None:
    node: Any = body
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choose(generated: Any, refs: str | list[str], records: Callable[[str], Record]) -> Any:
    """A real reference chosen by the generated value (so replays choose the same)."""
    options = [refs] if isinstance(refs, str) else list(refs)
    if _kept(generated):
        return made_up(generated)
    kind, _, attribute = options[_digest(generated) % len(options)].partition(".")
    return records(kind).ref(attribute)
