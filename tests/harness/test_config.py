from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import OPTIONS, HarnessConfig


def resolve(cli=None, ini=None, env=None) -> HarnessConfig:
    return HarnessConfig.from_sources(cli or {}, ini or {}, env or {}, rootdir=Path("/r"))


def test_nothing_configured_is_the_embedded_default() -> None:
    config = resolve()
    assert [s.mode for s in config.sides] == ["embedded", "embedded"]
    assert (config.db_mode, config.isolation, config.auth) == ("clone", "scoped", "cookie")
    assert config.ready_path == "/up"
    assert config.suites == ("contracts", "properties")
    assert config.run_dir == Path("/r/.parity/run")
    assert config.database_host == "local"


@pytest.mark.parametrize(
    ("cli", "ini", "env", "expected"),
    [
        (
            {"rails_url": "http://cli"},
            {"rails_url": "http://ini"},
            {"RAILS_URL": "http://env"},
            "http://cli",
        ),
        ({}, {"rails_url": "http://ini"}, {"RAILS_URL": "http://env"}, "http://ini"),
        ({}, {}, {"RAILS_URL": "http://env/"}, "http://env"),
        ({"rails_url": None}, {}, {"RAILS_URL": "http://env"}, "http://env"),
    ],
    ids=["cli-wins", "ini-beats-env", "env-trailing-slash-dropped", "unset-cli-falls-through"],
)
def test_precedence_cli_then_ini_then_env(cli, ini, env, expected) -> None:
    assert resolve(cli, ini, env).rails.url == expected


def test_general_options_use_the_parity_prefix() -> None:
    config = resolve(env={"PARITY_DB_MODE": "shared", "PARITY_REQUEST_TIMEOUT": "2.5"})
    assert config.db_mode == "shared"
    assert config.request_timeout == 2.5
    assert {o.env for o in OPTIONS} >= {"RAILS_URL", "GO_CMD", "GO_FAULTS", "PARITY_ISOLATION"}


def test_modes_per_side() -> None:
    config = resolve(cli={"rails_url": "http://a", "go_cmd": "go run ."})
    assert (config.rails.mode, config.go.mode) == ("url", "process")
    assert config.database_host == "local"
    assert resolve(cli={"rails_url": "http://a", "go_url": "http://b"}).database_host == "none"
    assert resolve(cli={"go_image": "loomio-go:dev"}).database_host == "container"


def test_go_faults_and_setenv_are_parsed() -> None:
    config = resolve(cli={"go_faults": "a, b", "rails_setenv": "A=1 'B=two words'"})
    assert config.go.faults == ("a", "b")
    assert config.rails.setenv == (("A", "1"), ("B", "two words"))


@pytest.mark.parametrize(
    ("cli", "ini", "env", "message"),
    [
        ({"db_mode": "copy"}, {}, {}, r"--db-mode: 'copy' is not one of: clone, shared"),
        (
            {},
            {"isolation": "none"},
            {},
            r"--isolation \(from ini key isolation\): 'none' is not one of: clone, scoped",
        ),
        (
            {},
            {},
            {"PARITY_AUTH": "token"},
            r"--auth \(from environment variable PARITY_AUTH\): 'token' is not one of: cookie, "
            "basic",
        ),
        (
            {"suites": "contracts,perf"},
            {},
            {},
            r"--suites: 'perf' is not one of: contracts, properties",
        ),
        ({"ready_timeout": "soon"}, {}, {}, r"--ready-timeout: 'soon' is not a positive number"),
        ({"request_timeout": "0"}, {}, {}, r"--request-timeout: '0' is not a positive number"),
        (
            {"rails_url": "http://a", "rails_cmd": "x"},
            {},
            {},
            r"give at most one of --rails-url, --rails-cmd, --rails-image",
        ),
        (
            {"go_url": "http://a", "go_faults": "x"},
            {},
            {},
            r"--go-faults: 'x' only applies to the embedded reference backend, but the go side "
            "is in url mode",
        ),
        ({"rails_setenv": "NOEQUALS"}, {}, {}, r"--rails-setenv: 'NOEQUALS' is not KEY=VALUE"),
    ],
    ids=[
        "db-mode",
        "isolation-ini",
        "auth-env",
        "suites",
        "ready-timeout",
        "zero-timeout",
        "two-modes",
        "faults-not-embedded",
        "setenv",
    ],
)
def test_bad_values_raise_usage_errors_naming_option_and_choices(cli, ini, env, message) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        resolve(cli, ini, env)


def test_database_url_outside_url_mode_is_refused_without_echoing_its_password() -> None:
    with pytest.raises(pytest.UsageError) as raised:
        resolve(cli={"rails_database_url": "postgresql://u:hunter22@db/x"})
    assert "hunter22" not in str(raised.value)
    assert "only applies in url mode" in str(raised.value)


def test_usage_error_stops_pytest_before_collection(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--db-mode=copy")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--db-mode: 'copy' is not one of: clone, shared*"])


def test_options_are_listed_in_the_backends_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--help")
    result.stdout.fnmatch_lines(
        ["loomio-parity backends:*", "*--rails-url=RAILS_URL*", "*--go-faults=GO_FAULTS*"]
    )


def test_ini_key_is_read_from_the_ini_file(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ndb_mode = shared\n")
    pytester.makepyfile(
        "def test_x(harness_config):\n    assert harness_config.db_mode == 'shared'\n"
    )
    result = pytester.runpytest_subprocess("-p", "harness.plugin")
    result.assert_outcomes(passed=1)


def test_shared_mode_refuses_two_different_schemas() -> None:
    with pytest.raises(pytest.UsageError, match=r"--db-mode=shared: .* differ"):
        resolve(cli={"db_mode": "shared", "rails_prepare": "a", "go_prepare": "b"})


def test_redis_urls_per_side_and_the_redis_image() -> None:
    config = resolve(
        {"go_redis_url": "redis://127.0.0.1:6400/0"},
        {"redis_image": "redis:7.2"},
        {"RAILS_REDIS_URL": "redis://127.0.0.1:6399/0"},
    )
    assert config.rails.redis_url == "redis://127.0.0.1:6399/0"
    assert config.go.redis_url == "redis://127.0.0.1:6400/0"
    assert config.redis_image == "redis:7.2"
