"""harness.channel_config: per side url / cmd / image / embedded, resolved like the backends."""

from __future__ import annotations

import pytest

from harness.channel_config import ChannelConfig


def resolve(cli=None, ini=None, env=None) -> ChannelConfig:
    return ChannelConfig.from_sources(cli or {}, ini or {}, env or {})


def test_nothing_configured_is_the_embedded_reference_channel_server() -> None:
    config = resolve()
    assert [s.mode for s in config.sides] == ["embedded", "embedded"]
    assert config.skip == ()


def test_cli_beats_ini_beats_env() -> None:
    env = {"RAILS_CHANNEL_CMD": "env", "GO_CHANNEL_IMAGE": "img:1", "PARITY_CHANNEL_SKIP": "claims"}
    config = resolve({"rails_channel_cmd": "cli"}, {"rails_channel_cmd": "ini"}, env)
    assert (config.rails.mode, config.rails.cmd) == ("process", "cli")
    assert (config.go.mode, config.go.image) == ("containers", "img:1")
    assert config.skip == ("claims",)
    assert resolve(env={"PARITY_CHANNEL_RECOVERY_SECONDS": "1.5"}).recovery_seconds == 1.5


def test_url_mode_names_the_redis_it_needs() -> None:
    with pytest.raises(pytest.UsageError, match="needs --go-channel-redis-url"):
        resolve({"go_channel_url": "http://127.0.0.1:5000"})
    config = resolve({"go_channel_url": "http://h:5000/", "go_channel_redis_url": "redis://h/0"})
    assert (config.go.mode, config.go.url) == ("url", "http://h:5000")


@pytest.mark.parametrize(
    ("cli", "message"),
    [
        ({"rails_channel_cmd": "x", "rails_channel_image": "y"}, "at most one"),
        ({"go_channel_cmd": "node index.js", "go_channel_faults": "channel_no_notice"}, "embedded"),
        ({"channel_skip": "malformed_json,everything"}, "not one of"),
        ({"rails_channel_setenv": "NOEQUALS"}, "KEY=VALUE"),
        ({"channel_recovery_seconds": "0"}, "positive number of seconds"),
    ],
    ids=["two-modes", "faults-need-embedded", "unknown-skip", "bad-setenv", "bad-window"],
)
def test_bad_values_are_usage_errors(cli: dict[str, str], message: str) -> None:
    with pytest.raises(pytest.UsageError, match=message):
        resolve(cli)
