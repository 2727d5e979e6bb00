"""The channel servers' configuration: per side a URL, a command, an image or the embedded
reference channel server, each with its own Redis.

Same three forms and order as harness.config (CLI > ini > env > default):
`--rails-channel-url` / `rails_channel_url` / `RAILS_CHANNEL_URL`, and `PARITY_` for the
options that are not per side (`--channel-skip` / `channel_skip` / `PARITY_CHANNEL_SKIP`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

import pytest

from harness.config import (
    SIDES,
    Option,
    _check_choices,
    _one_mode,
    _pairs,
    _pick,
    _split,
    _usage,
)
from harness.redact import redact_url

ChannelMode = Literal["url", "process", "containers", "embedded"]
# Rules of the channel suite that a run can leave out (--channel-skip), e.g. malformed JSON
# against the Node server, which exits on it (records.js: JSON.parse in the subscriber).
SKIPPABLE = ("malformed_json", "recovery", "claims", "notices")


def _side_options(side: str) -> tuple[Option, ...]:
    return (
        Option(
            f"--{side}-channel-url",
            f"base URL of a running {side} channel server (url mode; needs "
            f"--{side}-channel-redis-url)",
        ),
        Option(
            f"--{side}-channel-cmd",
            f"command starting the {side} channel server, e.g. 'node index.js'; placeholders "
            "{port} and {redis_url}, also passed as PORT and REDIS_URL",
        ),
        Option(f"--{side}-channel-image", f"container image of the {side} channel server"),
        Option(
            f"--{side}-channel-redis-url",
            f"the Redis the {side} channel server subscribes to (url mode; otherwise the "
            "harness starts one per side)",
        ),
        Option(
            f"--{side}-channel-setenv",
            f"extra KEY=VALUE pairs (space separated) for the {side} channel server",
        ),
    )


CHANNEL_OPTIONS: tuple[Option, ...] = (
    *_side_options("rails"),
    *_side_options("go"),
    Option(
        "--go-channel-faults",
        "embedded reference channel server only: comma-separated channel faults for the go "
        "side (python -m reference.channels --list-faults)",
    ),
    Option(
        "--channel-recovery-seconds",
        "connection state recovery window handed to both channel servers as "
        "PARITY_CHANNEL_RECOVERY_SECONDS (the reference reads it; records.js keeps 30 minutes); "
        "at 5 or less the suite also waits windows out",
    ),
    Option(
        "--channel-skip",
        "comma-separated rules of the channel suite to leave out",
        choices=SKIPPABLE,
    ),
)
BY_KEY = {o.key: o for o in CHANNEL_OPTIONS}


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelSideConfig:
    """How one side's channel server is reached or started, and its Redis."""

    name: str
    url: str | None = None
    cmd: str | None = None
    image: str | None = None
    redis_url: str | None = None
    setenv: tuple[tuple[str, str], ...] = ()
    faults: tuple[str, ...] = ()

    @property
    def mode(self) -> ChannelMode:
        if self.url:
            return "url"
        if self.cmd:
            return "process"
        if self.image:
            return "containers"
        return "embedded"

    def describe(self) -> str:
        """How it was reached, for the report (secrets masked by the caller)."""
        where = self.url or self.image or self.cmd or "reference channel server"
        faults = f" with faults {', '.join(self.faults)}" if self.faults else ""
        return f"{self.mode}: {where}{faults}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelConfig:
    """Both sides' channel servers and the rules left out, resolved once."""

    rails: ChannelSideConfig
    go: ChannelSideConfig
    skip: tuple[str, ...] = ()
    recovery_seconds: float | None = None  # None: the servers' own window (30 minutes)

    @property
    def sides(self) -> tuple[ChannelSideConfig, ChannelSideConfig]:
        return (self.rails, self.go)

    @classmethod
    def from_sources(
        cls, cli: Mapping[str, str | None], ini: Mapping[str, str], env: Mapping[str, str]
    ) -> ChannelConfig:
        """Resolve every channel option (CLI > ini > env > default); UsageError when bad."""
        values = {o.key: _pick(o, cli, ini, env) for o in CHANNEL_OPTIONS}
        get: Callable[[str], str] = lambda key: values[key][0]  # noqa: E731  # short accessor
        skip = _split(get("channel_skip"))
        for item in skip:
            _check_choices(BY_KEY["channel_skip"], item, values["channel_skip"][1])
        sides = {s: _side(s, get, values) for s in SIDES}
        window = _window(BY_KEY["channel_recovery_seconds"], *values["channel_recovery_seconds"])
        return cls(rails=sides["rails"], go=sides["go"], skip=skip, recovery_seconds=window)


def _window(option: Option, value: str, source: str) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise _usage(option, value, source, "is not a positive number of seconds")
    return seconds


def _side(
    side: str, get: Callable[[str], str], values: Mapping[str, tuple[str, str]]
) -> ChannelSideConfig:
    _one_mode(f"{side}-channel", get, "the embedded reference channel server")
    config = ChannelSideConfig(
        name=side,
        url=get(f"{side}_channel_url").rstrip("/") or None,
        cmd=get(f"{side}_channel_cmd") or None,
        image=get(f"{side}_channel_image") or None,
        redis_url=get(f"{side}_channel_redis_url") or None,
        setenv=_pairs(BY_KEY[f"{side}_channel_setenv"], *values[f"{side}_channel_setenv"]),
        faults=_split(get("go_channel_faults")) if side == "go" else (),
    )
    if config.faults and config.mode != "embedded":
        option = BY_KEY["go_channel_faults"]
        raise _usage(
            option,
            get(option.key),
            values[option.key][1],
            f"only applies to the embedded reference channel server, but the go side is in "
            f"{config.mode} mode",
        )
    if config.mode == "url" and not config.redis_url:
        option = BY_KEY[f"{side}_channel_url"]
        raise _usage(
            option,
            redact_url(str(config.url)),
            values[option.key][1],
            f"needs --{side}-channel-redis-url: the Redis that server subscribes to, where the "
            "suite stores tokens and publishes",
        )
    return config


def channel_config_from_pytest(config: pytest.Config, env: Mapping[str, str]) -> ChannelConfig:
    """Resolve from a pytest config, its ini file and `env` (the process environment)."""
    cli = {o.key: config.getoption(o.key) for o in CHANNEL_OPTIONS}
    ini = {o.key: str(config.getini(o.key) or "") for o in CHANNEL_OPTIONS}
    return ChannelConfig.from_sources(cli, ini, env)
