"""The mixed stack: the go side as production runs it during a partial port.

Go and a second Rails share Go's database; the router (harness.routing.router) sends each
ported operation to Go and the rest to that Rails. The rails side of the run stays Rails
alone on its own database, so a thread written through Rails and read through Go is
compared end to end with what Rails alone does. Both processes behind the router get one
SECRET_KEY_BASE and one Redis, as Rails and Go share their session secret and their live
updates in production (a `--go-rails-url` Rails must be given Go's Redis by whoever runs it).
"""

from __future__ import annotations

import contextlib
import shlex
import sys
from pathlib import Path

from harness.backends import EMBEDDED_SERVE, Backend
from harness.client import Liveness
from harness.config import HarnessConfig, SideConfig
from harness.databases import DatabaseServer
from harness.errors import HarnessError
from harness.ports import free_port
from harness.providers.process import ManagedProcess, ensure_ready, fill

ROUTER = f"{shlex.quote(sys.executable)} -m harness.routing.router"


def start_mixed_stack(
    backends: dict[str, Backend],
    config: HarnessConfig,
    server: DatabaseServer | None,
    environ: dict[str, str],
    spec: Path,
    stack: contextlib.ExitStack,
) -> None:
    """Put the router in front of go (already started, not yet awaited) and a Rails on its
    database; `go.base_url` becomes the router's. The rails side goes behind a router too,
    one that sends everything to Rails: both sides then pay the same proxy hop, and the
    paired latency compares the backends, not the hop."""
    assert config.go.ported is not None
    go, rails = backends["go"], backends["rails"]
    _await(
        go.name, go.base_url + config.ready_path_of("go"), go.client.liveness, config, go.log_path
    )
    rails_url, rails_liveness = _rails_on_go_database(go, config, server, environ, stack)
    _front(
        go, config.go.ported, go.base_url, rails_url, rails_liveness, config, environ, spec, stack
    )
    everything_to_rails = config.run_dir / "rails-routes.yaml"
    everything_to_rails.write_text(
        "# the rails side's router: one hop, like the go side's\ndefault: rails\n"
    )
    alone = rails.base_url
    _front(rails, everything_to_rails, alone, alone, Liveness(), config, environ, spec, stack)


def _front(
    backend: Backend,
    manifest: Path,
    go_url: str,
    rails_url: str,
    rails_liveness: Liveness,
    config: HarnessConfig,
    environ: dict[str, str],
    spec: Path,
    stack: contextlib.ExitStack,
) -> None:
    """Start a router sending `manifest`'s ported operations to `go_url` and the rest to
    `rails_url`; `backend` is then reached through it (and is alive while all three are)."""
    port = free_port()
    command = (
        f"{ROUTER} --port {port} --spec {shlex.quote(str(spec))} "
        f"--manifest {shlex.quote(str(manifest))} --go {go_url} "
        f"--rails {rails_url} --timeout {config.request_timeout:g}"
    )
    log = config.run_dir / f"{backend.name}-router.log"
    router = ManagedProcess(
        name=f"{backend.name}-router", command=command, env=environ, log_path=log
    )
    stack.callback(router.stop)
    router.start()
    members = (backend.client.liveness, rails_liveness, _liveness(router, log))
    backend.base_url = backend.client.base_url = f"http://127.0.0.1:{port}"
    backend.client.liveness = Liveness(
        alive=lambda: all(m.alive() for m in members),
        exit_code=lambda: next((m.exit_code() for m in members if not m.alive()), None),
        log_tail=lambda: "\n".join(m.log_tail() for m in members if not m.alive()),
        log_path=", ".join(m.log_path for m in members if m.log_path),
    )


def _rails_on_go_database(
    go: Backend,
    config: HarnessConfig,
    server: DatabaseServer | None,
    environ: dict[str, str],
    stack: contextlib.ExitStack,
) -> tuple[str, Liveness]:
    """(base URL, liveness) of the Rails that shares Go's database."""
    if config.go.rails_url:
        return config.go.rails_url, Liveness()
    side = _rails_command(config)
    if server is None or go.database is None:
        raise HarnessError(
            "mixed stack: the go backend's database is not the harness' own, so no Rails can "
            "be started on it. Pass --go-rails-url (a Rails on Go's database) or use "
            "--go-ported-mode subset."
        )
    port = free_port()
    database_url = server.dsn(go.database)
    log = config.run_dir / "go-rails.log"
    env = {**environ, **dict(side.setenv), "PORT": str(port), "DATABASE_URL": database_url}
    # One Redis behind the router, as in production: what this Rails publishes reaches the
    # go side's live updates (without it, every unported write was "published on rails only").
    env |= {"REDIS_URL": go.redis_url} if go.redis_url else {}
    command = fill(str(side.cmd), port=port, database_url=database_url)
    process = ManagedProcess(name="go-rails", command=command, env=env, log_path=log)
    stack.callback(process.stop)
    process.start()
    url = f"http://127.0.0.1:{port}"
    liveness = _liveness(process, log)
    _await("go-rails", url + config.ready_path_of("rails"), liveness, config, log)
    return url, liveness


def _rails_command(config: HarnessConfig) -> SideConfig:
    """How to start a second Rails: the rails side's command (the reference when embedded)."""
    rails = config.rails
    if rails.mode == "embedded":
        return SideConfig(name="go-rails", cmd=EMBEDDED_SERVE + " --no-migrate")
    if rails.mode == "process":
        return rails
    raise HarnessError(
        f"mixed stack: the rails side runs in {rails.mode} mode, so the harness cannot start a "
        "second Rails on Go's database. Pass --go-rails-url or use --go-ported-mode subset."
    )


def _liveness(process: ManagedProcess, log: Path) -> Liveness:
    return Liveness(
        alive=process.alive, exit_code=process.exit_code, log_tail=process.tail, log_path=str(log)
    )


def _await(
    name: str, url: str, liveness: Liveness, config: HarnessConfig, log: Path | None
) -> None:
    ensure_ready(
        name,
        url,
        config.ready_timeout,
        alive=liveness.alive,
        exit_code=liveness.exit_code,
        log=log,
    )
