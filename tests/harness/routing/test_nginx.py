"""nginx configurations -> routing manifests: nginx's location rules on real config files."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.report.coverage import declared_operations
from harness.routing.cli import main
from harness.routing.manifest import GO, RAILS, ManifestError, Target, load_manifest, targets_of
from harness.routing.nginx import load_nginx
from harness.spec_drift import load_spec

DATA = Path(__file__).parents[1] / "data" / "nginx"
SPEC = Path(__file__).parents[3] / "spec" / "openapi.yaml"
GO_UPSTREAMS = frozenset({"loomio_go"})


@pytest.fixture(scope="module")
def routing():
    return load_nginx(DATA / "loomio.conf", GO_UPSTREAMS)


@pytest.mark.parametrize(
    ("method", "uri", "expected"),
    [
        ("GET", "/api/v1/groups", GO),  # nested prefix, `if ($request_method = GET)`
        ("POST", "/api/v1/groups", RAILS),
        ("GET", "/api/v1/groups/7/subgroups", GO),
        ("GET", "/api/v1/discussions/7", GO),  # `if ($request_method ~ ^(GET|HEAD)$)`
        ("PATCH", "/api/v1/discussions/7", RAILS),
        ("PATCH", "/api/v1/discussions/7/close", RAILS),  # regex nested in the prefix
        ("GET", "/api/v1/discussion_readers", RAILS),  # not a prefix of /discussions
        ("GET", "/api/v1/events", Target(25)),  # split_clients through a variable
        ("GET", "/api/v1/events/timeline", RAILS),  # ^~ stops the regexes
        ("GET", "/api/v1/profile/me", GO),  # location =
        ("GET", "/api/v1/profile/me/", RAILS),  # = is exact
        ("POST", "/api/v1/comments", GO),  # server-level ~* regex after the prefixes
        ("PATCH", "/api/v1/comments", RAILS),  # its `if ($request_method != POST)`
        ("PATCH", "/api/v1/comments/3", RAILS),
        ("GET", "/up", RAILS),
    ],
)
def test_locations_are_chosen_as_nginx_chooses_them(routing, method, uri, expected) -> None:
    assert routing.target(method, uri)[0] == expected


def test_the_decision_names_the_location_file_and_line(routing) -> None:
    _, where = routing.target("GET", "/api/v1/profile/me")
    assert where.endswith("conf.d/api.conf:42")


def test_import_writes_a_manifest_that_round_trips(tmp_path: Path, capsys) -> None:
    out = tmp_path / "routes.yaml"
    code = main(["--from-nginx", str(DATA / "loomio.conf"), "--spec", str(SPEC), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    operations = declared_operations(load_spec(str(SPEC)))
    written = targets_of(load_manifest(out), operations)
    expected = {
        op.operation_id: load_nginx(DATA / "loomio.conf", GO_UPSTREAMS).target(
            op.method, op.path.replace("{id}", "1")
        )[0]
        for op in operations
    }
    assert written == expected
    ported = sorted(op for op, t in written.items() if t.ported)
    assert ported == sorted(
        [
            "comments_create",
            "discussions_index",
            "discussions_show",
            "events_comment",
            "events_index",
            "events_position_keys",
            "groups_index",
            "groups_show",
            "groups_subgroups",
            "profile_me",
        ]
    )


def test_go_upstreams_default_to_names_with_go_as_a_word(tmp_path: Path, capsys) -> None:
    out = tmp_path / "routes.yaml"
    assert (
        main(["--from-nginx", str(DATA / "loomio.conf"), "--spec", str(SPEC), "-o", str(out)]) == 0
    )
    assert "groups_show: go" in out.read_text()


def test_unknown_if_conditions_are_reported_not_guessed(tmp_path: Path) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        "events {}\nhttp {\n upstream go_api { server 127.0.0.1:1; }\n server {\n"
        "  location /api/ {\n   proxy_pass http://rails;\n"
        "   if ($http_x_canary) { proxy_pass http://go_api; }\n  }\n }\n}\n"
    )
    routing = load_nginx(conf, frozenset({"go_api"}))
    assert routing.target("GET", "/api/v1/groups")[0] == RAILS
    assert any("cannot evaluate `if ($http_x_canary)`" in w for w in routing.warnings)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("http { server { location / { proxy_pass http://a; }\n", "nginx configuration error"),
        ("events {}\nhttp { }\n", "no server block"),
        (
            "events {}\nhttp { server { location / { proxy_pass http://$nowhere; } } }\n",
            "no split_clients block defines",
        ),
    ],
)
def test_broken_configurations_are_one_line_errors(tmp_path: Path, text, message) -> None:
    conf = tmp_path / "nginx.conf"
    conf.write_text(text)
    with pytest.raises(ManifestError, match=message):
        load_nginx(conf, GO_UPSTREAMS).target("GET", "/x")


def test_cli_errors_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    assert main(["--from-nginx", str(tmp_path / "none.conf"), "--spec", str(SPEC)]) == 2
    assert "no such nginx configuration file" in capsys.readouterr().err
    assert main(["--discover", "--spec", str(SPEC)]) == 2
    assert "--go-url" in capsys.readouterr().err
