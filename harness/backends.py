"""Provision both backends for a run: database, schema, seed, start, wait, log actors in.

`provision(config)` is a context manager yielding `Backends` (rails and go). In order:

1. a PostgreSQL server: a local cluster (embedded, process) or a container (containers);
   none when both sides are urls;
2. templates: each distinct prepare command runs once on its own template database, and
   the seed plan is written into it (so clones carry identical rows and ids);
3. one clone per backend (`--db-mode=clone`) or one database for both (`shared`);
4. a Redis per side (harness.redis.redis_link), given to the app as REDIS_URL; both
   backends start at once (processes or containers), then each is awaited on its readiness
   path;
5. sides without a prepare step (their server makes its own schema) and url sides with
   `--X-database-url` are seeded once they are ready.

Everything is undone on exit, in reverse, also after a failure or Ctrl-C.
"""

from __future__ import annotations

import contextlib
import secrets
import shlex
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from harness.actors import Actor
from harness.client import BackendClient, Liveness
from harness.config import HarnessConfig, Mode, SideConfig
from harness.databases import DatabaseServer
from harness.errors import HarnessError
from harness.http import ApiRequest, ApiResponse
from harness.ports import free_port
from harness.postgres import start_local_postgres
from harness.providers.process import ManagedProcess, ensure_ready, fill, run_command
from harness.recipe import Recipe, RecipeSeeder, load_recipe, login_request, sql_executor
from harness.redact import register_secret
from harness.redis import RedisLink, redis_link
from harness.seed import (
    Seeder,
    SeedPlan,
    SqlSeeder,
    World,
    build_rows,
    default_world,
)

PYTHON = shlex.quote(sys.executable)
# --access-log: a backend that dies mid-run leaves request lines for the finding to quote.
EMBEDDED_SERVE = (
    f"{PYTHON} -m reference serve --access-log --port {{port}} --database-url {{database_url}}"
)
EMBEDDED_PREPARE = f"{PYTHON} -m reference migrate --database-url {{database_url}}"
SPEC = Path(__file__).parents[1] / "spec" / "openapi.yaml"


@dataclass(slots=True, kw_only=True)
class Backend:
    """One live backend: where it is, how it runs, what was seeded into it."""

    name: str
    mode: Mode
    base_url: str
    client: BackendClient
    database: str | None = None  # its database on the harness' server (None: not ours)
    template: str | None = None  # the seeded template it was cloned from
    seed_dsn: str | None = None  # where seed rows for this backend are written
    recipe: Recipe | None = None  # or: the API recipe that seeds it (harness.recipe)
    ids: dict[str, int] = field(default_factory=dict)  # seeded ids: ids["group:main"]
    runner: ManagedProcess | None = None
    log_path: Path | None = None
    # where its live updates are published (harness.redis); None: not captured, `redis_why`
    redis_url: str | None = None
    redis_why: str = ""

    def send(self, request: ApiRequest) -> ApiResponse:
        """The one network call: send `request` as its actor (see harness.client)."""
        return self.client.send(request)

    def alive(self) -> bool:
        return self.client.liveness.alive()

    def seeder(self) -> tuple[str, Seeder]:
        """(what it writes to, the seeder): its API seed path, else its database."""
        if self.recipe is not None:
            execute = sql_executor(self.seed_dsn) if self.seed_dsn else None
            seeder = RecipeSeeder(self.recipe, self.send, execute)
            return f"{self.base_url} ({self.recipe.source})", seeder
        if self.seed_dsn:
            return self.seed_dsn, SqlSeeder(self.seed_dsn)
        raise HarnessError(
            f"no way to seed the {self.name} backend: in url mode pass --{self.name}-database-url "
            f"(the database the running server uses) or --{self.name}-seed-recipe."
        )

    def log_tail(self) -> str:
        return self.client.liveness.log_tail()


@dataclass(slots=True, kw_only=True)
class Backends:
    """The rails/go pair of a run, the seed plan and the database server behind them."""

    rails: Backend
    go: Backend
    config: HarnessConfig
    plan: SeedPlan
    server: DatabaseServer | None
    run_dir: Path

    def __iter__(self) -> Iterator[Backend]:
        return iter((self.rails, self.go))

    def __getitem__(self, name: str) -> Backend:
        return {"rails": self.rails, "go": self.go}[name]

    @property
    def actors(self) -> dict[str, Actor]:
        return dict(self.plan.actors)


@contextlib.contextmanager
def provision(config: HarnessConfig, world: World | None = None) -> Iterator[Backends]:
    """Bring both backends up as configured; tear everything down on exit."""
    # Faults reach a side only through --go-faults, never from the caller's environment.
    environ = {k: v for k, v in config.environ if k != "PARITY_FAULTS"}
    mixed = config.go.ported is not None and config.go.ported_mode == "mixed"
    if mixed and not environ.get("SECRET_KEY_BASE"):
        environ["SECRET_KEY_BASE"] = secrets.token_hex(32)
    if environ.get("SECRET_KEY_BASE"):
        register_secret(environ["SECRET_KEY_BASE"])
    plan = build_rows(world or default_world())
    run_dir = _fresh_run_dir(config.run_dir)
    with contextlib.ExitStack() as stack:
        server = _start_database_server(config, stack, run_dir)
        sides = {s.name: _plan_side(s, config) for s in config.sides}
        templates = _prepare_templates(sides, server, plan, environ, run_dir)
        backends = {
            name: _start_side(side, config, server, templates, environ, run_dir, stack)
            for name, side in sides.items()
        }
        if mixed:
            from harness.routing.stack import start_mixed_stack

            start_mixed_stack(backends, config, server, environ, SPEC, stack)
        for backend in backends.values():
            _await_ready(backend, config)
        _seed_live(backends, plan)
        for backend in backends.values():
            if backend.ids:
                backend.client.add_actors(dict(plan.actors))
            stack.callback(backend.client.close)
        yield Backends(
            rails=backends["rails"],
            go=backends["go"],
            config=config,
            plan=plan,
            server=server,
            run_dir=run_dir,
        )


def _fresh_run_dir(run_dir: Path) -> Path:
    """Drop the previous run's logs and failure records (only those: --run-dir may be any
    directory), so logs are replaced, never accumulated."""
    run_dir.mkdir(parents=True, exist_ok=True)
    for old in [*run_dir.glob("*.log"), run_dir / "backend-failures.jsonl"]:
        old.unlink(missing_ok=True)
    return run_dir


def _plan_side(side: SideConfig, config: HarnessConfig) -> SideConfig:
    """The embedded default is process mode with the reference backend's commands."""
    if side.mode != "embedded":
        return side
    faults = (("PARITY_FAULTS", ",".join(side.faults)),) if side.faults else ()
    unbuffered = (("PYTHONUNBUFFERED", "1"),)  # its last words reach the log before a crash
    return SideConfig(
        name=side.name,
        cmd=EMBEDDED_SERVE + " --no-migrate",
        prepare=EMBEDDED_PREPARE,
        redis_url=side.redis_url,
        setenv=(*unbuffered, *side.setenv, *faults),
    )


def _start_database_server(
    config: HarnessConfig, stack: contextlib.ExitStack, run_dir: Path
) -> DatabaseServer | None:
    if config.database_host == "none":
        return None
    if config.database_host == "container":
        from harness.providers.containers import start_postgres_container

        server: DatabaseServer = start_postgres_container(config, stack, run_dir)
    else:
        cluster = start_local_postgres(timeout=config.ready_timeout)
        stack.callback(cluster.stop)
        server = DatabaseServer(host_dsn=cluster.dsn(), root=cluster.root)
    stack.callback(server.drop_all)
    return server


def _prepare_templates(
    sides: dict[str, SideConfig],
    server: DatabaseServer | None,
    plan: SeedPlan,
    environ: dict[str, str],
    run_dir: Path,
) -> dict[str, tuple[str, dict[str, int]]]:
    """{prepare command: (template database, seeded ids)}, each command run once."""
    templates: dict[str, tuple[str, dict[str, int]]] = {}
    for side in sides.values():
        if server is None or not side.prepare or side.prepare in templates:
            continue
        users = [s for s in sides.values() if s.prepare == side.prepare]
        seed = not any(s.seed_recipe for s in users)  # API-seeded sides are seeded live
        name = f"parity_template_{len(templates)}"
        dsn = server.create(name)
        log = run_dir / f"{side.name}-prepare.log"
        if side.mode == "containers":
            from harness.providers.containers import run_prepare_container

            run_prepare_container(side, server.dsn(name, in_network=True), log)
        else:
            env = {**environ, **dict(side.setenv), "DATABASE_URL": dsn}
            run_command(side.name, fill(side.prepare, database_url=dsn), env, log)
        templates[side.prepare] = (name, SqlSeeder(dsn).seed(plan) if seed else {})
    return templates


def _start_side(
    side: SideConfig,
    config: HarnessConfig,
    server: DatabaseServer | None,
    templates: dict[str, tuple[str, dict[str, int]]],
    environ: dict[str, str],
    run_dir: Path,
    stack: contextlib.ExitStack,
) -> Backend:
    client = BackendClient(
        name=side.name, base_url="", timeout=config.request_timeout, auth=config.auth
    )
    mode = config.side(side.name).mode  # "embedded" although it runs as a process
    backend = Backend(name=side.name, mode=mode, base_url="", client=client)
    redis = redis_link(side, side.mode, config, stack, run_dir)
    backend.redis_url, backend.redis_why = redis.capture_url, redis.why
    if side.mode == "url":
        backend.base_url = client.base_url = str(side.url)
        backend.seed_dsn = side.database_url
        _use_recipe(backend, side)
        return backend
    assert server is not None, "process and container sides have a database server"
    _use_recipe(backend, side)
    template, ids = templates.get(side.prepare or "", (None, {}))
    _assign_database(backend, server, template, ids, config)
    log = run_dir / f"{side.name}.log"
    if side.mode == "containers":
        from harness.providers.containers import start_app_container

        database_url = server.dsn(str(backend.database), in_network=True)
        backend.base_url, liveness = start_app_container(
            side, database_url, redis.app_url, log, stack
        )
    else:
        port = free_port()
        database_url = server.dsn(str(backend.database))
        env = {**environ, **dict(side.setenv), "PORT": str(port), "DATABASE_URL": database_url}
        env |= _redis_env(redis)
        command = fill(str(side.cmd), port=port, database_url=database_url)
        runner = ManagedProcess(name=side.name, command=command, env=env, log_path=log)
        stack.callback(runner.stop)
        runner.start()
        backend.runner = runner
        backend.base_url = f"http://127.0.0.1:{port}"
        liveness = Liveness(
            alive=runner.alive, exit_code=runner.exit_code, log_tail=runner.tail, log_path=str(log)
        )
    backend.log_path = log
    client.base_url, client.liveness = backend.base_url, liveness
    return backend


def _redis_env(redis: RedisLink) -> dict[str, str]:
    return {"REDIS_URL": redis.app_url} if redis.app_url else {}


def _use_recipe(backend: Backend, side: SideConfig) -> None:
    """A recipe-seeded side: its recipe, and its actors sign in the recipe's way."""
    if side.seed_recipe is None:
        return
    backend.recipe = load_recipe(side.seed_recipe)
    backend.client.login = login_request(backend.recipe)


def _assign_database(
    backend: Backend,
    server: DatabaseServer,
    template: str | None,
    ids: dict[str, int],
    config: HarnessConfig,
) -> None:
    """Clone the side's template (or share one database); record what is already seeded."""
    name = "parity_shared" if config.db_mode == "shared" else f"parity_{backend.name}"
    if name not in server.created:
        server.create(name, template)
    backend.database, backend.template = name, template
    backend.seed_dsn = server.dsn(name)
    backend.ids = dict(ids)


def _await_ready(backend: Backend, config: HarnessConfig) -> None:
    liveness = backend.client.liveness
    ensure_ready(
        backend.name,
        backend.base_url + config.ready_path_of(backend.name),
        config.ready_timeout,
        alive=liveness.alive,
        exit_code=liveness.exit_code,
        log=backend.log_path,
    )


def _seed_live(backends: dict[str, Backend], plan: SeedPlan) -> None:
    """Seed the backends whose database did not come from a seeded template."""
    pending = [b for b in backends.values() if not b.ids]
    for name, ids in seed_each(pending, plan).items():
        backends[name].ids = ids


def seed_each(backends: Iterable[Backend], plan: SeedPlan) -> dict[str, dict[str, int]]:
    """Write `plan` into each backend, once per database when they share one; ids by backend."""
    done: dict[str, dict[str, int]] = {}
    ids: dict[str, dict[str, int]] = {}
    for backend in backends:
        target, seeder = backend.seeder()
        if target not in done:
            done[target] = _seed_one(backend, seeder, plan)
        ids[backend.name] = done[target]
    return ids


def _seed_one(backend: Backend, seeder: Seeder, plan: SeedPlan) -> dict[str, int]:
    """Seed one backend; a recipe's steps act as the actors they create, signed in under
    names of their own for the time of the seeding."""
    if not isinstance(seeder, RecipeSeeder):
        return seeder.seed(plan)
    tag = secrets.token_hex(4)
    keys = {name: f"{name}#seed-{tag}" for name in plan.actors}
    backend.client.add_actors({keys[name]: actor for name, actor in plan.actors.items()})
    seeder.actor_key = keys.__getitem__
    try:
        return seeder.seed(plan)
    finally:
        backend.client.remove_actors(list(keys.values()))
