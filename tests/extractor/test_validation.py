"""The spec check meta-validates schema objects with jsonschema-rs: it must reach the
verdict openapi-spec-validator's own (pure-Python) check reaches, valid or not."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from extractor.validation import check, shared

GOLDEN = Path(__file__).resolve().parent.parent.parent / "spec" / "openapi.yaml"


def _library_verdict(document: dict[str, Any]) -> bool:
    try:
        validate(shared(document), cls=OpenAPIV31SpecValidator)
    except OpenAPIValidationError:
        return False
    return True


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(GOLDEN.read_text())
    return document


BAD_OR_ODD = [
    {"type": 42},
    {"type": ["string", "string"]},
    {"required": "id"},
    {"properties": []},
    {"pattern": "("},
    {"enum": 3},
    {"minimum": "a"},
    {"maxLength": -1},
    {"items": 3},
    {"anyOf": []},
    {"additionalProperties": "no"},
    {"format": 1},
    {"discriminator": {"propertyName": 3}},
    {"x-rails-note": {"any": "thing"}},  # valid: an extension
    {"const": None},  # valid
    {"type": "object", "properties": {"id": {"type": "integer", "minimum": 0}}},  # valid
    {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": 7},  # another dialect
]


@pytest.mark.parametrize("schema", BAD_OR_ODD, ids=[str(s)[:40] for s in BAD_OR_ODD])
def test_schema_verdicts_match_the_library(golden: dict[str, Any], schema: Any) -> None:
    document = copy.deepcopy(golden)
    document["components"]["schemas"]["Probe"] = schema
    operation = next(iter(next(iter(document["paths"].values())).values()))
    operation["responses"]["299"] = {
        "description": "probe",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Probe"}}},
    }
    assert (check(document) is None) == _library_verdict(document)


def test_golden_spec_is_valid_both_ways(golden: dict[str, Any]) -> None:
    assert check(golden) is None and _library_verdict(golden)


@pytest.mark.parametrize("schema", BAD_OR_ODD[:13], ids=[str(s)[:40] for s in BAD_OR_ODD[:13]])
def test_invalid_schema_is_caught(golden: dict[str, Any], schema: Any) -> None:
    document = copy.deepcopy(golden)
    document["components"]["schemas"]["Probe"] = schema
    assert check(document) is not None
