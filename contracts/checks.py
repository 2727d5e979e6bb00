"""Which checks conformance runs on every response, and the ones written for Loomio.

Built-in schemathesis checks, and why each is in or out for Loomio's conventions:

- `not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
  `response_schema_conformance`, `response_headers_conformance`: in. The spec documents
  Loomio's error statuses (400 ParameterMissing/Unpermitted, 403 CanCan, 404 RecordNotFound,
  422 validation), so any other status, a non-JSON body or a body off its schema is a finding.
- `negative_data_rejection`: in, accepting Loomio's rejections: 400, 403, 404, 422 (Rails
  answers 422 for a type it cannot use, e.g. a title that is a list). Per operation in
  contracts/expectations.yaml. Query parameters are not a contract Loomio keeps: controllers
  read paging and ids with `to_i` (per=abc is 0, from=1.5 is 1), so on index operations a
  wrongly typed query parameter may be answered 2xx like a valid one (`lenient_query` there).
- `positive_data_acceptance`: in, accepting 2xx, 403, 404 and, where Loomio validates more
  than the spec can say (a poll needs a known poll_type, a vote a valid choice), 422.
- `ignored_auth`: out as a built-in: the spec declares no securitySchemes (Loomio
  authenticates by session cookie or HTTP Basic, outside OpenAPI), so it would check
  nothing. Replaced by `visitors_are_refused` below: Loomio answers 403, never 401, to a
  visitor (CanCan::AccessDenied for logged-out callers).
- `use_after_free`, `ensure_resource_availability`, `object_level_authorization`: out.
  They need schemathesis' stateful phase and OpenAPI links, which the extracted spec does
  not have; create-then-read is covered by `created_records_can_be_read` below, and deletes
  in the slice are either soft (discard: the record stays readable, with discarded_at)
  or have no read endpoint (comments, memberships). The differential suite covers both.
- `unsupported_method`: out: Rails routes an unknown method to its 404 page, not 405.
- `missing_required_header`, `allow_header_conformance`, `max_response_time`: out: the spec
  declares no required headers, no Allow headers and no latency budget.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import requests
from schemathesis.checks import CHECKS, load_all_checks

from harness.findings import Finding, FindingKind
from harness.redact import redact

BUILT_IN = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "response_headers_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
)
# Checks whose verdict is the status alone (for the case's valid or invalid mode).
STATUS_CHECKS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "negative_data_rejection",
        "positive_data_acceptance",
    }
)
CREDENTIAL_HEADERS = ("authorization", "cookie", "x-csrf-token")

Check = Callable[[Any, Any, Any], bool | None]


def built_in_checks() -> list[tuple[str, Check]]:
    """The built-in checks conformance runs, by name."""
    load_all_checks()
    return list(zip(BUILT_IN, CHECKS.get_by_names(list(BUILT_IN)), strict=True))


def visitors_are_refused(expected: int | None, timeout: float) -> Check:
    """A request an actor may make must be refused to a visitor with `expected` (403).

    Replays a successful request without credentials; Loomio's CanCan answers 403.
    """

    def visitors_are_refused(ctx: Any, response: Any, case: Any) -> bool | None:
        if expected is None or not 200 <= response.status_code < 300:
            return None
        sent = response.request
        headers = {k: v for k, v in sent.headers.items() if k.lower() not in CREDENTIAL_HEADERS}
        answer = requests.request(
            sent.method,
            sent.url,
            data=sent.body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
        )
        if answer.status_code != expected:
            raise AssertionError(
                f"A visitor got {answer.status_code} where a signed-in actor got "
                f"{response.status_code}; Loomio answers {expected} to visitors here.\n"
                f"Visitor's body: {redact(answer.text[:300])}"
            )
        return True

    return visitors_are_refused


def created_records_can_be_read(collection: str | None, read: Callable[[str, int], int]) -> Check:
    """A record a create answered with (200) can be read back at its show endpoint (200)."""

    def created_records_can_be_read(ctx: Any, response: Any, case: Any) -> bool | None:
        if collection is None or not 200 <= response.status_code < 300:
            return None
        try:
            rows = response.json().get(collection) or []
        except (ValueError, AttributeError):
            return None  # not JSON: content_type_conformance reports it
        for row in rows[:1]:
            status = read(collection, row["id"])
            if status != 200:
                raise AssertionError(
                    f"created {collection} {row['id']} cannot be read back: "
                    f"GET /api/v1/{collection}/{row['id']} answered {status}"
                )
        return True

    return created_records_can_be_read


def finding_for(
    *,
    check: str,
    failure: Any,
    operation_label: str,
    operation_id: str,
    backend: str,
    status: int,
    curl: str,
    reference: str = "",
    served_by: str = "",
) -> Finding:
    """A conformance finding from one schemathesis failure, with its curl repro (redacted);
    `reference`: what rails answered to the same case, for a go finding; `served_by`: who
    answered behind a mixed stack's router."""
    detail = str(failure.message) + (f"\n{reference}" if reference else "")
    detail += f"\nserved by {served_by} (mixed stack)" if served_by else ""
    return Finding.create(
        kind=FindingKind.CONFORMANCE,
        check=check,
        title=str(failure.title),
        operation=operation_label,
        backend=backend,
        detail=redact(detail),
        repro=redact(curl),
        extra={
            "operation_id": operation_id,
            "status": status,
            "code": failure.code,
            **({"served_by": served_by} if served_by else {}),
        },
    )


def stale_known(entry: Any) -> Finding:
    """A `known:` entry that matched nothing where its operations ran: stale, like a strict
    xfail that passed. Remove it, or say why the failure it names no longer happens."""
    return Finding.create(
        kind=FindingKind.CONFORMANCE,
        check="known_entry_stale",
        title=f"known entry matched nothing: {entry.subject}",
        operation=", ".join(entry.operations),
        backend=entry.backend,
        detail=f"{entry.subject} matched no failure in this run (its cause: {entry.reason}). "
        "Remove the entry from the expectations file, or restore what it describes.",
    )


def failure_names(found: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(sorted({name for name, _ in found}))
