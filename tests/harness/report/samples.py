"""Recorded inputs of the report tests: a small spec, findings and observations."""

from __future__ import annotations

import dataclasses
from typing import Any

from harness.findings import Finding, FindingKind
from harness.noise import NoiseField
from harness.report.coverage import compute_coverage, observe
from harness.report.model import (
    CheckResult,
    ExtractionIssue,
    ExtractionSummary,
    Report,
    RunInfo,
    SuiteResult,
    group_findings,
)

SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "loomio-mini", "version": "1"},
    "paths": {
        "/api/v1/discussions/{id}": {
            "get": {
                "operationId": "discussions_show",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/DiscussionEnvelope"}
                            }
                        },
                    },
                    "404": {"$ref": "#/components/responses/NotFound"},
                },
            }
        },
        "/api/v1/discussions/search": {
            "get": {
                "operationId": "discussions_search",
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/api/v1/polls": {
            "post": {
                "operationId": "polls_create",
                "responses": {"201": {"description": "created"}, "4XX": {"description": "bad"}},
            }
        },
    },
    "components": {
        "responses": {
            "NotFound": {
                "description": "not found",
                "content": {
                    "application/json": {
                        "schema": {"type": "object", "properties": {"error": {"type": "string"}}}
                    }
                },
            }
        },
        "schemas": {
            "DiscussionEnvelope": {
                "type": "object",
                "properties": {
                    "discussions": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Discussion"},
                    },
                    "meta": {
                        "type": "object",
                        "additionalProperties": {"type": "integer"},
                    },
                },
            },
            "Discussion": {
                "allOf": [
                    {"type": "object", "properties": {"id": {"type": "integer"}}},
                    {
                        "type": "object",
                        "properties": {
                            "title": {"type": "string"},
                            "parent": {"$ref": "#/components/schemas/Discussion"},
                        },
                    },
                ]
            },
        },
    },
}

SHOW_BODY = {"discussions": [{"id": 7, "title": "Budget"}], "meta": {"total": 1}}


def sample_findings() -> list[Finding]:
    title = Finding.create(
        kind=FindingKind.DIFFERENTIAL,
        check="lockstep",
        title="value at /discussions/*/title",
        operation="GET /api/v1/discussions/{id}",
        backend="rails,go",
        pointer="/discussions/discussions#1/title",
        rails={"title": "Budget <2026>"},
        go={"title": "budget"},
        detail="value differs",
        steps=("member: POST /api/v1/discussions", "member: GET /api/v1/discussions/{key}"),
        repro="curl -s http://127.0.0.1:3000/api/v1/discussions/1",
    )
    status = Finding.create(
        kind=FindingKind.CONFORMANCE,
        check="status_code_conformance",
        title="undocumented status 500",
        operation="POST /api/v1/polls",
        backend="go",
        go=500,
        detail="go answered 500, documented: 201, 4XX",
        repro="curl -s -X POST http://127.0.0.1:3000/api/v1/polls -d '{}'",
    )
    return [title, status, dataclasses.replace(title, pointer="/discussions/discussions#2/title")]


def sample_report(**changes: Any) -> Report:
    observations = [
        observe("rails", "GET", "/api/v1/discussions/7", 200, SHOW_BODY),
        observe("go", "GET", "/api/v1/discussions/7", 200, {"discussions": [{"id": 7}]}),
        observe("go", "POST", "/api/v1/polls", 500, None),
    ]
    fields: dict[str, Any] = {
        "findings": group_findings(sample_findings()),
        "coverage": compute_coverage(SPEC, observations, ["rails", "go"]),
        "suites": (
            SuiteResult(suite="properties/permissions", passed=3, metrics=(("cells", 64),)),
        ),
        "checks": (
            CheckResult(
                nodeid="properties/test_permissions.py::test_cells[rails]", outcome="passed"
            ),
            CheckResult(
                nodeid="contracts/test_differential.py::test_lockstep",
                outcome="failed",
                message="AssertionError: 2 findings",
            ),
        ),
        "noise": (
            NoiseField(
                pattern="/discussions/*/updated_at",
                source="learned",
                kinds=("value",),
                seen=4,
                example="/discussions/0/updated_at: '2026-01-01T10:00:00Z' vs '10:00:01Z'",
            ),
        ),
        "extraction": ExtractionSummary(
            counts=(("serializers", 12),),
            shares=(("typed", 0.93),),
            issues=(
                ExtractionIssue(
                    loc="app/serializers/user_serializer.rb:14",
                    kind="untyped",
                    message="full_name",
                ),
            ),
        ),
        "run": RunInfo(started_at="2026-01-01T00:00:00+00:00", duration_s=12.5, profile="ci"),
    }
    return Report(**{**fields, **changes})
