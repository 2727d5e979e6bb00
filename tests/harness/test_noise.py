"""Noise: learned from two instances of one backend, declared in config, listed."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from harness.compare import Kind, compare
from harness.errors import HarnessError
from harness.http import ApiResponse
from harness.noise import (
    NoiseField,
    declared_noise,
    generalize,
    is_ignored,
    learn_noise,
    partition,
)
from harness.normalize import TIMELINE_COLUMNS

DATA = Path(__file__).parent / "data"
SHOW = "GET /api/v1/discussions/{id}"


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def ok(body: Any) -> ApiResponse:
    return ApiResponse(status=200, body=body)


@pytest.mark.parametrize(
    ("pointer", "pattern"),
    [
        ("/discussions/discussions#3/last_activity_at", "/discussions/*/last_activity_at"),
        ("/polls/polls#1/results/0/score", "/polls/*/results/*/score"),
        ("/users/users#1@2/name", "/users/*/name"),
        ("/stances/stances#1/option_scores/poll_options#2", "/stances/*/option_scores/*"),
        ("/groups/groups#1/key", "/groups/*/key"),
        ("", ""),
    ],
)
def test_generalize_replaces_indices_and_canonical_ids(pointer: str, pattern: str) -> None:
    assert generalize(pointer) == pattern


def _instance_b(body: Any, seen_by: int) -> Any:
    other = copy.deepcopy(body)
    other["discussions"][0]["seen_by_count"] = seen_by
    return other


def test_learns_fields_that_differ_between_two_instances_of_one_backend() -> None:
    step = load("discussion_show.rails.json")
    runs = [
        [(SHOW, ok(step), ok(_instance_b(step, 4)))],
        [(SHOW, ok(step), ok(step)), (SHOW, ok(step), ok(_instance_b(step, 5)))],
    ]
    [field] = learn_noise(runs)[SHOW]
    assert field.pattern == "/discussions/*/seen_by_count"
    assert (field.source, field.kinds, field.seen) == ("learned", ("value",), 2)
    assert "3" in field.example


def test_identical_instances_give_no_noise() -> None:
    body = load("events_index.rails.json")
    assert learn_noise([[(SHOW, ok(body), ok(copy.deepcopy(body)))]]) == {}


def test_learned_noise_is_scoped_to_its_operation() -> None:
    step = load("discussion_show.rails.json")
    events = load("events_index.rails.json")
    index = "GET /api/v1/events"
    learned = learn_noise(
        [[(SHOW, ok(step), ok(_instance_b(step, 4))), (index, ok(events), ok(events))]]
    )
    assert list(learned) == [SHOW]
    assert learned[SHOW][0].example.startswith(f"{SHOW} /discussions/")


def test_learning_maps_ids_in_bare_rows() -> None:
    timeline = "GET /api/v1/events/timeline"
    row = ["00001", 1, "2025-06-01T10:15:00.000Z", 7, 1, 0]
    other = ["00001", 1, "2025-06-01T10:16:00.000Z", 93, 1, 0]  # another instance: another raw id
    runs = [[(timeline, ok([row]), ok([other]))]]
    assert learn_noise(runs, columns={timeline: TIMELINE_COLUMNS}) == {}
    assert [f.pattern for f in learn_noise(runs)[timeline]] == ["/*/*"]


def test_learned_noise_is_set_aside_and_listed_not_dropped() -> None:
    rails, go = load("discussion_show.rails.json"), load("discussion_show.go.json")
    go["discussions"][0]["seen_by_count"] = 9
    go["discussions"][0]["title"] = "Elsewhere"
    noise = learn_noise([[(SHOW, ok(rails), ok(_instance_b(rails, 4)))]])[SHOW]
    kept, ignored = partition(compare(ok(rails), ok(go)), noise)
    assert [d.pointer for d in kept] == ["/discussions/discussions#1/title"]
    [(difference, field)] = ignored
    assert difference.kind == Kind.VALUE
    assert field.pattern == "/discussions/*/seen_by_count"


def test_declared_patterns_are_validated() -> None:
    assert declared_noise(["/meta/total"]) == [NoiseField(pattern="/meta/total", source="declared")]
    with pytest.raises(HarnessError, match="not a JSON Pointer"):
        declared_noise(["meta/total"])


@pytest.mark.parametrize(
    ("pointer", "patterns", "ignored"),
    [
        ("/discussions/discussions#1/last_activity_at", ["/discussions/*/last_activity_at"], True),
        ("/discussions/discussions#1/title", ["/discussions/*/last_activity_at"], False),
        ("/meta/total", ["/users/*/name", "/meta"], True),
        ("/meta/total", [], False),
    ],
)
def test_is_ignored(pointer: str, patterns: list[str], ignored: bool) -> None:
    assert is_ignored(pointer, patterns) is ignored


def _discussion_without_meta(body: Any) -> Any:
    other = copy.deepcopy(body)
    del other["meta"]
    return other


@pytest.mark.parametrize(
    ("why", "second"),
    [
        ("status", lambda body: ApiResponse(status=500, body=body)),
        ("envelope", lambda body: ApiResponse(status=200, text="<html>oops</html>")),
        ("top-level key", lambda body: ok(_discussion_without_meta(body))),
    ],
)
def test_status_envelope_and_top_level_differences_are_never_learned(why: str, second) -> None:
    step = load("discussion_show.rails.json")
    runs = [[(SHOW, ok(step), second(step))]]
    assert learn_noise(runs) == {}, why


def test_a_learned_entry_sets_aside_only_the_kinds_seen_there() -> None:
    step = load("discussion_show.rails.json")
    [field] = learn_noise([[(SHOW, ok(step), ok(_instance_b(step, 4)))]])[SHOW]
    go = copy.deepcopy(step)
    del go["discussions"][0]["seen_by_count"]  # a port that drops the field
    kept, ignored = partition(compare(ok(step), ok(go)), [field])
    assert [d.kind for d in kept] == [Kind.MISSING_KEY] and ignored == []


@pytest.mark.parametrize("pattern", ["", "/", "/*", "/**", "/*/**"])
def test_declared_patterns_that_hide_everything_are_refused(pattern: str) -> None:
    with pytest.raises(HarnessError, match="hide every difference"):
        declared_noise([pattern])


def test_the_report_adds_up_what_each_entry_excluded() -> None:
    from harness.report.recorder import Recorder, merge_recorders

    field = NoiseField(pattern="/discussions/*/seen_by_count", source="learned", operation=SHOW)
    first, second = Recorder(), Recorder()
    first.exclude([field, dataclasses.replace(field, excluded=3)])
    second.exclude([dataclasses.replace(field, excluded=2)])
    merged = merge_recorders([Recorder.from_json(first.to_json()), second])
    assert [(f.key, f.excluded) for f in merged.noise.values()] == [
        (f"{SHOW} /discussions/*/seen_by_count", 5)
    ]
