"""State-transition coverage from recorded responses (harness.report.transitions)."""

from __future__ import annotations

import json
from typing import Any

from harness.report.coverage import Observation
from harness.report.transitions import (
    NOT_IN_SPEC,
    TRANSITIONS,
    Transition,
    compute_transition_coverage,
)

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        "/api/v1/discussions/{id}/close": {"patch": {"operationId": "discussions_close"}},
        "/api/v1/discussions/{id}/reopen": {"patch": {"operationId": "discussions_reopen"}},
    },
}
CATALOGUE = (
    Transition("discussion", "open → closed", ("discussions_close",), "closed → open"),
    Transition("discussion", "closed → open", ("discussions_reopen",), "open → closed"),
    Transition("discussion", "kept → discarded", ("discussions_discard",)),
    Transition("poll", "open → expired", (), "", "made by time"),
)


def seen(backend: str, path: str, status: int, count: int = 1) -> Observation:
    return Observation(backend=backend, method="PATCH", path=path, status=status, count=count)


def test_made_refused_and_covered_per_backend() -> None:
    observed = [
        seen("rails", "/api/v1/discussions/7/close", 200, 3),
        seen("rails", "/api/v1/discussions/7/close", 403),
        seen("rails", "/api/v1/discussions/7/close", 422),  # invalid: neither
        seen("rails", "/api/v1/discussions/8/reopen", 404),  # no such record: neither
        seen("go", "/api/v1/discussions/7/close", 200),
        seen("go", "/api/v1/discussions/7/reopen", 401),
    ]
    coverage = compute_transition_coverage(SPEC, observed, ["rails", "go"], CATALOGUE)
    close, reopen, discard, expire = coverage.rows
    assert [(s.made, s.refused, s.covered) for s in close.seen] == [(3, 1, True), (1, 0, False)]
    assert close.gaps() == ["never refused on go"]
    assert reopen.gaps() == ["never made on rails, go", "never refused on rails"]
    assert discard.operations == () and discard.gaps() == [NOT_IN_SPEC]  # not in this spec
    assert expire.gaps() == ["made by time"]
    assert coverage.totals("rails") == (2, 1) and coverage.totals("go") == (2, 0)
    document = json.loads(coverage.to_json())
    assert document["totals"]["rails"] == {"reachable": 2, "covered": 1}
    assert document["transitions"][0]["seen"]["go"] == {"made": 1, "refused": 0}


def test_the_catalogue_names_inverses_it_holds_and_says_why_none_makes_a_transition() -> None:
    names = {(t.resource, t.name) for t in TRANSITIONS}
    for t in TRANSITIONS:
        assert not t.inverse or (t.resource, t.inverse) in names, t
        assert t.operations or t.without, t


def test_a_transition_no_actor_is_refused_is_covered_once_made() -> None:
    spec = {"paths": {"/api/v1/sessions": {"delete": {"operationId": "sessions_destroy"}}}}
    sign_out = Transition("session", "signed in → signed out", ("sessions_destroy",), anyone="x")
    made = Observation(backend="go", method="DELETE", path="/api/v1/sessions", status=204)
    (row,) = compute_transition_coverage(spec, [made], ["go"], [sign_out]).rows
    assert row.seen[0].covered and row.gaps() == []
    (row,) = compute_transition_coverage(spec, [], ["go"], [sign_out]).rows
    assert row.gaps() == ["never made on go"]
