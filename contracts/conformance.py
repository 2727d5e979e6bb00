"""One conformance example: real references in, the call, the checks, findings out.

`Conformance.run(case, side)` fills the case's references with real records of the
operation's world (contracts/world.py), sends it as the expected actor, feeds the exchange
to the report, runs every check (contracts/checks.py) one by one so each failure is
known by its check's name, keeps a finding per failure, and raises schemathesis'
`FailureGroup` so pytest and Hypothesis see an ordinary failure (and shrink it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from schemathesis.core.failures import FailureGroup

from contracts import checks
from contracts.expectations import Expectation, Expectations
from contracts.world import Example, Record, World
from harness.findings import Finding, FindingsWriter
from harness.http import ApiRequest, ApiResponse
from harness.report.recorder import Recorder

SUITE = "contracts/conformance"
MADE_UP_SHARE = 5  # one generated reference in five is kept as is: the 404/422 paths
CREATES = {"discussions_create": "discussions", "polls_create": "polls"}


@dataclass(slots=True)
class Conformance:
    """The runner of one pytest item (one backend); findings are written at teardown."""

    world: World
    expectations: Expectations
    recorder: Recorder
    writer: FindingsWriter
    timeout: float
    pending: dict[str, Finding] = field(default_factory=dict)

    def run(self, case: Any, side: str) -> None:
        operation_id = str(case.operation.definition.raw.get("operationId") or case.operation.label)
        expectation = self.expectations.for_operation(operation_id)
        with self.world.example(
            operation_id, side, expectation.actor, expectation.fresh
        ) as example:
            real = fill_references(case, expectation, example.records)
            with example.backend.client.guard(f"{case.method.upper()} {case.formatted_path}"):
                response = case.call(
                    base_url=example.backend.base_url, session=example.session, timeout=self.timeout
                )
                self._record(side, case, response, operation_id)
                self.recorder.count(SUITE, "requests")
                found = self._validate(case, response, example, expectation, real)
        negative = case.meta is not None and case.meta.generation.mode.is_negative
        found = self._without_known(found, operation_id, response.status_code, negative)
        if found:
            self._keep(found, case, response, side, operation_id)
            failures = [failure for _, failure in found]
            raise FailureGroup(failures, _message(found, case, response, side))

    def flush(self) -> None:
        """Write the findings of the item: each one once, from its last (shrunk) example."""
        for finding in self.pending.values():
            self.writer.write(finding)
        self.pending.clear()

    def _without_known(
        self, found: list[tuple[str, Any]], operation_id: str, status: int, negative: bool
    ) -> list[tuple[str, Any]]:
        """Drop known deviations (contracts/expectations.yaml `known:`); the report counts them."""
        known = self.expectations.is_known
        kept = [(n, f) for n, f in found if not known(n, operation_id, status, negative)]
        if len(kept) < len(found):
            self.recorder.count(SUITE, "known deviations", len(found) - len(kept))
        return kept

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
                    CREATES.get(expectation.operation_id), _reader(example, self.timeout)
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

    def _record(self, side: str, case: Any, response: Any, operation_id: str) -> None:
        request = ApiRequest(
            method=case.method.upper(),
            path=case.formatted_path,
            params=tuple((str(k), str(v)) for k, v in (case.query or {}).items()),
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
        self, found: list[tuple[str, Any]], case: Any, response: Any, side: str, op: str
    ) -> None:
        curl = case.as_curl_command(headers=dict(response.request.headers))
        for name, failure in found:
            finding = checks.finding_for(
                check=name,
                failure=failure,
                operation_label=case.operation.label,
                operation_id=op,
                backend=side,
                status=response.status_code,
                curl=curl,
            )
            self.pending[finding.id] = finding  # a later (shrunk) example replaces it


def _reader(example: Example, timeout: float) -> Callable[[str, int], int]:
    def read(collection: str, record_id: int) -> int:
        url = f"{example.backend.base_url}/api/v1/{collection}/{record_id}"
        return example.session.get(url, timeout=timeout).status_code

    return read


def _message(found: list[tuple[str, Any]], case: Any, response: Any, side: str) -> str:
    lines = [f"{side}: {case.operation.label} answered {response.status_code}"]
    lines += [f"- {name}: {failure.title}\n{failure.message}" for name, failure in found]
    lines.append("Reproduce: " + case.as_curl_command(headers=dict(response.request.headers)))
    return checks.redact("\n".join(lines))


# -- references --------------------------------------------------------------------------


def fill_references(case: Any, expectation: Expectation, records: Callable[[str], Record]) -> bool:
    """Replace generated ids with real ones (mostly): path, query and body references.
    True when every path and query reference names a real record (none kept made up)."""
    made_up = False
    for name, refs in expectation.path.items():
        generated = (case.path_parameters or {}).get(name)
        if isinstance(generated, str):
            case.path_parameters[name] = _choose(generated, refs, records)
            made_up |= case.path_parameters[name] is generated
    if expectation.query:
        query = dict(case.query or {})
        for name, refs in expectation.query.items():
            generated = query.get(name)
            query[name] = _choose(generated, refs, records)
            made_up |= generated is not None and query[name] is generated
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
    return not made_up


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
    digest = int(hashlib.sha256(repr(generated).encode()).hexdigest()[:8], 16)
    if generated is not None and digest % MADE_UP_SHARE == 0:
        return generated
    kind, _, attribute = options[digest % len(options)].partition(".")
    return records(kind).ref(attribute)
