"""Answers of controllers that are not SnorlaxBase-style (fixtures/ams_app, an AMS 0.8
app written for these tests) and which routes the spec keeps (`--paths`, the default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from extractor.cli import main
from extractor.model import App
from extractor.openapi import sideloads
from extractor.resolve import Resolver
from extractor.ruby.serializers import parse_serializers
from extractor.sources import SourceFile

APP = Path(__file__).parent / "fixtures" / "ams_app"


def _extract(tmp_path: Path, *extra: str) -> dict[str, Any]:
    out = tmp_path / "openapi.yaml"
    assert main([str(APP), "-o", str(out), "--overrides", str(tmp_path / "none.yaml"), *extra]) == 0
    document: dict[str, Any] = yaml.safe_load(out.read_text())
    return document


def _success(document: dict[str, Any], verb: str, path: str) -> tuple[str, Any]:
    responses = document["paths"][path][verb]["responses"]
    status = min(s for s in responses if s < "300")
    content = responses[status].get("content")
    return status, content["application/json"]["schema"] if content else None


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


AUTHORS = {"type": "array", "items": _ref("Author")}


@pytest.mark.parametrize(
    ("verb", "path", "status", "schema"),
    [
        (  # render json: @posts -> the controller's name as root, side-loads (embed :ids, include)
            "get",
            "/api/v1/posts",
            "200",
            {
                "type": "object",
                "required": ["posts"],
                "properties": {
                    "posts": {"type": "array", "items": _ref("Post")},
                    "authors": AUTHORS,
                },
                "additionalProperties": False,
            },
        ),
        (  # serializer: + root:
            "get",
            "/api/v1/posts/{id}",
            "200",
            {
                "type": "object",
                "required": ["item"],
                "properties": {"item": _ref("Post"), "authors": AUTHORS},
                "additionalProperties": False,
            },
        ),
        (  # one record: the serializer's name as root; status: :created
            "post",
            "/api/v1/posts",
            "201",
            {
                "type": "object",
                "required": ["post"],
                "properties": {"post": _ref("Post"), "authors": AUTHORS},
                "additionalProperties": False,
            },
        ),
        ("patch", "/api/v1/posts/{id}", "204", None),  # head :no_content
        (  # a literal hash
            "delete",
            "/api/v1/posts/{id}",
            "200",
            {
                "type": "object",
                "required": ["deleted", "id"],
                "properties": {"deleted": {"type": "boolean"}, "id": {"type": "integer"}},
            },
        ),
        ("get", "/api/v1/posts/{id}/summary", "200", _ref("Post")),  # root: false
        (  # each_serializer:
            "get",
            "/api/v1/posts/feed",
            "200",
            {
                "type": "object",
                "required": ["posts"],
                "properties": {"posts": {"type": "array", "items": _ref("PostSummary")}},
                "additionalProperties": False,
            },
        ),
        (  # serializer: named by a controller method
            "get",
            "/api/v1/posts/latest",
            "200",
            {
                "type": "object",
                "required": ["post_summary"],
                "properties": {"post_summary": _ref("PostSummary")},
                "additionalProperties": False,
            },
        ),
        (  # a serializer instance as JSON: the serializer's root
            "get",
            "/api/v1/posts/{id}/preview",
            "200",
            {
                "type": "object",
                "required": ["post_summary"],
                "properties": {"post_summary": _ref("PostSummary")},
                "additionalProperties": False,
            },
        ),
        (  # respond_with on GET
            "get",
            "/api/v1/authors/{id}",
            "200",
            {
                "type": "object",
                "required": ["author"],
                "properties": {"author": _ref("Author")},
                "additionalProperties": False,
            },
        ),
        ("patch", "/api/v1/authors/{id}", "204", None),  # respond_with on PATCH: no content
        ("delete", "/api/v1/authors/{id}", "200", None),  # render nothing: true
        ("get", "/api/v1/stats", "200", {}),  # a jbuilder view: untyped
        ("get", "/api/v1/ping", "200", {}),  # render plain: unknown, kept untyped
    ],
    ids=[
        "render_list",
        "serializer_root",
        "created",
        "head",
        "hash",
        "root_false",
        "each_serializer",
        "serializer_method",
        "serializer_instance",
        "respond_with_get",
        "respond_with_patch",
        "render_nothing",
        "jbuilder",
        "unknown",
    ],
)
def test_ams_answers(tmp_path: Path, verb: str, path: str, status: str, schema: Any) -> None:
    assert _success(_extract(tmp_path), verb, path) == (status, schema)


def test_untyped_answers_are_reported_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _extract(tmp_path)
    err = capsys.readouterr().err
    assert "api/v1/stats_controller.rb:2: api/v1/stats#index: cannot tell" in err
    assert "index.json.jbuilder" in err
    assert "api/v1/health_controller.rb:2: api/v1/health#ping: cannot tell" in err


def test_default_keeps_api_paths_and_json_actions_not_html_pages(tmp_path: Path) -> None:
    paths = _extract(tmp_path)["paths"]
    assert "/manifest" in paths  # renders JSON, outside /api
    assert "/pages/{id}" not in paths  # an HTML page


def test_paths_option_restricts_to_prefixes(tmp_path: Path) -> None:
    paths = _extract(tmp_path, "--paths", "/api/v1/posts,/manifest")["paths"]
    assert sorted(paths) == [
        "/api/v1/posts",
        "/api/v1/posts/feed",
        "/api/v1/posts/latest",
        "/api/v1/posts/{id}",
        "/api/v1/posts/{id}/preview",
        "/api/v1/posts/{id}/summary",
        "/manifest",
    ]


def test_paths_option_without_leading_slash_is_a_usage_error(tmp_path: Path) -> None:
    assert main([str(APP), "-o", str(tmp_path / "o.yaml"), "--paths", "api"]) == 2


def _write_app(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_rails_api_app_without_root_keeps_every_route_of_its_json_controllers(
    tmp_path: Path,
) -> None:
    """`default_serializer_options` returning `{root: false}`; a controller whose other
    routed action renders JSON (destroy renders nothing: 204) is a JSON controller."""
    app = _write_app(
        tmp_path / "app",
        {
            "config/routes.rb": "Rails.application.routes.draw do\n"
            "  api_version(module: 'V1', path: { value: 'v1' }) do\n"
            "    resources :notes, only: [:index, :destroy]\n"
            "  end\n"
            "end\n",
            "app/controllers/application_controller.rb": "class ApplicationController"
            " < ActionController::Base\n  def default_serializer_options\n"
            "    { root: false }\n  end\nend\n",
            "app/controllers/v1/notes_controller.rb": "class V1::NotesController"
            " < ApplicationController\n  def index\n    render json: Note.all\n  end\n\n"
            "  def destroy\n    Note.find(params[:id]).destroy\n  end\nend\n",
            "app/serializers/note_serializer.rb": "class NoteSerializer"
            " < ActiveModel::Serializer\n  attributes :id\nend\n",
        },
    )
    out = tmp_path / "openapi.yaml"
    assert main([str(app), "-o", str(out), "--overrides", str(tmp_path / "none.yaml")]) == 0
    paths = yaml.safe_load(out.read_text())["paths"]
    assert set(paths) == {"/v1/notes", "/v1/notes/{id}"}  # versionist's path, and destroy
    assert _success({"paths": paths}, "get", "/v1/notes") == (
        "200",
        {"type": "array", "items": _ref("Note")},
    )


@pytest.mark.parametrize(
    ("embed", "side_loaded"),
    [
        ("embed :ids, include: true", ["authors"]),  # AMS 0.8
        ("embed :ids, embed_in_root: true", ["authors"]),  # AMS 0.9
        ("embed :ids", []),  # ids only
    ],
    ids=["include", "embed_in_root", "ids_only"],
)
def test_only_included_ids_are_side_loaded(embed: str, side_loaded: list[str]) -> None:
    text = (
        f"class NoteSerializer < ActiveModel::Serializer\n  {embed}\n  attributes :id\n"
        "  has_one :author\nend\n"
        "class AuthorSerializer < ActiveModel::Serializer\n  attributes :id\nend\n"
    )
    serializers, _, _ = parse_serializers(SourceFile("app/serializers/note.rb", text))
    app = App(
        serializers=tuple(serializers),
        tables=(),
        routes=(),
        controllers=(),
        services=(),
        enums=(),
        constants=(),
        permits=(),
    )
    resolved = {r.name: r for r in Resolver(app).resolve_all()}
    assert [f.key for f in resolved["NoteSerializer"].fields] == ["id", "author_id"]
    assert sorted(sideloads(("NoteSerializer",), resolved)[0]) == side_loaded
