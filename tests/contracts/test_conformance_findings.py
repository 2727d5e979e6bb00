"""Conformance findings: what one failure becomes (pure)."""

from __future__ import annotations

from types import SimpleNamespace

from contracts.checks import finding_for


def failure() -> SimpleNamespace:
    return SimpleNamespace(message="Received: 500", title="Server error", code="server_error")


def test_behind_a_mixed_stack_the_finding_names_who_answered() -> None:
    found = finding_for(
        check="not_a_server_error",
        failure=failure(),
        operation_label="GET /api/v1/groups/{id}",
        operation_id="groups_show",
        backend="go",
        status=500,
        curl="curl http://127.0.0.1:1/api/v1/groups/1",
        served_by="rails",
    )
    assert "served by rails (mixed stack)" in found.detail
    assert found.extra["served_by"] == "rails"


def test_without_a_router_nothing_is_said_of_it() -> None:
    found = finding_for(
        check="not_a_server_error",
        failure=failure(),
        operation_label="GET /api/v1/groups/{id}",
        operation_id="groups_show",
        backend="go",
        status=500,
        curl="curl http://127.0.0.1:1/api/v1/groups/1",
    )
    assert "served by" not in found.detail and "served_by" not in found.extra
