"""Parameter coverage: what requests sent, whether a value changed an answer, the table."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.http import ApiRequest, ApiResponse
from harness.report.parameter_coverage import (
    CANNOT_CHANGE,
    NEVER_SENT,
    NO_CHANGE,
    NOT_ANSWERED,
    answer_fields,
    compute_parameter_coverage,
    declared_parameters,
    inert_reason,
)
from harness.report.parameters import (
    VALUE_CAP,
    ParameterTracker,
    ParameterUse,
    path_shape,
    sent_parameters,
)
from harness.report.recorder import Recorder

SPEC: dict[str, Any] = {
    "paths": {
        "/api/v1/events": {
            "parameters": [{"$ref": "#/components/parameters/Per"}],
            "get": {
                "operationId": "events_index",
                "parameters": [
                    {"name": "order_desc", "in": "query"},
                    {"name": "discussion_id", "in": "query"},
                    {"name": "X-Token", "in": "header"},
                ],
            },
        },
        "/api/v1/discussions/{id}": {
            "patch": {
                "operationId": "discussions_update",
                "parameters": [{"name": "id", "in": "path"}],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "discussion": {"$ref": "#/components/schemas/DiscussionIn"}
                                },
                            }
                        }
                    }
                },
            }
        },
        "/api/v1/sessions": {
            "post": {
                "operationId": "sessions_create",
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"properties": {"session": {"type": "object"}}}
                        }
                    }
                },
            }
        },
    },
    "components": {
        "parameters": {"Per": {"name": "per", "in": "query"}},
        "schemas": {"DiscussionIn": {"type": "object", "properties": {"title": {}, "private": {}}}},
    },
}


def _get(params: dict[str, str], actor: str | None = "member") -> ApiRequest:
    return ApiRequest(
        method="GET", path="/api/v1/events", params=tuple(params.items()), actor=actor
    )


def _answer(body: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status=status, body=body, text=json.dumps(body))


def _use(tracker: ParameterTracker, name: str, where: str = "query") -> ParameterUse:
    found = [u for k, u in tracker.uses.items() if k[0] == "go" and k[4:] == (where, name)]
    assert len(found) == 1, sorted(tracker.uses)
    return found[0]


def test_declared_parameters_are_query_ones_and_body_fields_under_their_wrapper() -> None:
    assert declared_parameters(SPEC, "/api/v1/events", "get") == (
        ("query", "per"),
        ("query", "order_desc"),
        ("query", "discussion_id"),
    )
    assert declared_parameters(SPEC, "/api/v1/discussions/{id}", "PATCH") == (
        ("body", "discussion.title"),
        ("body", "discussion.private"),
    )
    assert declared_parameters(SPEC, "/api/v1/sessions", "post") == (("body", "session"),)


def test_sent_parameters_flatten_one_level_of_the_body() -> None:
    request = ApiRequest(
        method="POST",
        path="/x",
        params=(("exclude_types", "group"), ("ids[]", "1"), ("ids[]", "2")),
        json={"discussion": {"title": "T", "private": True}, "flag": 1},
    )
    assert sent_parameters(request) == {
        ("query", "exclude_types"): "group",
        ("query", "ids"): ["1", "2"],
        ("body", "discussion"): {"title": "T", "private": True},
        ("body", "discussion.title"): "T",
        ("body", "discussion.private"): True,
        ("body", "flag"): 1,
    }


def test_made_up_names_are_not_kept() -> None:
    request = ApiRequest(
        method="POST",
        path="/x",
        params=(("\x06«", "1"), ("per", "2")),
        json={"": 1, "a b": 2, "comment": {"body": "x", "\x13": 3}},
    )
    assert set(sent_parameters(request)) == {
        ("query", "per"),
        ("body", "comment"),
        ("body", "comment.body"),
    }


@pytest.mark.parametrize(
    ("path", "shape"),
    [
        ("/api/v1/discussions/42/close?x=1", "/api/v1/discussions/{}/close"),
        ("/api/v1/discussions/aB3kZ9qw", "/api/v1/discussions/{}"),
        ("/api/v1/events/timeline", "/api/v1/events/timeline"),
        ("/api/v1/discussions/7/mark_as_seen", "/api/v1/discussions/{}/mark_as_seen"),
    ],
)
def test_path_shape_hides_ids_and_keys(path: str, shape: str) -> None:
    assert path_shape(path) == shape


def test_a_read_differing_only_in_one_parameter_with_another_answer_changed_it() -> None:
    tracker = ParameterTracker()
    tracker.record("go", _get({"discussion_id": "1"}), _answer([1, 2]))
    tracker.record("go", _get({"discussion_id": "1", "order_desc": "true"}), _answer([2, 1]))
    assert _use(tracker, "order_desc").changed
    assert not _use(tracker, "discussion_id").changed  # the same in both
    assert (_use(tracker, "discussion_id").sent, len(_use(tracker, "discussion_id").values)) == (
        2,
        1,
    )


def test_the_same_answer_or_two_differences_or_a_write_between_change_nothing() -> None:
    tracker = ParameterTracker()
    tracker.record("go", _get({"per": "5"}), _answer([1]))
    tracker.record("go", _get({"per": "30"}), _answer([1]))  # same answer: short thread
    tracker.record("go", _get({"per": "1", "order_desc": "true"}), _answer([9]))  # two differ
    write = ApiRequest(method="POST", path="/api/v1/comments", json={"c": 1}, actor="member")
    tracker.record("go", write, _answer({}, 200))
    tracker.record("go", _get({"per": "2"}), _answer([1, 2]))  # new data: not comparable
    tracker.record("go", _get({"per": "5"}, actor="admin"), _answer([7]))  # another actor
    tracker.record("rails", _get({"per": "2"}), _answer([0]))  # another backend
    assert not _use(tracker, "per").changed
    assert not _use(tracker, "order_desc").changed
    assert len(_use(tracker, "per").values) == 4


def test_a_write_whose_status_changes_with_one_field_or_that_echoes_the_value() -> None:
    tracker = ParameterTracker()

    def patch(fields: dict[str, Any], answer: ApiResponse) -> None:
        request = ApiRequest(
            method="PATCH", path="/api/v1/discussions/7", json={"discussion": fields}, actor="a"
        )
        tracker.record("go", request, answer)

    patch({"title": "", "private": True}, _answer({"errors": {"title": ["blank"]}}, 422))
    patch({"title": "Lunch", "private": True}, _answer({"discussions": [{"title": "Lunch"}]}))
    changed = {k[5] for k, u in tracker.uses.items() if u.changed}
    assert changed == {"discussion.title"}  # status 422 -> 200, and echoed; private neither


def test_a_list_of_scalars_echoed_reached_the_record_an_empty_one_or_another_order_not() -> None:
    tracker = ParameterTracker()

    def patch(n: int, fields: dict[str, Any], answer: dict[str, Any]) -> None:
        request = ApiRequest(
            method="PATCH", path=f"/api/v1/discussions/{n}", json={"discussion": fields}, actor="a"
        )
        tracker.record("go", request, _answer(answer))

    patch(1, {"tags": []}, {"discussions": [{"tags": []}]})  # [] is every record's default
    patch(2, {"ranges": [[1, 2]]}, {"discussions": [{"ranges": [[1, 2]]}]})  # not scalars
    patch(3, {"private": [True]}, {"discussions": [{"private": True}]})  # not the list
    changed = {k[5] for k, u in tracker.uses.items() if u.changed}
    assert changed == set()
    patch(4, {"tags": ["b", "a"]}, {"discussions": [{"tags": ["a", "b"]}]})
    assert not _use(tracker, "discussion.tags", "body").changed
    patch(5, {"tags": ["a", "b"]}, {"discussions": [{"tags": ["a", "b"]}]})
    assert _use(tracker, "discussion.tags", "body").changed


def test_a_query_parameter_that_changes_a_writes_top_level_keys_changed_it() -> None:
    tracker = ParameterTracker()

    def create(n: int, params: dict[str, str], body: Any, actor: str = "a#1") -> None:
        request = ApiRequest(
            method="POST",
            path="/api/v1/comments",
            params=tuple(params.items()),
            json={"comment": {"body": f"text {n}"}},
            actor=actor,
        )
        tracker.record("go", request, _answer(body))

    both = {"comments": [{"id": 1}], "users": [{"id": 2}]}
    create(1, {}, both)
    create(2, {"exclude_types": "group"}, both)  # the same keys: no change (yet)
    assert not _use(tracker, "exclude_types").changed
    create(3, {"exclude_types": "user"}, {"comments": [{"id": 3}]}, actor="b#1")  # another actor
    assert not _use(tracker, "exclude_types").changed
    create(4, {"exclude_types": "user"}, {"comments": [{"id": 4}]}, actor="a#2")  # a's next scope
    assert _use(tracker, "exclude_types").changed  # the `users` key went: against 1 and 2
    assert not _use(tracker, "comment.body", "body").changed  # bodies differ in every create


def test_values_are_digests_and_capped() -> None:
    tracker = ParameterTracker()
    for n in range(VALUE_CAP + 5):
        tracker.record("go", _get({"per": f"secret-{n}"}), _answer([]))
    use = _use(tracker, "per")
    assert use.sent == VALUE_CAP + 5 and len(use.values) == VALUE_CAP
    assert not any("secret" in v for v in use.values)


def test_coverage_table_gaps_and_undeclared() -> None:
    tracker = ParameterTracker()
    tracker.record("go", _get({"discussion_id": "1"}), _answer([1, 2]))
    tracker.record("go", _get({"discussion_id": "1", "order_desc": "true"}), _answer([2, 1]))
    tracker.record("go", _get({"discussion_id": "1", "unknown": "x"}), _answer([1, 2]))
    login = ApiRequest(method="POST", path="/api/v1/sessions", json={"user": {"email": "e"}})
    tracker.record("go", login, _answer({}, 401))
    coverage = compute_parameter_coverage(SPEC, tracker.uses, ["rails", "go"])
    table = {
        (r.name, s.backend): (s.sent, s.distinct, s.changed) for r in coverage.rows for s in r.seen
    }
    assert table[("order_desc", "go")] == (1, 1, True)
    assert table[("discussion_id", "go")] == (3, 1, False)
    assert table[("per", "go")] == (0, 0, False)
    assert table[("order_desc", "rails")] == (0, 0, False)
    gaps = {(g.row.name, g.backend): g.why for g in coverage.gaps}
    assert gaps[("per", "go")] == NEVER_SENT and gaps[("discussion_id", "go")] == NO_CHANGE
    assert ("order_desc", "go") not in gaps and gaps[("order_desc", "rails")] == NEVER_SENT
    assert {r.name for r in coverage.undeclared} == {"unknown", "user", "user.email"}
    assert coverage.totals("go") == (6, 2, 1)  # 3 events + 2 discussion + 1 session
    lines = {(r.name, why) for r, why in coverage.gap_rows}
    assert ("per", "never sent on rails, go") in lines
    assert ("discussion_id", "rails: never sent; go: sent, no value changed an answer") in lines
    assert ("order_desc", "never sent on rails") in lines
    document = json.loads(coverage.to_json())
    assert document["totals"]["go"] == {
        **{"declared": 6, "sent": 2, "changed": 1},
        **{"sent_changeable": 2, "changed_changeable": 1},
    }
    assert {
        "operation": "events_index",
        "in": "query",
        "name": "per",
        "backend": "go",
        "why": NEVER_SENT,
    } in document["gaps"]


def test_a_write_field_its_answer_never_holds_is_a_gap_that_says_so() -> None:
    envelope = {"$ref": "#/components/schemas/Envelope"}
    spec: dict[str, Any] = {
        "paths": {
            "/api/v1/discussions": {
                "post": {
                    "operationId": "discussions_create",
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "properties": {
                                        "discussion": {
                                            "properties": {"title": {}, "recipient_emails": {}}
                                        }
                                    }
                                }
                            }
                        }
                    },
                    "responses": {
                        "200": {"content": {"application/json": {"schema": envelope}}},
                        "422": {"content": {"application/json": {"schema": {"$ref": "#/x"}}}},
                    },
                }
            }
        },
        "x": {"properties": {"recipient_emails": {}}},  # an error's fields do not count
        "components": {
            "schemas": {
                "Envelope": {
                    "properties": {"discussions": {"items": {"$ref": "#/components/schemas/D"}}}
                },
                "D": {"properties": {"title": {}, "parent": {"$ref": "#/components/schemas/D"}}},
            }
        },
    }
    assert answer_fields(spec, "/api/v1/discussions", "post") == {"discussions", "title", "parent"}
    tracker = ParameterTracker()
    fields = {"title": "", "recipient_emails": ["a@example.com"]}
    request = ApiRequest(method="POST", path="/api/v1/discussions", json={"discussion": fields})
    tracker.record("go", request, _answer({"errors": {"title": ["can't be blank"]}}, 422))
    gaps = {g.row.name: g.why for g in compute_parameter_coverage(spec, tracker.uses, ["go"]).gaps}
    assert gaps == {
        "discussion.title": NO_CHANGE,
        "discussion.recipient_emails": f"{NO_CHANGE} ({NOT_ANSWERED})",
    }


def test_a_parameter_rails_never_reads_is_a_gap_with_its_reason_outside_the_share() -> None:
    spec = {
        "paths": {
            "/api/v1/stances": {
                "get": {
                    "operationId": "stances_index",
                    "parameters": [
                        {"name": "poll_id", "in": "query"},
                        {"name": "exclude_types", "in": "query"},
                    ],
                }
            }
        }
    }
    tracker = ParameterTracker()
    stances = "/api/v1/stances"
    for params in ({"poll_id": "1"}, {"poll_id": "1", "exclude_types": "user"}, {"poll_id": "2"}):
        request = ApiRequest(method="GET", path=stances, params=tuple(params.items()), actor="a")
        tracker.record("go", request, _answer({"stances": [params["poll_id"]]}))
    coverage = compute_parameter_coverage(spec, tracker.uses, ["go"])
    gaps = {g.row.name: g.why for g in coverage.gaps}
    assert gaps == {
        "exclude_types": f"{CANNOT_CHANGE}: {inert_reason('stances_index', 'exclude_types')}"
    }
    assert "StancesController" in gaps["exclude_types"]
    assert coverage.totals("go") == (2, 2, 1) and coverage.changeable("go") == (1, 1)


def test_inert_patterns_leave_out_what_they_name_as_exceptions() -> None:
    assert inert_reason("polls_reopen", "poll.title")
    assert not inert_reason("polls_reopen", "poll.closing_at")
    assert not inert_reason("polls_update", "poll.title")
    assert not inert_reason("discussions_show", "exclude_types")


def test_free_form_declared_object_is_covered_by_fields_under_it() -> None:
    tracker = ParameterTracker()
    login = ApiRequest(method="POST", path="/api/v1/sessions", json={"session": {"email": "e"}})
    tracker.record("go", login, _answer({}, 401))
    coverage = compute_parameter_coverage(SPEC, tracker.uses, ["go"])
    session = next(r for r in coverage.rows if r.name == "session")
    assert session.seen[0].sent == 1 and not coverage.undeclared


def test_recorder_keeps_parameter_uses_across_parts() -> None:
    first, second = Recorder(), Recorder()
    first.exchange("go", _get({"per": "1"}), _answer([1]))
    second.exchange("go", _get({"per": "2"}), _answer([1, 2]))
    second.exchange("go", _get({"per": "1"}), _answer([1]))
    merged = Recorder.from_json(first.to_json())
    merged.merge(Recorder.from_json(second.to_json()))
    (use,) = merged.parameters.values()
    assert (use.sent, len(use.values), use.changed) == (3, 2, True)


def test_report_shows_the_table_the_gaps_and_the_json() -> None:
    from harness.report.build import build_report
    from harness.report.render import render_report

    recorder = Recorder()
    recorder.exchange("go", _get({"discussion_id": "1"}), _answer([1, 2]))
    recorder.exchange("go", _get({"discussion_id": "1", "order_desc": "true"}), _answer([2, 1]))
    files = render_report(build_report(recorder, [], spec=SPEC))
    html = files["index.html"]
    assert 'id="parameters"' in html and "<code>order_desc</code>" in html
    assert "never sent" in html and 'id="parameter-gaps"' in html
    assert "Declared parameters · go: 2/6 sent, 1 changed an answer" in files["summary.md"]
    assert json.loads(files["parameter-coverage.json"])["totals"]["go"]["changed"] == 1
