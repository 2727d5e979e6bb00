"""Spec drift: each change class on small specs, $ref resolution, the CLI's exit codes."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.cli import main as parity
from harness.errors import HarnessError
from harness.spec_drift import Severity, diff_specs, load_spec, main, render_text

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "loomio", "version": "1"},
    "paths": {
        "/api/v1/discussions/{key}": {
            "parameters": [
                {"name": "key", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "parameters": [
                    {"name": "exclude_types", "in": "query", "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DiscussionEnvelope"}
                            }
                        },
                    },
                    "403": {"$ref": "#/components/responses/Forbidden"},
                },
            },
            "patch": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["discussion"],
                                "properties": {
                                    "discussion": {
                                        "type": "object",
                                        "properties": {
                                            "title": {"type": "string"},
                                            "description_format": {
                                                "type": "string",
                                                "enum": ["md", "html"],
                                            },
                                            "closing_at": {
                                                "type": ["string", "null"],
                                                "format": "date-time",
                                            },
                                        },
                                    }
                                },
                            }
                        }
                    },
                },
                "responses": {"200": {"description": "ok"}, "422": {"description": "invalid"}},
            },
        },
        "/api/v1/groups": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
    "components": {
        "responses": {
            "Forbidden": {
                "description": "denied",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
        "schemas": {
            "DiscussionEnvelope": {
                "type": "object",
                "required": ["discussions", "meta"],
                "properties": {
                    "discussions": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Discussion"},
                    },
                    "groups": {"type": "array", "items": {"$ref": "#/components/schemas/Group"}},
                    "meta": {
                        "type": "object",
                        "properties": {"total": {"type": ["integer", "null"]}},
                    },
                },
            },
            "Discussion": {
                "type": "object",
                "required": ["id", "title", "closed_at"],
                "properties": {
                    "id": {"type": "integer"},
                    "title": {"type": "string"},
                    "closed_at": {"type": ["string", "null"], "format": "date-time"},
                    "items_count": {"type": "integer"},
                    "description_format": {"type": "string", "enum": ["md", "html"]},
                    "group": {"anyOf": [{"$ref": "#/components/schemas/Group"}, {"type": "null"}]},
                },
            },
            "Group": {
                "type": "object",
                "required": ["id"],
                "properties": {
                    "id": {"type": "integer"},
                    "parent": {"anyOf": [{"$ref": "#/components/schemas/Group"}, {"type": "null"}]},
                },
            },
        },
    },
}

SHOW = "/api/v1/discussions/{key}"
DISCUSSION = ["components", "schemas", "Discussion"]
REQUEST = [
    "paths",
    SHOW,
    "patch",
    "requestBody",
    "content",
    "application/json",
    "schema",
    "properties",
    "discussion",
]


def at(document: dict[str, Any], path: list[str]) -> Any:
    for part in path:
        document = document[part]
    return document


def edit(path: list[str], change: Callable[[Any], Any]) -> Callable[[dict[str, Any]], None]:
    return lambda doc: change(at(doc, path))


CASES = [
    # id, edit of the new spec, severity, kind, location fragment
    (
        "operation-removed",
        edit(["paths"], lambda p: p.pop("/api/v1/groups")),
        Severity.BREAKING,
        "operation_removed",
        "",
    ),
    (
        "operation-added",
        edit(["paths"], lambda p: p.update({"/api/v1/tags": {"post": {"responses": {}}}})),
        Severity.NON_BREAKING,
        "operation_added",
        "",
    ),
    (
        "response-property-removed",
        edit([*DISCUSSION, "properties"], lambda p: p.pop("items_count")),
        Severity.BREAKING,
        "property_removed",
        "/discussions/items/items_count",
    ),
    (
        "response-property-added",
        edit([*DISCUSSION, "properties"], lambda p: p.update(seen=True)),
        Severity.NON_BREAKING,
        "property_added",
        "/discussions/items/seen",
    ),
    (
        "type-changed",
        edit([*DISCUSSION, "properties", "id"], lambda s: s.update(type="string")),
        Severity.BREAKING,
        "type_changed",
        "/discussions/items/id",
    ),
    (
        "integer-to-number",
        edit([*DISCUSSION, "properties", "items_count"], lambda s: s.update(type="number")),
        Severity.BREAKING,
        "type_changed",
        "/discussions/items/items_count",
    ),
    (
        "nullable-added",
        edit([*DISCUSSION, "properties", "title"], lambda s: s.update(type=["string", "null"])),
        Severity.BREAKING,
        "nullable_added",
        "/discussions/items/title",
    ),
    (
        "nullable-removed",
        edit([*DISCUSSION, "properties", "closed_at"], lambda s: s.update(type="string")),
        Severity.NON_BREAKING,
        "nullable_removed",
        "/discussions/items/closed_at",
    ),
    (
        "required-made-optional",
        edit([*DISCUSSION, "required"], lambda r: r.remove("title")),
        Severity.BREAKING,
        "required_response_property_made_optional",
        "/discussions/items/title",
    ),
    (
        "format-changed",
        edit([*DISCUSSION, "properties", "closed_at"], lambda s: s.update(format="date")),
        Severity.BREAKING,
        "format_changed",
        "/discussions/items/closed_at",
    ),
    (
        "response-enum-value-added",
        edit([*DISCUSSION, "properties", "description_format", "enum"], lambda e: e.append("text")),
        Severity.WARNING,
        "enum_value_added",
        "/discussions/items/description_format",
    ),
    (
        "response-enum-value-removed",
        edit([*DISCUSSION, "properties", "description_format", "enum"], lambda e: e.remove("html")),
        Severity.NON_BREAKING,
        "enum_value_removed",
        "/discussions/items/description_format",
    ),
    (
        "status-removed",
        edit(["paths", SHOW, "get", "responses"], lambda r: r.pop("403")),
        Severity.BREAKING,
        "status_removed",
        "response 403",
    ),
    (
        "status-added",
        edit(
            ["paths", SHOW, "get", "responses"], lambda r: r.update({"404": {"description": "x"}})
        ),
        Severity.NON_BREAKING,
        "status_added",
        "response 404",
    ),
    (
        "media-type-removed",
        edit(["components", "responses", "Forbidden"], lambda r: r.pop("content")),
        Severity.BREAKING,
        "media_type_removed",
        "response 403 application/json",
    ),
    (
        "new-required-request-field",
        edit(
            REQUEST,
            lambda s: s.update(
                required=["body"], properties={**s["properties"], "body": {"type": "string"}}
            ),
        ),
        Severity.BREAKING,
        "required_request_property_added",
        "request body /discussion/body",
    ),
    (
        "new-optional-request-field",
        edit([*REQUEST, "properties"], lambda p: p.update(body={"type": "string"})),
        Severity.NON_BREAKING,
        "property_added",
        "request body /discussion/body",
    ),
    (
        "request-field-removed",
        edit([*REQUEST, "properties"], lambda p: p.pop("title")),
        Severity.BREAKING,
        "request_property_removed",
        "request body /discussion/title",
    ),
    (
        "request-field-made-required",
        edit(REQUEST, lambda s: s.update(required=["title"])),
        Severity.BREAKING,
        "request_property_made_required",
        "request body /discussion/title",
    ),
    (
        "request-enum-value-removed",
        edit([*REQUEST, "properties", "description_format", "enum"], lambda e: e.remove("md")),
        Severity.BREAKING,
        "enum_value_removed",
        "request body /discussion/description_format",
    ),
    (
        "request-nullable-removed",
        edit([*REQUEST, "properties", "closing_at"], lambda s: s.update(type="string")),
        Severity.BREAKING,
        "nullable_removed",
        "request body /discussion/closing_at",
    ),
    (
        "request-type-widened",
        edit([*REQUEST, "properties", "title"], lambda s: s.update(type=["string", "integer"])),
        Severity.NON_BREAKING,
        "type_changed",
        "request body /discussion/title",
    ),
    (
        "required-parameter-added",
        edit(
            ["paths", SHOW, "get", "parameters"],
            lambda p: p.append({"name": "x", "in": "query", "required": True}),
        ),
        Severity.BREAKING,
        "required_parameter_added",
        "parameter query x",
    ),
    (
        "parameter-removed",
        edit(["paths", SHOW, "get"], lambda o: o.pop("parameters")),
        Severity.BREAKING,
        "parameter_removed",
        "parameter query exclude_types",
    ),
    (
        "request-body-made-required-new",
        edit(
            ["paths", "/api/v1/groups", "get"],
            lambda o: o.update(requestBody={"required": True, "content": {}}),
        ),
        Severity.BREAKING,
        "request_body_added",
        "request body",
    ),
]


@pytest.mark.parametrize(
    ("change", "severity", "kind", "location"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_change_class_is_found_and_classified(
    change: Callable[[dict[str, Any]], None], severity: Severity, kind: str, location: str
) -> None:
    new = copy.deepcopy(BASE)
    change(new)
    found = diff_specs(BASE, new)
    assert [(c.severity, c.kind) for c in found] == [(severity, kind)], render_text(found)
    assert location in found[0].location


def test_refs_are_followed_everywhere_they_are_used_including_cycles() -> None:
    new = copy.deepcopy(BASE)
    del new["components"]["schemas"]["Group"]["properties"]["parent"]
    found = diff_specs(BASE, new)
    assert {(c.kind, c.location) for c in found} == {
        ("property_removed", "response 200 /discussions/items/group/parent"),
        ("property_removed", "response 200 /groups/items/parent"),
    }


def test_identical_specs_have_no_change() -> None:
    assert diff_specs(BASE, copy.deepcopy(BASE)) == []


def test_inlined_ref_is_the_same_schema() -> None:
    new = copy.deepcopy(BASE)
    items = at(new, ["components", "schemas", "DiscussionEnvelope", "properties", "groups"])
    items["items"] = copy.deepcopy(BASE["components"]["schemas"]["Group"])
    assert diff_specs(BASE, new) == []


def test_path_parameter_renames_do_not_count() -> None:
    new = copy.deepcopy(BASE)
    new["paths"]["/api/v1/discussions/{id}"] = new["paths"].pop(SHOW)
    assert diff_specs(BASE, new) == []


def test_broken_ref_names_the_spec() -> None:
    new = copy.deepcopy(BASE)
    del new["components"]["schemas"]["Group"]
    with pytest.raises(
        HarnessError, match="new spec: \\$ref '#/components/schemas/Group' points at nothing"
    ):
        diff_specs(BASE, new)


@pytest.fixture
def specs(tmp_path: Path) -> Callable[[dict[str, Any]], tuple[str, str]]:
    def write(new: dict[str, Any]) -> tuple[str, str]:
        (tmp_path / "old.yaml").write_text(yaml.safe_dump(BASE))
        (tmp_path / "new.json").write_text(json.dumps(new))
        return str(tmp_path / "old.yaml"), str(tmp_path / "new.json")

    return write


def test_cli_exit_0_without_breaking_changes(
    specs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    new = copy.deepcopy(BASE)
    new["paths"]["/api/v1/tags"] = {"get": {"responses": {}}}
    assert parity(["diff-spec", *specs(new)]) == 0
    out = capsys.readouterr().out
    assert "NON_BREAKING GET /api/v1/tags" in out
    assert out.strip().endswith("0 breaking, 0 warning, 1 non-breaking changes")


def test_cli_exit_1_with_breaking_changes_and_json(
    specs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    new = copy.deepcopy(BASE)
    del new["paths"]["/api/v1/groups"]
    assert main([*specs(new), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["breaking"] == 1
    assert report["changes"][0]["kind"] == "operation_removed"


@pytest.mark.parametrize(
    "argv",
    [[], ["only-one.yaml"], ["missing-old.yaml", "missing-new.yaml"], ["--bogus", "a", "b"]],
    ids=["no-args", "one-arg", "unreadable", "unknown-option"],
)
def test_cli_exit_2_on_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err


def test_not_an_openapi_document(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("- just\n- a list\n")
    with pytest.raises(HarnessError, match=r"x\.yaml: not an OpenAPI document"):
        load_spec(str(tmp_path / "x.yaml"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    (tmp_path / "openapi.json").write_text(json.dumps(BASE))
    handler = partial(SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]  # quiet test output
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/openapi.json"
    server.shutdown()
    server.server_close()


def test_spec_by_url(served: str) -> None:
    assert load_spec(served) == BASE


def test_a_partial_port_is_compared_on_its_ported_operations_only(tmp_path: Path, capsys) -> None:
    spec = Path(__file__).parents[2] / "spec" / "openapi.yaml"
    document = yaml.safe_load(spec.read_text())
    go = {**document, "paths": {"/api/v1/groups": document["paths"]["/api/v1/groups"]}}
    (tmp_path / "go.yaml").write_text(yaml.safe_dump(go))
    (tmp_path / "routes.yaml").write_text("routes:\n  = /api/v1/groups: go\n")
    args = ["diff-spec", str(spec), str(tmp_path / "go.yaml")]
    assert parity(args) == 1  # everything else "removed"
    assert "operation removed" in capsys.readouterr().out
    assert parity([*args, "--ported", str(tmp_path / "routes.yaml")]) == 0
    assert "0 breaking" in capsys.readouterr().out
