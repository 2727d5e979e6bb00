"""Routing: every construct of fixtures/routing/config/routes.rb draws the routes Rails
draws (fixtures/routing_expected.txt, written by hand from the Rails routing guide and
the mapper's documented rules); redirects, mounts and gem helpers are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.errors import Severity
from extractor.model import Route
from extractor.ruby.routes import parse_routes
from extractor.sources import SourceFile

FIXTURES = Path(__file__).parent / "fixtures"
ROUTING = FIXTURES / "routing"


def _draw(api_only: bool = False) -> tuple[list[Route], list[str]]:
    source = SourceFile("config/routes.rb", (ROUTING / "config/routes.rb").read_text())
    part = SourceFile("config/routes/admin.rb", (ROUTING / "config/routes/admin.rb").read_text())
    routes, diagnostics = parse_routes(source, None, (part,), api_only=api_only)
    return routes, [f"{d.severity.value} {d}" for d in diagnostics]


def _line(route: Route) -> str:
    return f"{route.verb} {route.path} {route.to if route.controller else '(proc)'}"


def test_every_construct_draws_the_routes_rails_draws() -> None:
    expected = [
        line
        for line in (FIXTURES / "routing_expected.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    routes, _ = _draw()
    assert sorted(_line(r) for r in routes) == sorted(expected)


@pytest.mark.parametrize(
    ("where", "what"),
    [
        ("config/routes.rb:100", "redirect of /old"),
        ("config/routes.rb:101", "redirect of /legacy"),
        ("config/routes.rb:102", "mounted app `Sidekiq::Web` at /sidekiq"),
        ("config/routes.rb:103", "mounted app `Blog::Engine` at /blog"),
        ("config/routes.rb:104", "routing helper `devise_for`"),
        ("config/routes.rb:108", "routing helper `ActiveAdmin.routes`"),
    ],
    ids=["redirect", "redirect_rocket", "mount_rocket", "mount_at", "devise_for", "activeadmin"],
)
def test_what_is_not_an_operation_is_reported_with_file_and_line(where: str, what: str) -> None:
    _, diagnostics = _draw()
    assert any(f" {where}: {what}" in d for d in diagnostics), diagnostics


def test_drawn_file_routes_carry_their_own_file() -> None:
    routes, _ = _draw()
    drawn = next(r for r in routes if r.path == "/admin/reports")
    assert str(drawn.loc) == "config/routes/admin.rb:2"


def test_defaults_format_json_marks_the_routes_below_it() -> None:
    routes, _ = _draw()
    json_paths = {r.path for r in routes if r.json}
    assert "/api/v1/me" in json_paths and "/api/b3/accounts/deactivate" in json_paths
    assert "/external/widgets" not in json_paths


def test_api_only_app_draws_no_new_or_edit() -> None:
    routes, _ = _draw(api_only=True)
    paths = {r.path for r in routes}
    assert "/photos/:slug" in paths
    assert "/photos/new" not in paths and "/photos/:slug/edit" not in paths


def test_unreadable_route_target_is_a_warning_not_a_rack_endpoint() -> None:
    source = SourceFile(
        "config/routes.rb",
        "Rails.application.routes.draw do\n"
        '  PROVIDERS.each { |p| get :oauth, to: "identities/#{p}#oauth" }\n'
        '  scope(:x) { get :oauth, to: "identities/#{provider}#oauth" }\n'
        "end\n",
    )
    routes, diagnostics = parse_routes(source)
    assert routes == []
    assert {str(d.loc) for d in diagnostics if d.severity is Severity.WARNING} == {
        "config/routes.rb:2",
        "config/routes.rb:3",
    }


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("path: { value: 'v2' }", "GET /v2/notes v2/notes#index"),
        ("header: { name: 'Accept', value: 'version=2' }", "GET /notes v2/notes#index"),
    ],
    ids=["by_path", "by_header"],
)
def test_versionist_api_version_is_a_module_scope(version: str, expected: str) -> None:
    source = SourceFile(
        "config/routes.rb",
        "Rails.application.routes.draw do\n"
        f"  api_version(module: 'V2', {version}) do\n"
        "    resources :notes, only: :index\n"
        "  end\n"
        "end\n",
    )
    routes, _ = parse_routes(source)
    assert [_line(r) for r in routes] == [expected]
