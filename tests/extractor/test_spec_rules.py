"""Rules the generated spec must follow so the conformance suite needs no in-memory patches:
nullability like Loomio's, request bodies the database accepts, paging bounds, member
actions with a body, and the 400 bodies Rails answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from extractor.cli import main
from extractor.model import App, Column, Loc
from extractor.resolve import Resolver

PROJECT = Path(__file__).parent.parent.parent
EXAMPLE = PROJECT / "examples" / "loomio-mini"


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("spec") / "openapi.yaml"
    overrides = str(PROJECT / "spec" / "overrides.yaml")
    assert main([str(EXAMPLE), "-o", str(out), "--overrides", overrides]) == 0
    document: dict[str, Any] = yaml.safe_load(out.read_text())
    return document


def _accepts(spec: dict[str, Any], schema: dict[str, Any], value: object) -> bool:
    wrapped = {**schema, "components": spec["components"]}
    validator = jsonschema.Draft202012Validator(wrapped)
    return validator.is_valid(value)


def _column(sql_type: str, **kw: Any) -> Column:
    fields: dict[str, Any] = {"null": True, "default": None, "array": False, "limit": None}
    return Column(name="c", sql_type=sql_type, loc=Loc("db/schema.rb", 1), **(fields | kw))


def test_array_column_items_may_be_null() -> None:
    empty = App(
        serializers=(), tables=(), routes=(), controllers=(), services=(), enums=(),
        constants=(), permits=(),
    )  # fmt: skip
    tags = Resolver(empty).column_type(_column("string", array=True, null=False))
    assert tags.items is not None and tags.items.nullable and not tags.nullable


@pytest.mark.parametrize(
    ("schema", "key"),
    [
        ("Poll", "meeting_duration"),  # custom_fields reader: nil unless a meeting poll
        ("Poll", "total_score"),  # hide_when_discarded
        ("Outcome", "event_location"),  # custom_fields reader
        ("Outcome", "event_summary"),
    ],
    ids=lambda v: str(v),
)
def test_loomio_mini_attributes_read_from_custom_fields_are_nullable(
    spec: dict[str, Any], schema: str, key: str
) -> None:
    prop = spec["components"]["schemas"][schema]["properties"][key]
    assert _accepts(spec, prop, None)
    assert "type" in prop, "typed (by override), not left open"


def test_loomio_mini_discussion_tags_items_may_be_null(spec: dict[str, Any]) -> None:
    tags = spec["components"]["schemas"]["Discussion"]["properties"]["tags"]
    assert _accepts(spec, tags, ["a", None])


def test_request_string_property_has_its_varchar_limit(spec: dict[str, Any]) -> None:
    # outcomes.statement_format is `t.string ..., limit: 10`; PostgreSQL refuses longer
    body = spec["paths"]["/api/v1/outcomes"]["post"]["requestBody"]["content"]
    outcome = body["application/json"]["schema"]["properties"]["outcome"]
    assert outcome["properties"]["statement_format"]["maxLength"] == 10
    assert "maxLength" not in outcome["properties"]["statement"]  # text: no limit


def test_request_integer_property_has_its_column_range(spec: dict[str, Any]) -> None:
    # discussions.max_depth is `t.integer` (4 bytes); ActiveModel refuses a larger value
    body = spec["paths"]["/api/v1/discussions/{id}"]["patch"]["requestBody"]["content"]
    discussion = body["application/json"]["schema"]["properties"]["discussion"]
    assert discussion["properties"]["max_depth"]["maximum"] == 2**31 - 1
    assert discussion["properties"]["max_depth"]["minimum"] == -(2**31)


@pytest.mark.parametrize("name", ["per", "from"])
def test_paging_params_fed_to_offset_and_limit_are_bounded(spec: dict[str, Any], name: str) -> None:
    query = spec["paths"]["/api/v1/discussions"]["get"]["parameters"]
    schema = next(p["schema"] for p in query if p["name"] == name)
    assert schema["minimum"] == 0 and schema["maximum"] == 2**63 - 1


def test_member_action_reading_resource_params_has_a_body_and_a_400(
    spec: dict[str, Any],
) -> None:
    # polls#reopen: service.reopen(..., params: resource_params) -> params.require(:poll)
    reopen = spec["paths"]["/api/v1/polls/{id}/reopen"]["post"]
    schema = reopen["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["poll"]
    assert "closing_at" in schema["properties"]["poll"]["properties"]
    assert reopen["responses"]["400"] == {"$ref": "#/components/responses/BadRequest"}
    close = spec["paths"]["/api/v1/polls/{id}/close"]["post"]
    assert "requestBody" not in close and "400" not in close["responses"]


@pytest.mark.parametrize(
    "body",
    [
        {"exception": "ActionController::ParameterMissing", "error": "param is missing"},
        {"status": 400, "error": "Bad Request"},  # ParseError: the body is not JSON
    ],
    ids=["parameter_missing", "parse_error"],
)
def test_bad_request_documents_both_400_bodies(spec: dict[str, Any], body: object) -> None:
    response = spec["components"]["responses"]["BadRequest"]
    assert _accepts(spec, response["content"]["application/json"]["schema"], body)
