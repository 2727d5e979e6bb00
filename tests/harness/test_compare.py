"""compare(): the right Difference kinds and pointers on recorded Loomio bodies."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.compare import (
    ABSENT,
    Kind,
    compare,
    compare_normalized,
    sort_keys,
    without_ties,
)
from harness.http import ApiResponse
from harness.normalize import CanonicalIds, normalize

DATA = Path(__file__).parent / "data"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def ok(body: Any, status: int = 200) -> ApiResponse:
    return ApiResponse(status=status, body=body)


def differences_after(mutate: Callable[[Any], None], name: str = "events_index") -> list[Any]:
    go = load(f"{name}.go.json")
    mutate(go)
    return compare(ok(load(f"{name}.rails.json")), ok(go))


@pytest.mark.parametrize("name", ["discussion_show", "events_index"])
def test_pair_differing_only_in_ids_timestamps_and_sideload_order_has_no_difference(
    name: str,
) -> None:
    assert compare(ok(load(f"{name}.rails.json")), ok(load(f"{name}.go.json"))) == []


def _drop(path: list[Any]) -> Callable[[Any], None]:
    def mutate(body: Any) -> None:
        target = body
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return mutate


def _set(path: list[Any], value: Any) -> Callable[[Any], None]:
    def mutate(body: Any) -> None:
        target = body
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return mutate


def _comment_601(go: Any) -> dict[str, Any]:
    return next(c for c in go["comments"] if c["id"] == 61)


CASES = [
    # (id, mutation of the go body, expected kind, expected pointer, rails value, go value)
    (
        "missing-key",
        lambda go: _comment_601(go).pop("body"),
        Kind.MISSING_KEY,
        "/comments/comments#1/body",
        "<p>I suggest the library.</p>",
        ABSENT,
    ),
    (
        "extra-key",
        lambda go: _comment_601(go).update(score=1),
        Kind.EXTRA_KEY,
        "/comments/comments#1/score",
        ABSENT,
        1,
    ),
    (
        "null-vs-absent",
        lambda go: go["events"][0].pop("pinned_title"),
        Kind.NULL_VS_ABSENT,
        "/events/events#1/pinned_title",
        None,
        ABSENT,
    ),
    (
        "id-as-string",
        _set(["events", 0, "id"], "501"),
        Kind.TYPE,
        "/events/events#1/id",
        "events#1",
        '"events#1"',
    ),
    (
        "int-vs-float",
        _set(["polls", 0, "cast_stances_pct"], 8.0),
        Kind.TYPE,
        "/polls/polls#1/cast_stances_pct",
        8,
        8.0,
    ),
    (
        "bool-vs-int",
        _set(["events", 0, "pinned"], 0),
        Kind.TYPE,
        "/events/events#1/pinned",
        False,
        0,
    ),
    (
        "null-vs-value",
        _set(["events", 0, "pinned_title"], "Pinned"),
        Kind.TYPE,
        "/events/events#1/pinned_title",
        None,
        "Pinned",
    ),
    (
        "timestamp-without-millis",
        _set(["events", 0, "created_at"], "2025-06-02T10:05:07Z"),
        Kind.TIMESTAMP_FORMAT,
        "/events/events#1/created_at",
        "<timestamp 9999-99-99T99:99:99.999Z>",
        "<timestamp 9999-99-99T99:99:99Z>",
    ),
    (
        "value",
        _set(["events", 0, "depth"], 2),
        Kind.VALUE,
        "/events/events#1/depth",
        1,
        2,
    ),
    (
        "wrong-reference",
        _set(["events", 1, "parent_id"], 500),
        Kind.VALUE,
        "/events/events#2/parent_id",
        "events#1",
        "events#4",
    ),
    (
        "reordered-primary-events",
        lambda go: go["events"].reverse(),
        Kind.ORDER,
        "/events",
        ["events#1", "events#2", "events#3"],
        ["events#3", "events#2", "events#1"],
    ),
    (
        "missing-collection",
        _drop(["parent_groups"]),
        Kind.ENVELOPE,
        "/parent_groups",
        [],
        ABSENT,
    ),
    (
        "missing-array-item",
        _set(["groups", 0, "tag_ids"], [1]),
        Kind.EXTRA_ITEM,
        "/groups/groups#1/tag_ids/0",
        ABSENT,
        "tags#1",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "kind", "pointer", "rails", "go"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_one_change_gives_one_difference_of_the_right_kind(
    mutate: Callable[[Any], None], kind: Kind, pointer: str, rails: Any, go: Any
) -> None:
    [difference] = differences_after(mutate)
    assert (difference.kind, difference.pointer) == (kind, pointer)
    assert (difference.rails, difference.go) == (rails, go)
    assert difference.detail


def test_missing_sideloaded_record_is_one_difference_not_a_cascade() -> None:
    [difference] = differences_after(
        lambda go: go.__setitem__("users", [u for u in go["users"] if u["id"] != 19])
    )
    assert (difference.kind, difference.pointer) == (Kind.MISSING_RECORD, "/users/users#1")
    assert difference.rails["name"] == "Ben Ola"


def test_wrong_root_is_an_envelope_difference() -> None:
    found = differences_after(_set(["meta", "root"], "comments"))
    assert (Kind.ENVELOPE, "/meta/root", "events", "comments") in [
        (d.kind, d.pointer, d.rails, d.go) for d in found
    ]


def test_extra_record() -> None:
    [difference] = differences_after(lambda go: go["tags"].append({"id": 3, "name": "x"}))
    assert (difference.kind, difference.pointer) == (Kind.EXTRA_RECORD, "/tags/tags#1")


def test_timestamps_inverted_between_backends_give_timestamp_order() -> None:
    def swap(go: Any) -> None:
        go["events"][0]["created_at"], go["events"][2]["created_at"] = (
            go["events"][2]["created_at"],
            go["events"][0]["created_at"],
        )

    found = differences_after(swap)
    assert {d.kind for d in found} == {Kind.TIMESTAMP_ORDER}
    assert "/events/events#1/created_at" in {d.pointer for d in found} | {
        d.detail.split()[1] for d in found
    }


def test_status_difference_is_reported_alone() -> None:
    [difference] = compare(ok({"error": "x"}, 403), ok({"exception": "y"}, 404))
    assert (difference.kind, difference.pointer, difference.rails, difference.go) == (
        Kind.STATUS,
        "",
        403,
        404,
    )


@pytest.mark.parametrize(
    ("rails", "go", "kind"),
    [
        (ApiResponse(status=200, text="null"), ApiResponse(status=200, text=""), Kind.ENVELOPE),
        (
            ApiResponse(status=429, text="Retry later"),
            ApiResponse(status=429, text="Retry"),
            Kind.VALUE,
        ),
        (ok({"events": [], "meta": {"root": "events"}}), ok([]), Kind.ENVELOPE),
        (ok({"success": "ok"}), ok({"success": "success"}), Kind.VALUE),
    ],
    ids=["json-null-vs-empty", "text", "envelope-vs-array", "non-envelope-value"],
)
def test_body_forms(rails: ApiResponse, go: ApiResponse, kind: Kind) -> None:
    [difference] = compare(rails, go)
    assert difference.kind == kind


def test_same_text_and_empty_bodies_are_equal() -> None:
    assert compare(ApiResponse(status=204), ApiResponse(status=204, text=" ")) == []
    assert compare(ApiResponse(status=200, text="null"), ApiResponse(status=200, text="null")) == []


def test_ignore_patterns_drop_matching_differences() -> None:
    go = load("events_index.go.json")
    go["events"][0]["depth"] = 7
    go["discussions"][0]["title"] = "Other"
    found = compare(ok(load("events_index.rails.json")), ok(go), ["/events/*/depth"])
    assert [d.pointer for d in found] == ["/discussions/discussions#1/title"]


def test_canonical_ids_carry_across_steps() -> None:
    rails_ids, go_ids = CanonicalIds(), CanonicalIds()
    first = compare(
        ok(load("events_index.rails.json")),
        ok(load("events_index.go.json")),
        rails_ids=rails_ids,
        go_ids=go_ids,
    )
    assert first == []
    # next step: go answers with the wrong discussion (a new one), rails with discussion 42
    rails_next = ok({"discussions": [{"id": 42}], "meta": {"root": "discussions"}})
    go_next = ok({"discussions": [{"id": 5}], "meta": {"root": "discussions"}})
    kinds = {d.kind for d in compare(rails_next, go_next, rails_ids=rails_ids, go_ids=go_ids)}
    assert kinds == {Kind.MISSING_RECORD, Kind.EXTRA_RECORD}
    same = ok({"discussions": [{"id": 4}], "meta": {"root": "discussions"}})
    assert compare(rails_next, same, rails_ids=rails_ids, go_ids=go_ids) == []


def test_value_of_deep_copy_is_unchanged_by_compare() -> None:
    rails = load("discussion_show.rails.json")
    before = copy.deepcopy(rails)
    compare(ok(rails), ok(load("discussion_show.go.json")))
    assert rails == before


def test_number_text_is_irrelevant_but_int_vs_float_is_not() -> None:
    one = ApiResponse(status=200, text='{"score_percent": 1.00, "count": 0}')
    same_value = ApiResponse(status=200, text='{"score_percent": 1.0, "count": 0}')
    assert compare(one, same_value) == []
    as_float = ApiResponse(status=200, text='{"score_percent": 1.0, "count": 0.0}')
    [difference] = compare(one, as_float)
    assert (difference.kind, difference.pointer) == (Kind.TYPE, "/count")


def _events(*rows: tuple[int, int]) -> dict[str, Any]:
    """An events index: (id, position) rows in the order sent."""
    events = [{"id": i, "position": p, "sequence_id": i} for i, p in rows]
    return {"events": events, "meta": {"root": "events", "total": len(events)}}


def _order_kept(rails: dict[str, Any], go: dict[str, Any], params: list[tuple[str, str]]) -> list:
    left, right = normalize(rails, CanonicalIds()), normalize(go, CanonicalIds())
    return without_ties(compare_normalized(left, right), left, right, params)


def test_records_tied_on_the_sort_key_may_come_in_either_order() -> None:
    """`ORDER BY position` leaves ties to the database: 2 and 3 share position 1."""
    rails = _events((1, 0), (2, 1), (3, 1), (4, 2))
    go = _events((1, 0), (3, 1), (2, 1), (4, 2))
    params = [("discussion_id", "7"), ("order", "position")]
    assert _order_kept(rails, go, params) == []
    assert [d.kind for d in _order_kept(rails, go, [("discussion_id", "7")])] == [Kind.ORDER]


def _page(*rows: tuple[int, int, int | None]) -> dict[str, Any]:
    """An events page with side-loads: (id, position, parent id) rows, parents side-loaded."""
    events = [{"id": i, "position": p, "parent_id": parent} for i, p, parent in rows]
    parents = [{"id": parent, "position": 1} for _, _, parent in rows if parent]
    return {"events": events, "parent_events": parents, "meta": {"root": "events"}}


THREAD = _page(*((i, 0, None) for i in (1, 10, 11, 12, 13, 32)))  # read first: ids named


def _paged(rails: dict[str, Any], go: dict[str, Any], params: list[tuple[str, str]]) -> list:
    """The differences kept between two pages, each side's ids named by THREAD first."""
    ids = CanonicalIds(), CanonicalIds()
    for side in ids:
        normalize(THREAD, side)
    left, right = normalize(rails, ids[0]), normalize(go, ids[1])
    return without_ties(compare_normalized(left, right), left, right, params)


def test_which_tied_record_a_page_edge_holds_is_not_contract() -> None:
    """`order=position&per=1`: the thread's first item and the first reply both sit at
    position 1, so LIMIT 1 may give either; the side-loads follow the record given."""
    params = [("discussion_id", "7"), ("order", "position"), ("per", "1")]
    assert _paged(_page((10, 1, None)), _page((32, 1, 10)), params) == []
    params = [("order", "position"), ("per", "3")]
    rails, go = (
        _page((1, 0, None), (10, 1, None), (11, 1, None)),
        _page((1, 0, None), (10, 1, None), (32, 1, 10)),
    )
    assert _paged(rails, go, params) == []  # fmt: skip


def test_a_record_inside_the_page_or_another_key_is_still_a_difference() -> None:
    params = [("order", "position"), ("per", "3")]
    rails = _page((1, 0, None), (10, 1, None), (12, 2, None))
    middle = _page((1, 0, None), (11, 1, None), (12, 2, None))  # not tied with an edge
    kinds = {d.kind for d in _paged(rails, middle, params)}
    assert kinds == {Kind.MISSING_RECORD, Kind.EXTRA_RECORD}
    other_key = _page((1, 0, None), (10, 1, None), (13, 3, None))  # the edge's key differs
    assert {d.kind for d in _paged(rails, other_key, params)} >= {Kind.MISSING_RECORD}
    assert {d.kind for d in _paged(rails, middle, [("per", "3")])} >= {Kind.MISSING_RECORD}


def test_an_order_the_sort_key_decides_is_still_contract() -> None:
    rails = _events((1, 0), (2, 1), (4, 2))
    go = _events((4, 2), (2, 1), (1, 0))  # descending where rails ascends
    assert [d.kind for d in _order_kept(rails, go, [("order", "position")])] == [Kind.ORDER]


def test_a_root_that_is_no_record_collection_has_no_sort_key() -> None:
    """Items without ids (a timeline's rows) are not keyed records: nothing to judge ties by."""
    body = {"events": [{"sequence_id": 2}, {"sequence_id": 1}], "meta": {"root": "events"}}
    assert sort_keys([("order", "sequence_id")], normalize(body, CanonicalIds())) == ()
    assert _order_kept(body, body, [("order", "sequence_id")]) == []
