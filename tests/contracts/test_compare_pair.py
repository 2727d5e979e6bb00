"""compare_pair, the lockstep's comparison of one request's two answers: a value the answer
echoes from the request is named as the request sent it, on both backends."""

from __future__ import annotations

from contracts.differential import compare_pair
from harness.http import ApiResponse
from harness.normalize import CanonicalIds


def sides(comment_ids: tuple[int, int], events: tuple[int, int]) -> tuple[CanonicalIds, ...]:
    """Each backend's ids: its own events, then the comment the request names."""
    tables = []
    for comment, count in zip(comment_ids, events, strict=True):
        ids = CanonicalIds()
        for raw in range(1, count + 1):
            ids.name("events", raw)
        ids.name("comments", comment)
        tables.append(ids)
    return tuple(tables)


def missing(comment: int) -> ApiResponse:
    return ApiResponse(
        status=404,
        body={
            "exception": "ActiveRecord::RecordNotFound",
            "error": f"Couldn't find Event with 'id'={comment}",
        },
    )


def test_a_not_found_text_echoing_the_sent_comment_id_is_alike_on_both_backends() -> None:
    rails_ids, go_ids = sides((33, 11), (40, 12))  # 33 is a new event id, 11 a known one
    _, found = compare_pair(
        missing(33),
        missing(11),
        rails_ids,
        go_ids,
        "GET /api/v1/events/comment",
        refs=["comments#1"],
    )
    assert found == []


def test_without_the_request_the_same_texts_differ() -> None:
    rails_ids, go_ids = sides((33, 11), (40, 12))
    _, found = compare_pair(
        missing(33), missing(11), rails_ids, go_ids, "GET /api/v1/events/comment"
    )
    assert [d.pointer for d in found] == ["/error"]


def test_a_not_found_text_naming_another_record_than_the_one_sent_still_differs() -> None:
    rails_ids, go_ids = sides((33, 11), (40, 12))
    _, found = compare_pair(
        missing(33),
        missing(5),
        rails_ids,
        go_ids,
        "GET /api/v1/events/comment",
        refs=["comments#1"],
    )
    assert [d.pointer for d in found] == ["/error"]
