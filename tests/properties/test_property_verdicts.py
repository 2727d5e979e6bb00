"""The property suites turn trouble into findings, never into silence.

Pure parts with recorded answers (a `FakeBackend` stands for the server): a read that does
not answer 200 is a problem, the tally oracle takes the poll's settings from what the suite
sent, a missing root event is a threading problem, and an error raised alongside a property
failure is not dropped. A one-sided setup failure of the permissions suite is tested
against the real pair in test_properties_meta.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.findings import FindingKind, FindingsWriter
from harness.http import ApiRequest, ApiResponse
from harness.isolation import Scope
from harness.report.recorder import Recorder
from properties.findings import Problem, PropertyFailure, PropertyRun
from properties.oracles.threading import Comment, simulate
from properties.strategies import PollSpec
from properties.tally_driver import TallyRun
from properties.test_permissions import one_sided_setup
from properties.thread_checks import check_root

SCOPE = Scope(
    actors={"admin": "admin#t", "member": "member#t", "guest": "guest#t"},
    ids={"go": {"discussion:thread": 5, "user:admin": 1, "user:member": 2, "user:guest": 3}},
)


class FakeBackend:
    """Answers each request with `answer(request)`."""

    name = "go"

    def __init__(self, answer: Callable[[ApiRequest], ApiResponse]) -> None:
        self.answer = answer

    def send(self, request: ApiRequest) -> ApiResponse:
        return self.answer(request)


def _created(poll: dict[str, Any]) -> ApiResponse:
    options = [
        {"id": 10 + i, "poll_id": 7, "name": name, "priority": i, "icon": None}
        for i, name in enumerate(("Red", "Green", "Blue"))
    ]
    return ApiResponse(status=200, body={"polls": [{"id": 7, **poll}], "poll_options": options})


def _backend(reads: int) -> FakeBackend:
    """A backend whose create says other settings than were sent, and whose reads fail."""
    lying = {"poll_type": "poll", "agree_target": 99, "anonymous": True, "dots_per_person": 3}

    def answer(request: ApiRequest) -> ApiResponse:
        if request.method == "POST":
            return _created(lying)
        return ApiResponse(status=reads, text="Internal Server Error")

    return FakeBackend(answer)


def test_the_tally_oracle_takes_the_settings_the_suite_sent() -> None:
    run = TallyRun(_backend(200), SCOPE, PollSpec("poll", anonymous=False, hide_results="off"))
    run.start()
    assert run.oracle_poll is not None
    assert (run.oracle_poll.agree_target, run.oracle_poll.anonymous) == (None, False)
    assert run.oracle_poll.dots_per_person is None
    assert [o.name for o in run.oracle_poll.options] == ["Red", "Green", "Blue"]


@pytest.mark.parametrize("status", [403, 404, 500])
def test_reads_that_do_not_answer_200_are_problems(status: int) -> None:
    run = TallyRun(_backend(status), SCOPE, PollSpec("poll", anonymous=False, hide_results="off"))
    run.start()
    assert run.poll() == {} and run.stance_records("member") == []
    titles = [p.title for p in run.problems]
    assert titles == [
        f"GET /api/v1/polls/{{id}} of a poll poll answered {status} to its admin",
        f"GET /api/v1/stances of a poll poll answered {status} to its member",
    ]


def test_a_poll_that_does_not_store_the_options_sent_is_a_problem() -> None:
    spec = PollSpec("ranked_choice", anonymous=False, hide_results="off")  # A, B, C, D sent
    run = TallyRun(FakeBackend(lambda request: _created({"poll_type": "poll"})), SCOPE, spec)
    run.start()  # three options stored
    assert [p.title for p in run.problems] == [
        "a ranked_choice poll does not store the options sent"
    ]


def test_a_missing_root_event_is_a_threading_problem() -> None:
    thread = simulate([Comment("C1")], max_depth=2)
    assert [p.title for p in check_root("go", thread, None, None)] == [
        "the discussion names no root event (created_event_id is null)"
    ]
    assert [p.title for p in check_root("go", thread, None, 41)] == [
        "the root event is missing from the thread's parent events"
    ]
    assert check_root("go", simulate([], max_depth=2), None, 41) == []  # sideloaded nowhere


def test_an_error_raised_with_a_property_failure_is_not_dropped(tmp_path: Path) -> None:
    failure = PropertyFailure(
        "tally_oracle", FindingKind.TALLY, [Problem(backend="go", title="x")], ["s"]
    )

    def prop() -> None:
        raise ExceptionGroup("two", [failure, KeyError("the driver broke")])

    with FindingsWriter.for_worker(tmp_path, "main") as writer:
        run = PropertyRun(writer=writer, recorder=Recorder(), suite="properties/tallies")
        with pytest.raises(pytest.fail.Exception) as failed:
            run(prop)
    assert "the driver broke" in str(failed.value)
    assert "1 error(s) raised with them" in str(failed.value)


def test_setup_refused_on_one_side_only_names_that_side_or_both() -> None:
    from properties.oracles.permissions import cells

    cell = next(iter(cells()))
    problems = one_sided_setup(cell, {"go": "POST /api/v1/comments as owner answered 500"})
    assert [(p.backend, p.operation) for p in problems] == [("go", "POST /api/v1/comments")]
    assert "refused on go only" in problems[0].title
    # a refusal: which side is right depends on the step, so both are named
    refused = one_sided_setup(cell, {"rails": "POST /api/v1/comments as actor answered 403"})
    assert [p.backend for p in refused] == ["rails,go"]
    assert "refused on rails only" in refused[0].title
