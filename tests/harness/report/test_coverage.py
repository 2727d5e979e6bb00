"""Coverage of the spec from observations: operations, statuses, response properties."""

from __future__ import annotations

import pytest

from harness.report.coverage import (
    OperationIndex,
    compute_coverage,
    declared_operations,
    matches,
    observe,
    schema_properties,
    shape_of,
)
from tests.harness.report.samples import SHOW_BODY, SPEC


def by_id(backend_coverage, operation_id):
    return next(o for o in backend_coverage.operations if o.operation_id == operation_id)


def test_shape_of_keeps_keys_and_replaces_array_items_with_star():
    body = {"discussions": [{"id": 1, "a/b": 2}], "meta": {}}
    assert set(shape_of(body)) == {
        "/discussions",
        "/discussions/*/id",
        "/discussions/*/a~1b",
        "/meta",
    }


def test_observation_keeps_no_values_and_drops_the_query():
    obs = observe("go", "get", "/api/v1/discussions/7?token=s3cr3t", 200, {"password": "hunter2"})
    assert (obs.method, obs.path, obs.properties) == ("GET", "/api/v1/discussions/7", {"/password"})
    assert "hunter2" not in repr(obs) and "s3cr3t" not in repr(obs)


def test_schema_properties_follow_refs_allof_items_maps_and_stop_on_recursion():
    schema = SPEC["components"]["schemas"]["DiscussionEnvelope"]
    props = set(schema_properties(SPEC, schema))
    assert {
        "/discussions",
        "/discussions/*/id",
        "/discussions/*/title",
        "/discussions/*/parent",
        "/discussions/*/parent/**",
        "/meta",
        "/meta/{key}",
    } <= props
    assert "/discussions/*/parent/title" not in props  # the recursive `parent` is cut


def test_what_lies_below_a_recursion_cut_is_declared():
    body = {"discussions": [{"id": 1, "parent": {"id": 2, "parent": {"title": "t"}}}]}
    (rails,) = compute_coverage(
        SPEC, [observe("rails", "GET", "/api/v1/discussions/1", 200, body)], ["rails"]
    )
    show = by_id(rails, "discussions_show")
    assert show.undeclared == ()
    assert "200 /discussions/*/parent" in show.observed
    assert not any(p.endswith("**") for p in show.declared)


def test_declared_operations_resolve_shared_responses():
    ops = {o.operation_id: o for o in declared_operations(SPEC)}
    assert ops["discussions_show"].properties["404"] == {"/error"}
    assert set(ops["polls_create"].properties) == {"201", "4XX"}


def test_map_keys_match_any_key():
    assert matches(frozenset({"/meta/{key}"}), "/meta/total")
    assert not matches(frozenset({"/meta/{key}"}), "/meta/total/x")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/v1/discussions/search", "discussions_search"),
        ("GET", "/api/v1/discussions/7", "discussions_show"),
        ("GET", "/api/v1/discussions/7/", "discussions_show"),
        ("POST", "/api/v1/discussions/7", None),
        ("GET", "/api/v1/discussions/7/comments", None),
    ],
    ids=["literal-beats-parameter", "parameter", "trailing-slash", "wrong-method", "too-deep"],
)
def test_requests_find_their_operation(method, path, expected):
    found = OperationIndex(declared_operations(SPEC)).find(method, path)
    assert (found.operation_id if found else None) == expected


def test_an_operation_id_given_by_the_suite_wins_over_the_path():
    found = OperationIndex(declared_operations(SPEC)).find("GET", "/elsewhere", "polls_create")
    assert found is not None and found.operation_id == "polls_create"


def test_coverage_counts_requests_statuses_and_properties_per_backend():
    observations = [
        observe("rails", "GET", "/api/v1/discussions/7", 200, SHOW_BODY),
        observe("rails", "GET", "/api/v1/discussions/8", 200, {"discussions": [], "x": 1}),
        observe("rails", "GET", "/api/v1/discussions/9", 404, {"error": "not found"}),
        observe("go", "POST", "/api/v1/polls", 422, {"errors": {}}),
        observe("go", "POST", "/api/v1/polls", 500, None),
        observe("go", "GET", "/api/v1/unknown", 404, None),
    ]
    rails, go = compute_coverage(SPEC, observations, ["rails", "go"])
    show = by_id(rails, "discussions_show")
    assert show.requests == 3
    assert {s.status: (s.documented, s.seen) for s in show.statuses} == {
        "200": (True, 2),
        "404": (True, 1),
    }
    assert "200 /discussions/*/title" in show.observed
    assert "200 /meta/{key}" in show.observed  # "total" is a map key
    assert "200 /discussions/*/parent" in show.missed
    assert show.undeclared == ("200 /x",)
    assert rails.exercised == 1 and rails.operation_share == pytest.approx(1 / 3)

    polls = by_id(go, "polls_create")
    assert {s.status: (s.documented, s.seen) for s in polls.statuses} == {
        "201": (True, 0),
        "4XX": (True, 1),  # 422 counts for the documented range
        "500": (False, 1),
    }
    assert polls.statuses_undocumented == ("500",)
    assert [(u.method, u.path, u.requests) for u in go.unmatched] == [("GET", "/api/v1/unknown", 1)]
    assert go.requests == 3


def test_nothing_declared_is_not_shown_as_full_coverage():
    (rails,) = compute_coverage(SPEC, [], ["rails"])
    assert by_id(rails, "discussions_search").property_share is None
    assert rails.exercised == 0 and rails.operation_share == 0


def test_free_form_objects_accept_any_key_below():
    spec = {
        "paths": {
            "/g": {
                "get": {
                    "operationId": "g",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "subscription": {"type": "object"},
                                            "name": {"type": "string"},
                                        },
                                    }
                                }
                            },
                        }
                    },
                }
            }
        }
    }
    body = {"subscription": {"plan": "pro", "limits": {"max": 3}}, "name": "x", "extra": 1}
    (cov,) = compute_coverage(spec, [observe("go", "GET", "/g", 200, body)], ["go"])
    (op,) = cov.operations
    assert op.undeclared == ("200 /extra",)
    assert op.declared == ("200 /name", "200 /subscription")
