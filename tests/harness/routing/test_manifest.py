"""The routing manifest: parsing, precedence, round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report.coverage import declared_operations
from harness.routing.manifest import (
    GO,
    RAILS,
    ManifestError,
    Target,
    dump_manifest,
    load_manifest,
    manifest_from_mapping,
    targets_of,
)
from harness.spec_drift import load_spec

SPEC = Path(__file__).parents[3] / "spec" / "openapi.yaml"


def manifest(routes: dict[str, str], default: str = "rails"):
    return manifest_from_mapping({"default": default, "routes": routes}, "test.yaml")


@pytest.mark.parametrize(
    ("routes", "request_", "expected"),
    [
        ({"groups_show": "go"}, ("GET", "/api/v1/groups/{id}", "groups_show"), GO),
        ({"/api/v1/groups": "go"}, ("PATCH", "/api/v1/groups/{id}", ""), GO),
        ({"GET /api/v1/groups": "go"}, ("PATCH", "/api/v1/groups/{id}", ""), RAILS),
        (
            {"/api/v1/discussions": "go", "/api/v1/discussions/{id}/close": "rails"},
            ("PATCH", "/api/v1/discussions/{id}/close", ""),
            RAILS,
        ),
        (
            {"/api/v1/events": "go", "GET /api/v1/events": "go 30%"},
            ("GET", "/api/v1/events", ""),
            Target(30),
        ),
        ({"= /api/v1/events": "go", "/api/v1/events/": "rails"}, ("GET", "/api/v1/events", ""), GO),
        ({"= /api/v1/events": "go"}, ("GET", "/api/v1/events/timeline", ""), RAILS),
        (
            {"groups_show": "rails", "/api/v1/groups": "go"},
            ("GET", "/api/v1/groups/{id}", "groups_show"),
            RAILS,
        ),
    ],
    ids=[
        "operation-id",
        "prefix-any-method",
        "method-filters",
        "longest-prefix-wins",
        "method-beats-any-at-equal-length",
        "exact-beats-prefix",
        "exact-is-exact",
        "operation-id-beats-prefix",
    ],
)
def test_an_operation_takes_the_most_specific_rule(routes, request_, expected) -> None:
    assert manifest(routes).target(*request_) == expected


def test_default_applies_when_no_rule_matches() -> None:
    assert manifest({}, default="go").target("GET", "/up") == GO
    assert manifest({"/api/": "go"}).target("GET", "/up") == RAILS


@pytest.mark.parametrize(
    ("routes", "message"),
    [
        ({"FETCH /api/v1/x": "go"}, "cannot read the route"),
        ({"= groups_show": "go"}, "a path starts with '/'"),
        ({"/api/v1/x": "nginx"}, "is not one of rails, go"),
        ({"/api/v1/x": "go 150%"}, "at most 100%"),
        ({"/api/v1/x": "rails 20%"}, "is not one of"),
    ],
)
def test_bad_entries_name_the_file_and_the_entry(routes, message) -> None:
    with pytest.raises(ManifestError, match=rf"test\.yaml.*{message}|test\.yaml"):
        manifest(routes)
    with pytest.raises(ManifestError, match=message.split()[0]):
        manifest(routes)


def test_unreadable_or_malformed_files_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="parity routes --discover"):
        load_manifest(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("routes:\n  - [unclosed\n")
    with pytest.raises(ManifestError, match=r"bad\.yaml:\d+: not YAML"):
        load_manifest(bad)
    bad.write_text("- a list\n")
    with pytest.raises(ManifestError, match="a mapping with `default` and `routes`"):
        load_manifest(bad)


def test_a_dumped_manifest_reads_back_to_the_same_targets(tmp_path: Path) -> None:
    operations = declared_operations(load_spec(str(SPEC)))
    source = manifest({"GET /api/v1/groups": "go", "/api/v1/events": "go 25%", "profile_me": "go"})
    targets = targets_of(source, operations)
    path = tmp_path / "routes.yaml"
    path.write_text(dump_manifest(targets, ["written by a test"]))
    assert targets_of(load_manifest(path), operations) == targets
    assert sum(t.ported for t in targets.values()) == 3 + 4 + 1  # groups reads, events, profile


def test_a_subset_run_compares_only_ported_operations(tmp_path: Path) -> None:
    from harness.routing.manifest import subset_operations

    spec = load_spec(str(SPEC))
    path = tmp_path / "routes.yaml"
    path.write_text("routes:\n  GET /api/v1/groups: go\n  sessions_create: go\n")
    found = subset_operations(path, "subset", spec)
    assert found is not None
    assert {op for op, _, _ in found} == {
        "groups_index",
        "groups_show",
        "groups_subgroups",
        "sessions_create",
    }
    assert ("groups_show", "GET", "/api/v1/groups/{id}") in found
    assert subset_operations(path, "mixed", spec) is None  # the router serves everything
    assert subset_operations(None, "subset", spec) is None
