"""Judging mirrored answers: differences by field, raw counts against noise counts."""

from __future__ import annotations

import json

from harness.findings import FindingKind
from harness.shadow.diffy import Thresholds, findings, tally, verdicts
from harness.shadow.judge import Answer, Exchange, endpoint_of, judge

JSON = (("Content-Type", "application/json"),)


def answer(body: object, status: int = 200) -> Answer:
    return Answer(status=status, ms=5.0, headers=JSON, body=json.dumps(body).encode())


def group(title: str, token: str = "t") -> dict[str, object]:
    return {"groups": [{"id": 7, "title": title, "token": token}], "meta": {"root": "groups"}}


def test_a_differing_field_is_kept_as_its_generalized_pointer_with_an_example() -> None:
    exchange = judge("GET /g", answer(group("A")), answer(group("B")), answer(group("A")))
    assert exchange.diffs == (("/groups/*/title", "value"),)
    assert exchange.noise == ()
    assert exchange.examples[0]["rails"] == "A" and exchange.examples[0]["go"] == "B"


def test_a_candidate_without_an_answer_is_an_error_not_a_difference() -> None:
    failed = Answer(status=0, ms=1.0, error="unreachable")
    exchange = judge("GET /g", answer(group("A")), failed, None)
    assert exchange.candidate == (0, 1.0, "unreachable") and exchange.diffs == ()


def test_secrets_in_examples_are_masked() -> None:
    body = {"users": [{"id": 1, "password": "hunter22"}], "meta": {"root": "users"}}
    other = {"users": [{"id": 1, "password": "hunter23"}], "meta": {"root": "users"}}
    exchange = judge("GET /u", answer(body), answer(other), None)
    assert "hunter2" not in json.dumps(exchange.to_json())


def test_endpoint_names_from_label_spec_or_path() -> None:
    assert endpoint_of("GET", "/api/v1/x/5", None, "GET /api/v1/x/{id}") == "GET /api/v1/x/{id}"
    assert endpoint_of("get", "/api/v1/discussions/aB3dE9fG/close", None) == (
        "GET /api/v1/discussions/{id}/close"
    )
    assert endpoint_of("GET", "/api/v1/discussions", None) == "GET /api/v1/discussions"


def exchanges(n: int, diffs: int, noise: int) -> list[Exchange]:
    return [
        Exchange(
            endpoint="GET /g",
            primary=(200, 5.0),
            candidate=(200, 5.0, ""),
            secondary=(200, 5.0, ""),
            diffs=(("/groups/*/title", "value"),) if i < diffs else (),
            noise=(("/groups/*/title", "value"),) if i < noise else (),
        )
        for i in range(n)
    ]


def test_a_field_that_differs_as_often_against_the_secondary_is_noise() -> None:
    (v,) = verdicts(tally(exchanges(100, 50, 48)), Thresholds())
    assert (v.raw, v.noise, v.flagged) == (50, 48, False)


def test_a_field_that_differs_only_against_the_candidate_is_a_finding() -> None:
    (finding,) = findings(tally(exchanges(100, 10, 0)), Thresholds(), check="shadow")
    assert finding.kind is FindingKind.DIFFERENTIAL
    assert finding.operation == "GET /g" and finding.title == "value at /groups/*/title"
    assert finding.detail.startswith("10 of 100 answers differ here (10.00%); noise 0 of 100")


def test_the_absolute_threshold_lets_a_rare_difference_pass() -> None:
    counts = tally(exchanges(10_000, 2, 0))
    assert findings(counts, Thresholds(absolute=0.03), "shadow") == []
    assert len(findings(counts, Thresholds(absolute=0.01, significance=1.0), "shadow")) == 1


def test_a_candidate_that_does_not_answer_is_a_failure_finding() -> None:
    dead = [
        Exchange(
            endpoint="GET /g",
            primary=(200, 5.0),
            candidate=(0, 1.0, "unreachable"),
            secondary=None,
            diffs=(),
            noise=(),
        )
    ] * 3
    (finding,) = findings(tally(dead, [("GET /g", 4)]), Thresholds(), "shadow")
    assert finding.kind is FindingKind.BACKEND_FAILURE
    assert "3 of 3 mirrored requests got no answer (unreachable ×3)" in finding.detail
    assert tally(dead, [("GET /g", 4)])["GET /g"].dropped == 4


def test_records_round_trip_through_json() -> None:
    (one,) = exchanges(1, 1, 1)
    assert Exchange.from_json(json.loads(json.dumps(one.to_json()))) == one


def test_a_single_odd_answer_is_chance_not_a_finding() -> None:
    counts = tally(exchanges(1600, 1, 0))
    (v,) = verdicts(counts, Thresholds())
    assert v.raw_rate * 100 > Thresholds().absolute and not v.flagged
    assert len(findings(tally(exchanges(1600, 12, 0)), Thresholds(), "shadow")) == 1


def test_the_order_of_ties_under_the_requests_sort_key_is_no_difference() -> None:
    """The shadow's judge takes the sort key from the request, as the lockstep does."""
    rails = {
        "events": [{"id": 1, "position": 1}, {"id": 2, "position": 1}],
        "meta": {"root": "events"},
    }
    go = {
        "events": [{"id": 2, "position": 1}, {"id": 1, "position": 1}],
        "meta": {"root": "events"},
    }
    unsorted = judge("GET /e", answer(rails), answer(go), None)
    assert unsorted.diffs
    sorted_by_position = judge(
        "GET /e", answer(rails), answer(go), None, (), (("order", "position"),)
    )
    assert not sorted_by_position.diffs
