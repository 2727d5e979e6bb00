"""The harness configuration: one frozen object, resolved once per pytest session.

Every option has three forms, resolved in this order: command-line option > ini key
(`[tool.pytest.ini_options]` in pyproject.toml, or pytest.ini) > environment variable >
default. `--rails-url` / `rails_url` / `RAILS_URL`; options that are not per side use the
`PARITY_` prefix: `--db-mode` / `db_mode` / `PARITY_DB_MODE`. No other module reads
`os.environ`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from harness.redact import redact_url

SIDES = ("rails", "go")
Mode = Literal["url", "process", "containers", "embedded"]


@dataclass(frozen=True, slots=True)
class Option:
    """One setting in its three forms, with its help and (for closed sets) its choices."""

    flag: str
    help: str
    choices: tuple[str, ...] = ()
    default: str = ""

    @property
    def key(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    @property
    def env(self) -> str:
        side = self.key.split("_", 1)[0]
        return self.key.upper() if side in SIDES else f"PARITY_{self.key.upper()}"


def _side_options(side: str) -> tuple[Option, ...]:
    return (
        Option(f"--{side}-url", f"base URL of a running {side} backend (url mode)"),
        Option(
            f"--{side}-cmd",
            f"command starting the {side} backend (process mode); placeholders {{port}} and "
            "{database_url}, also passed as PORT and DATABASE_URL",
        ),
        Option(f"--{side}-image", f"container image of the {side} backend (containers mode)"),
        Option(
            f"--{side}-prepare",
            f"command loading the {side} schema into {{database_url}} once per session, "
            "e.g. 'bin/rails db:schema:load' (embedded: python -m reference migrate)",
        ),
        Option(
            f"--{side}-database-url",
            f"url mode: the database the running {side} server uses, so actors can be seeded "
            "through SQL (without it the API seeder is used)",
        ),
        Option(
            f"--{side}-seed-path",
            f"seed the {side} backend by POSTing the seed rows to this path of its API (a "
            "backend with another schema) instead of through SQL",
        ),
        Option(
            f"--{side}-redis-url",
            f"the Redis the {side} backend publishes live updates to, passed to a started "
            "backend as REDIS_URL (default: the harness starts one per side; url mode "
            "without it: live updates are not compared)",
        ),
        Option(
            f"--{side}-setenv",
            f"extra KEY=VALUE pairs (space separated) for the {side} process or container",
        ),
    )


OPTIONS: tuple[Option, ...] = (
    *_side_options("rails"),
    *_side_options("go"),
    Option(
        "--go-faults",
        "embedded reference backend only: comma-separated named faults for the go side "
        "(PARITY_FAULTS of `python -m reference serve`)",
    ),
    Option("--ready-path", "readiness path polled until it answers 200", default="/up"),
    Option("--ready-timeout", "seconds to wait for a backend to be ready", default="60"),
    Option("--request-timeout", "seconds before any request to a backend fails", default="30"),
    Option(
        "--db-mode",
        "clone: one database per backend cloned from a seeded template; shared: both "
        "backends on one database (read parity)",
        choices=("clone", "shared"),
        default="clone",
    ),
    Option(
        "--isolation",
        "how examples are kept independent: clone (fresh database clones per example) or "
        "scoped (each example creates its own group and actors)",
        choices=("clone", "scoped"),
        default="scoped",
    ),
    Option(
        "--auth",
        "how actors authenticate: cookie (log in once through POST /api/v1/sessions) or "
        "basic (HTTP Basic on every request, no login)",
        choices=("cookie", "basic"),
        default="cookie",
    ),
    Option(
        "--suites",
        "comma-separated suites to run",
        choices=("contracts", "properties"),
        default="contracts,properties",
    ),
    Option("--run-dir", "directory for backend logs and failure records", default=".parity/run"),
    Option(
        "--pg-image",
        "PostgreSQL image of containers mode",
        default="postgres:15",
    ),
    Option("--redis-image", "Redis image of containers mode", default="redis:7"),
)
OPTIONS_BY_KEY = {o.key: o for o in OPTIONS}


@dataclass(frozen=True, slots=True, kw_only=True)
class SideConfig:
    """How one backend is reached, started, prepared and seeded."""

    name: str
    url: str | None = None
    cmd: str | None = None
    image: str | None = None
    prepare: str | None = None
    database_url: str | None = None
    seed_path: str | None = None
    redis_url: str | None = None
    setenv: tuple[tuple[str, str], ...] = ()
    faults: tuple[str, ...] = ()

    @property
    def mode(self) -> Mode:
        if self.url:
            return "url"
        if self.cmd:
            return "process"
        if self.image:
            return "containers"
        return "embedded"


@dataclass(frozen=True, slots=True, kw_only=True)
class HarnessConfig:
    """Everything the harness needs to know, resolved once (see the module docstring)."""

    rails: SideConfig
    go: SideConfig
    ready_path: str = "/up"
    ready_timeout: float = 60.0
    request_timeout: float = 30.0
    db_mode: Literal["clone", "shared"] = "clone"
    isolation: Literal["clone", "scoped"] = "scoped"
    auth: Literal["cookie", "basic"] = "cookie"
    suites: tuple[str, ...] = ("contracts", "properties")
    run_dir: Path = Path(".parity/run")
    pg_image: str = "postgres:15"
    redis_image: str = "redis:7"
    environ: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # for child processes

    def side(self, name: str) -> SideConfig:
        """The configuration of `rails` or `go`."""
        return self.rails if name == "rails" else self.go

    @property
    def sides(self) -> tuple[SideConfig, SideConfig]:
        return (self.rails, self.go)

    @property
    def database_host(self) -> Literal["none", "local", "container"]:
        """Where the harness runs PostgreSQL: nowhere (url mode), locally, or in a container."""
        modes = {s.mode for s in self.sides}
        if "containers" in modes:
            return "container"
        return "none" if modes == {"url"} else "local"

    @classmethod
    def from_sources(
        cls,
        cli: Mapping[str, str | None],
        ini: Mapping[str, str],
        env: Mapping[str, str],
        rootdir: Path = Path(),
    ) -> HarnessConfig:
        """Resolve every option (CLI > ini > env > default); UsageError on a bad value."""
        values = {o.key: _pick(o, cli, ini, env) for o in OPTIONS}
        get: Callable[[str], str] = lambda key: values[key][0]  # noqa: E731  # short accessor
        for option in OPTIONS:
            _check_choices(option, *values[option.key])
        sides = {s: _side(s, get, values) for s in SIDES}
        prepares = {s.prepare for s in sides.values() if s.prepare}
        if get("db_mode") == "shared" and len(prepares) > 1:
            raise pytest.UsageError(
                "--db-mode=shared: both backends share one database, but --rails-prepare and "
                "--go-prepare differ (two schemas). Give one prepare command or use clone."
            )
        run_dir = Path(get("run_dir"))
        return cls(
            rails=sides["rails"],
            go=sides["go"],
            ready_path="/" + get("ready_path").lstrip("/"),
            ready_timeout=_seconds(OPTIONS_BY_KEY["ready_timeout"], *values["ready_timeout"]),
            request_timeout=_seconds(OPTIONS_BY_KEY["request_timeout"], *values["request_timeout"]),
            db_mode=get("db_mode"),  # type: ignore[arg-type]  # checked by _check_choices
            isolation=get("isolation"),  # type: ignore[arg-type]  # checked by _check_choices
            auth=get("auth"),  # type: ignore[arg-type]  # checked by _check_choices
            suites=_split(get("suites")),
            run_dir=run_dir if run_dir.is_absolute() else rootdir / run_dir,
            pg_image=get("pg_image"),
            redis_image=get("redis_image"),
            environ=tuple(env.items()),
        )

    @classmethod
    def from_pytest(
        cls, config: pytest.Config, env: Mapping[str, str] | None = None
    ) -> HarnessConfig:
        """Resolve from a pytest config, its ini file and the environment (`os.environ`)."""
        env = os.environ if env is None else env
        cli = {o.key: config.getoption(o.key) for o in OPTIONS}
        ini = {o.key: str(config.getini(o.key) or "") for o in OPTIONS}
        return cls.from_sources(cli, ini, env, rootdir=config.rootpath)


def add_options(parser: pytest.Parser) -> None:
    """Register every option in the "backends" group, and its ini key."""
    group = parser.getgroup("backends", "loomio-parity backends")
    for option in OPTIONS:
        choices = f" One of: {', '.join(option.choices)}." if option.choices else ""
        default = f" Default: {option.default}." if option.default else ""
        text = f"{option.help}.{choices}{default} Also ini {option.key}, env {option.env}."
        group.addoption(option.flag, dest=option.key, default=None, help=text)
        parser.addini(option.key, text, type="string", default="")


def _pick(
    option: Option, cli: Mapping[str, str | None], ini: Mapping[str, str], env: Mapping[str, str]
) -> tuple[str, str]:
    """(value, where it came from) for one option."""
    if cli.get(option.key) is not None:
        return str(cli[option.key]), option.flag
    if ini.get(option.key):
        return ini[option.key], f"ini key {option.key}"
    if env.get(option.env):
        return env[option.env], f"environment variable {option.env}"
    return option.default, "default"


def _usage(option: Option, value: str, source: str, why: str) -> pytest.UsageError:
    where = option.flag if source == option.flag else f"{option.flag} (from {source})"
    return pytest.UsageError(f"{where}: {value!r} {why}")


def _check_choices(option: Option, value: str, source: str) -> None:
    if not option.choices:
        return
    for item in _split(value) if option.key == "suites" else (value,):
        if item not in option.choices:
            raise _usage(option, item, source, f"is not one of: {', '.join(option.choices)}")


def _seconds(option: Option, value: str, source: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise _usage(option, value, source, "is not a positive number of seconds")
    return seconds


def _split(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _side(
    side: str, get: Callable[[str], str], values: Mapping[str, tuple[str, str]]
) -> SideConfig:
    given = [k for k in ("url", "cmd", "image") if get(f"{side}_{k}")]
    if len(given) > 1:
        flags = ", ".join(f"--{side}-{k}" for k in given)
        raise pytest.UsageError(
            f"{flags}: give at most one of --{side}-url, --{side}-cmd, --{side}-image "
            f"(nothing = the embedded reference backend)"
        )
    config = SideConfig(
        name=side,
        url=get(f"{side}_url").rstrip("/") or None,
        cmd=get(f"{side}_cmd") or None,
        image=get(f"{side}_image") or None,
        prepare=get(f"{side}_prepare") or None,
        database_url=get(f"{side}_database_url") or None,
        seed_path=get(f"{side}_seed_path") or None,
        redis_url=get(f"{side}_redis_url") or None,
        setenv=_pairs(OPTIONS_BY_KEY[f"{side}_setenv"], *values[f"{side}_setenv"]),
        faults=_split(get("go_faults")) if side == "go" else (),
    )
    if config.faults and config.mode != "embedded":
        raise _usage(
            OPTIONS_BY_KEY["go_faults"],
            get("go_faults"),
            values["go_faults"][1],
            f"only applies to the embedded reference backend, but the go side is in "
            f"{config.mode} mode",
        )
    if config.database_url and config.mode != "url":
        option = OPTIONS_BY_KEY[f"{side}_database_url"]
        raise _usage(
            option,
            redact_url(config.database_url),
            values[option.key][1],
            "only applies in url mode",
        )
    return config


def _pairs(option: Option, value: str, source: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for item in shlex.split(value):
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise _usage(option, item, source, "is not KEY=VALUE")
        pairs.append((key, val))
    return tuple(pairs)
