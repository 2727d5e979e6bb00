"""Data parity in the property suites: names from the drivers' records, problems from a verdict."""

from __future__ import annotations

from harness.compare import Difference, Kind
from harness.data_check import Breach, Verdict
from properties.data_checks import canonical_ids, problems


def test_records_are_named_in_reference_order_on_every_side() -> None:
    rails = canonical_ids({("Comment", "c2"): 40, ("Comment", "c1"): 41, ("Poll", "p1"): 7})
    go = canonical_ids({("Comment", "c1"): 141, ("Poll", "p1"): 107, ("Comment", "c2"): 140})
    assert rails.name("comments", 41) == go.name("comments", 141) == "comments#1"
    assert rails.name("polls", 7) == go.name("polls", 107) == "polls#1"


def test_a_verdict_becomes_problems_of_both_or_one_side() -> None:
    verdict = Verdict(
        differences=(
            Difference(pointer="/comments/comments#1/body_format", kind=Kind.VALUE, rails="md",
                       go="MD", detail="value differs"),
        ),
        ignored=(),
        breaches=(
            Breach(table="events", row="events#2", column="position_key", rule="key rule",
                   sides=("go",), expected={"go": "00001"}, actual={"go": "0001"}),
        ),
    )  # fmt: skip
    found = problems(verdict)
    assert [(p.backend, p.title, p.operation) for p in found] == [
        ("rails,go", "value at /comments/*/body_format", "table comments"),
        ("go", "key rule: events.position_key", "table events"),
    ]
    assert found[0].extra["rails"] == "md" and found[0].actual == "MD"
    assert (found[1].expected, found[1].actual) == ("00001", "0001")
