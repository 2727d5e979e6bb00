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
from typing import Literal, TypedDict

import pytest

from harness.redact import redact_url, register_secrets_in, register_setting

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
            f"--{side}-seed-recipe",
            f"seed the {side} backend through its public API with this recipe (YAML: requests "
            "with captures, see harness/recipe.py) instead of through SQL: a backend with "
            "another schema",
        ),
        Option(
            f"--{side}-ready-path",
            f"readiness path of the {side} backend when it differs from --ready-path "
            "(e.g. /health)",
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
    Option(
        "--go-ported",
        "routing manifest of a partial port (parity-routes.yaml, see `parity routes`): the go "
        "side serves only the operations it names as go",
    ),
    Option(
        "--go-ported-mode",
        "with --go-ported: mixed (a router sends ported operations to Go, the rest to a "
        "Rails on Go's database) or subset (Go alone on its own schema: only ported "
        "operations are compared)",
        choices=("mixed", "subset"),
        default="mixed",
    ),
    Option(
        "--go-rails-url",
        "mixed stack in url mode: a running Rails server on the Go backend's database",
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
    Option(
        "--spec",
        "OpenAPI spec every suite tests against: conformance's operations, the lockstep's "
        "operation set and the report's coverage (relative paths from the rootdir)",
        default="spec/openapi.yaml",
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
    seed_recipe: Path | None = None
    ready_path: str | None = None  # None: HarnessConfig.ready_path
    redis_url: str | None = None
    setenv: tuple[tuple[str, str], ...] = ()
    faults: tuple[str, ...] = ()
    ported: Path | None = None  # go side: the routing manifest of a partial port
    ported_mode: Literal["mixed", "subset"] = "mixed"
    rails_url: str | None = None  # go side, mixed stack in url mode: Rails on Go's database

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
    spec: Path = Path("spec/openapi.yaml")
    pg_image: str = "postgres:15"
    redis_image: str = "redis:7"
    environ: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # for child processes

    def side(self, name: str) -> SideConfig:
        """The configuration of `rails` or `go`."""
        return self.rails if name == "rails" else self.go

    def ready_path_of(self, name: str) -> str:
        """The readiness path of one side (its own, else the shared one)."""
        return self.side(name).ready_path or self.ready_path

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

    def register_secrets(self) -> None:
        """Every secret the user handed in (setenv values, DSN and URL passwords, header
        values in commands, the environment's secret-named settings) is masked from now on."""
        for side in self.sides:
            given = (side.url, side.cmd, side.image, side.prepare, side.database_url)
            for value in filter(None, given):
                register_secrets_in(value)
            for key, value in side.setenv:
                register_setting(key, value)
        for key, value in self.environ:
            register_setting(key, value)

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
        run_dir, spec = Path(get("run_dir")), Path(get("spec"))
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
            spec=spec if spec.is_absolute() else rootdir / spec,
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


def add_options(
    parser: pytest.Parser,
    options: tuple[Option, ...] = OPTIONS,
    group_name: tuple[str, str] = ("backends", "loomio-parity backends"),
) -> None:
    """Register each option in its group (default: every backend option in "backends")."""
    group = parser.getgroup(*group_name)
    for option in options:
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


def _one_mode(prefix: str, get: Callable[[str], str], embedded: str) -> None:
    """At most one of `--<prefix>-url`, `-cmd`, `-image`; nothing means `embedded`."""
    given = [k for k in ("url", "cmd", "image") if get(f"{prefix.replace('-', '_')}_{k}")]
    if len(given) > 1:
        flags = ", ".join(f"--{prefix}-{k}" for k in given)
        raise pytest.UsageError(
            f"{flags}: give at most one of --{prefix}-url, --{prefix}-cmd, --{prefix}-image "
            f"(nothing = {embedded})"
        )


def _side(
    side: str, get: Callable[[str], str], values: Mapping[str, tuple[str, str]]
) -> SideConfig:
    _one_mode(side, get, "the embedded reference backend")
    config = SideConfig(
        name=side,
        url=get(f"{side}_url").rstrip("/") or None,
        cmd=get(f"{side}_cmd") or None,
        image=get(f"{side}_image") or None,
        prepare=get(f"{side}_prepare") or None,
        database_url=get(f"{side}_database_url") or None,
        seed_recipe=_recipe(side, get, values),
        ready_path=("/" + get(f"{side}_ready_path").lstrip("/"))
        if get(f"{side}_ready_path")
        else None,
        redis_url=get(f"{side}_redis_url") or None,
        setenv=_pairs(OPTIONS_BY_KEY[f"{side}_setenv"], *values[f"{side}_setenv"]),
        faults=_split(get("go_faults")) if side == "go" else (),
        **_ported(get, values, side),
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


class _Ported(TypedDict, total=False):
    ported: Path
    ported_mode: Literal["mixed", "subset"]
    rails_url: str | None


def _recipe(
    side: str, get: Callable[[str], str], values: Mapping[str, tuple[str, str]]
) -> Path | None:
    """The side's seed recipe, read now so a bad one is a usage error naming the file."""
    from harness.recipe import RecipeError, load_recipe

    if not get(f"{side}_seed_recipe"):
        return None
    path = Path(get(f"{side}_seed_recipe"))
    try:
        load_recipe(path)
    except RecipeError as exc:
        option = OPTIONS_BY_KEY[f"{side}_seed_recipe"]
        raise _usage(option, str(path), values[option.key][1], f"cannot be used: {exc}") from None
    return path


def _ported(get: Callable[[str], str], values: Mapping[str, tuple[str, str]], side: str) -> _Ported:
    """The go side's partial-port settings; the manifest is read now, so a bad one is a
    usage error naming the file before anything starts."""
    from harness.routing.manifest import ManifestError, load_manifest

    if side != "go" or not get("go_ported"):
        if side == "go" and get("go_rails_url"):
            raise pytest.UsageError("--go-rails-url only applies with --go-ported (mixed mode)")
        return {}
    path = Path(get("go_ported"))
    try:
        load_manifest(path)
    except ManifestError as exc:
        option = OPTIONS_BY_KEY["go_ported"]
        raise _usage(option, str(path), values[option.key][1], f"cannot be used: {exc}") from None
    mode: Literal["mixed", "subset"] = "subset" if get("go_ported_mode") == "subset" else "mixed"
    return {
        "ported": path,
        "ported_mode": mode,
        "rails_url": get("go_rails_url").rstrip("/") or None,
    }


def _pairs(option: Option, value: str, source: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    try:
        items = shlex.split(value)
    except ValueError as exc:  # the value itself may hold a secret: it is not repeated
        where = option.flag if source == option.flag else f"{option.flag} (from {source})"
        raise pytest.UsageError(
            f"{where}: cannot split into KEY=VALUE pairs ({exc}). Quote a value with spaces "
            "as in a shell, e.g. KEY='a b' OTHER=c, and close every quote."
        ) from None
    for item in items:
        key, sep, val = item.partition("=")
        if not sep or not key:
            raise _usage(option, item, source, "is not KEY=VALUE")
        pairs.append((key, val))
    return tuple(pairs)
