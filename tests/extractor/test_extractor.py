"""Extractor tests: one per construct on small fixtures, the golden loomio-mini spec,
determinism and bad input. Regenerate the golden spec with `pytest tests --update-golden`."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml

from extractor.actions import ActionReader
from extractor.cli import main
from extractor.model import App, Loc, Route
from extractor.resolve import Resolved, Resolver
from extractor.ruby.controllers import parse_controllers
from extractor.ruby.routes import parse_routes
from extractor.ruby.schema import parse_schema
from extractor.ruby.serializers import parse_serializers
from extractor.sources import SourceFile
from extractor.validation import shared

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
PROJECT = HERE.parent.parent
EXAMPLE = PROJECT / "examples" / "loomio-mini"


def _source(name: str) -> SourceFile:
    return SourceFile(f"app/serializers/{name}", (FIXTURES / name).read_text())


def _resolve(*names: str, schema: str | None = None) -> dict[str, Resolved]:
    serializers, constants = [], []
    tables = (
        parse_schema(SourceFile("db/schema.rb", (FIXTURES / schema).read_text()))[0]
        if schema
        else []
    )
    for name in names:
        found, consts, _ = parse_serializers(_source(name))
        serializers += found
        constants += consts
    app = App(
        serializers=tuple(serializers),
        tables=tuple(tables),
        routes=(),
        controllers=(),
        services=(),
        enums=(),
        constants=tuple(constants),
        permits=(),
    )
    return {r.name: r for r in Resolver(app).resolve_all()}


def _fields(resolved: Resolved) -> dict[str, object]:
    return {f.key: f for f in resolved.fields}


def test_has_one_becomes_id_and_has_many_becomes_singular_ids() -> None:
    widget = _fields(_resolve("has_many_and_key.rb", "include_predicates.rb")["WidgetSerializer"])
    assert {"owner_id", "part_ids", "target_obj", "@kind"} <= widget.keys()
    assert widget["part_ids"].link.root == "parts"  # type: ignore[attr-defined]


def test_polymorphic_with_key_names_targets_from_the_reader() -> None:
    widget = _fields(_resolve("has_many_and_key.rb", "include_predicates.rb")["WidgetSerializer"])
    assert widget["target_obj"].link.targets == ("PartSerializer",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "key",
    ["email", "secret", "nickname", "note"],
    ids=["def", "alias", "alias_method", "define_method_loop"],
)
def test_include_predicate_makes_key_optional(key: str) -> None:
    author = _fields(_resolve("include_predicates.rb")["AuthorSerializer"])
    assert author[key].required is False  # type: ignore[attr-defined]
    assert author["id"].required is True  # type: ignore[attr-defined]


def test_hide_when_discarded_makes_key_nullable() -> None:
    author = _fields(_resolve("include_predicates.rb")["AuthorSerializer"])
    assert author["body"].type.nullable  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("key", "nullable"),
    [
        ("position_key", True),  # one branch forwards a nullable column
        ("forced_key", False),  # ... a NOT NULL one
        ("label", True),  # `return nil unless ...`
        ("owner_name", True),  # `&.`
        ("group_title", True),  # ternary with nil
        ("stamp", True),  # `object.x` of a nullable column
        ("score_text", False),  # `.to_s` is never nil
        ("note_reader_id", True),  # forwarded from a reader that may be unsaved
        ("volume", True),  # ... even a NOT NULL column of it
        ("id", False),
    ],
    ids=lambda v: str(v),
)
def test_method_that_can_return_nil_is_nullable(key: str, nullable: bool) -> None:
    note = _fields(_resolve("nullable_methods.rb", schema="nullable_schema.rb")["NoteSerializer"])
    assert note[key].type.nullable is nullable  # type: ignore[attr-defined]
    assert note[key].type.known  # type: ignore[attr-defined]


def test_attributes_from_constant_loop_use_key_option() -> None:
    kinds = _resolve("constant_loop.rb")["KindsSerializer"]
    assert [f.key for f in kinds.fields] == ["user", "group"]
    assert kinds.serializer.root_false


def test_syntax_error_is_a_diagnostic_with_line() -> None:
    _, _, diagnostics = parse_serializers(_source("syntax_error.rb"))
    assert any(str(d).startswith("app/serializers/syntax_error.rb:") for d in diagnostics)


def test_routes_expand_rails_rules() -> None:
    routes, diagnostics = parse_routes(
        SourceFile("config/routes.rb", (FIXTURES / "routes.rb").read_text()), "production"
    )
    got = {(r.verb, r.path, r.to) for r in routes}
    assert ("POST", "/api/v1/widgets/:id/archive", "api/v1/widgets#archive") in got
    assert ("GET", "/api/v1/widgets", "api/v1/widgets#show") in got  # canonical name: no segment
    assert ("GET", "/api/v1/widgets/:widget_id/parts", "api/v1/parts#index") in got
    assert ("POST", "/api/v1/outcomes", "api/v1/outcomes#create") in got
    assert ("GET", "/api/v1/things/:id/:command", "api/v1/things#command") in got
    assert ("PUT", "/api/v1/widgets/:id", "api/v1/widgets#update") in got
    assert not any(r.path == "/dev" for r in routes)
    assert any("some_helper" in d.message for d in diagnostics)


def _params(verb: str, path: str, action: str) -> dict[str, tuple[str, bool]]:
    source = SourceFile(
        "app/controllers/api/v1/widgets_controller.rb",
        (FIXTURES / "params_controller.rb").read_text(),
    )
    controllers, _ = parse_controllers(source)
    app = App(
        serializers=(),
        tables=(),
        routes=(),
        controllers=tuple(controllers),
        services=(),
        enums=(),
        constants=(),
        permits=(),
    )
    route = Route(
        verb=verb, path=path, controller="api/v1/widgets", action=action, loc=Loc("r.rb", 1)
    )
    described = ActionReader(app, frozenset()).describe(route)
    return {p.name: (p.type.kind.value, p.required) for p in described.params}


@pytest.mark.parametrize(
    ("verb", "path", "action", "expected"),
    [
        (
            "GET",
            "/api/v1/widgets",
            "index",
            {
                "from": ("integer", False),  # SnorlaxBase paging, through two calls
                "per": ("integer", False),
                "exclude_types": ("string", False),  # a parameter default `scope: default_scope`
                "group_id": ("integer", True),  # load_and_authorize(:group)
                "group_key": ("string", False),  # ... or by its key
                "size_lt": ("string", False),  # generic filters from a loop over %w()
                "weight_id_lt": ("integer", False),
                "kind": ("string", False),
            },
        ),
        # load_and_authorize(:widget) in widgets#show reads the path's :id
        ("GET", "/api/v1/widgets/:id", "show", {"exclude_types": ("string", False)}),
        (
            "GET",
            "/api/v1/widgets/lookup",
            "lookup",
            {
                "token": ("string", True),  # params.require
                "part_id": ("integer", True),  # find(params[:part_id])
                "owner_id": ("integer", False),  # find(...) if ...: only sometimes
                "with_owner": ("string", False),
                "mode": ("string", False),  # fetch with a default
            },
        ),
    ],
    ids=["index", "show", "lookup"],
)
def test_action_query_params_follow_calls_and_are_required_when_it_fails_without(
    verb: str, path: str, action: str, expected: dict[str, tuple[str, bool]]
) -> None:
    assert _params(verb, path, action) == expected


def test_loomio_mini_events_index_documents_its_query(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    assert main([str(EXAMPLE), "-o", str(out)]) == 0
    operation = yaml.safe_load(out.read_text())["paths"]["/api/v1/events"]["get"]
    query = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    assert query["discussion_id"]["required"] is True
    assert query["from"]["schema"]["type"] == "integer" and not query["from"]["required"]
    assert query["from"]["schema"]["minimum"] == 0  # also SnorlaxBase's offset
    assert {"per", "exclude_types"} <= query.keys()


def test_golden_spec_is_current(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    assert (
        main(
            [str(EXAMPLE), "-o", str(out), "--overrides", str(PROJECT / "spec" / "overrides.yaml")]
        )
        == 0
    )
    golden = PROJECT / "spec" / "openapi.yaml"
    if request.config.getoption("--update-golden"):
        golden.write_text(out.read_text())
    assert out.read_text() == golden.read_text(), "run `pytest tests --update-golden`"


def test_warning_an_override_settles_is_reported_as_resolved_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "openapi.yaml"
    overrides = PROJECT / "spec" / "overrides.yaml"
    assert main([str(EXAMPLE), "-o", str(out), "--overrides", str(overrides)]) == 0
    captured = capsys.readouterr()
    assert "`results`" not in captured.err and "`rank`" not in captured.err
    assert "6 resolved by override" in captured.out
    report = json.loads((tmp_path / "extraction-report.json").read_text())
    settled = {r["where"]: r["override"] for r in report["resolved_by_override"]}
    assert settled["app/serializers/poll_serializer.rb:8"].endswith("overrides.yaml:1")
    assert not any("`results`" in d["message"] for d in report["diagnostics"])


def test_warning_without_override_is_still_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "overrides.yaml"
    empty.write_text("overrides: []\n")
    assert main([str(EXAMPLE), "-o", str(tmp_path / "o.yaml"), "--overrides", str(empty)]) == 0
    assert "cannot infer the type of attribute `results`" in capsys.readouterr().err


def test_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert main([str(EXAMPLE), "-o", str(first)]) == 0
    assert main([str(EXAMPLE), "-o", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_invalid_spec_is_not_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "openapi.yaml"
    out.write_text("previous\n")
    overrides = tmp_path / "overrides.yaml"
    overrides.write_text(
        "overrides:\n"
        "  - target: '#/components/schemas/Poll/properties/results'\n"
        "    set: {type: 42}\n"
    )
    assert main([str(EXAMPLE), "-o", str(out), "--overrides", str(overrides)]) == 1
    assert "not valid OpenAPI 3.1" in capsys.readouterr().err
    assert out.read_text() == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_shared_copy_is_equal_with_one_object_per_distinct_subtree() -> None:
    document = {"a": {"type": "integer"}, "b": [{"type": "integer"}, {"type": 1}, {"type": True}]}
    copy = shared(document)
    assert copy == document
    assert copy["a"] is copy["b"][0]
    assert copy["b"][1] is not copy["b"][2]  # 1 and True are different JSON


def test_check_fails_on_a_stale_spec(tmp_path: Path) -> None:
    out = tmp_path / "openapi.yaml"
    out.write_text("stale\n")
    assert main([str(EXAMPLE), "-o", str(out), "--check"]) == 1


@pytest.mark.parametrize(
    "root", ["does-not-exist", "fixtures"], ids=["missing_root", "missing_app"]
)
def test_missing_root_is_a_usage_error(root: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(HERE / root), "-o", "/dev/null"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_unreadable_file_warns_and_extraction_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = tmp_path / "app" / "serializers"
    app.mkdir(parents=True)
    (app / "ok_serializer.rb").write_text(
        "class OkSerializer < ActiveModel::Serializer\n  attributes :id\nend\n"
    )
    bad = app / "bad_serializer.rb"
    bad.write_bytes(b"\xff\xfe\x00 not utf-8")
    assert main([str(tmp_path), "-o", str(tmp_path / "out.yaml")]) == 0
    assert "app/serializers/bad_serializer.rb:0: cannot read file" in capsys.readouterr().err
    assert os.path.exists(tmp_path / "out.yaml")
