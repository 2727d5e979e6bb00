"""Keeping Hypothesis examples independent: fresh database clones, or a scope of their own.

- `reset_databases(backends)`: every backend's database gets the rows of its seeded
  template again (`--isolation=clone`); the session actors and ids stay valid. By default
  in place (truncate + COPY of the template's rows + sequence positions), because a backend
  keeps pooled connections that `DROP DATABASE` would kill (the next requests then fail);
  `method="recreate"` really drops and re-clones (`CREATE DATABASE … TEMPLATE`).
- `open_scope(backends)`: a new group, thread and actors seeded into each backend's live
  database (`--isolation=scoped`); the example only touches what it created. Scope actors
  use HTTP Basic, so no example costs a login (Loomio allows 10 per hour per IP).

`example_scope(backends)` picks the configured strategy and always yields a `Scope`.

Measured cost per example, both backends, embedded reference (tests/harness/
test_isolation.py::test_isolation_cost_per_example, median): in-place clone 55-160 ms,
scope 75-190 ms, DROP + CREATE … TEMPLATE 180-310 ms plus one failed request per dead pooled
connection in each backend (the lower figures on an idle machine, the higher at load 7-10).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from harness.backends import Backends, seed_each
from harness.errors import HarnessError
from harness.seed import SeedPlan, World, build_rows, scoped_world


@dataclass(frozen=True, slots=True, kw_only=True)
class Scope:
    """What one example may use: actor keys for ApiRequest.actor and ids per backend."""

    actors: dict[str, str]  # local name -> actor key registered on both clients
    ids: dict[str, dict[str, int]]  # backend -> {"group:group": 7, ...}
    plan: SeedPlan | None = None  # what was seeded (None: the session world)
    tag: str = ""

    def actor(self, name: str) -> str:
        """The ApiRequest.actor value of this scope's `name` ("admin", "member", ...)."""
        return self.actors[name]


def reset_databases(backends: Backends, method: str = "restore") -> None:
    """Give every backend database its seeded template's content again (see above)."""
    done: set[str] = set()
    for backend in backends:
        if backends.server is None or backend.template is None or backend.database is None:
            raise HarnessError(
                f"--isolation=clone needs a database the harness cloned from a prepared "
                f"template, but the {backend.name} backend runs in {backend.mode} mode "
                f"without one. Give --{backend.name}-prepare or use --isolation=scoped."
            )
        if backend.recipe is not None:
            raise HarnessError(
                f"--isolation=clone restores SQL-seeded templates, but the {backend.name} "
                f"backend is seeded through its API ({backend.recipe.source}): use --isolation=scoped."
            )
        if backend.database not in done:
            reset = backends.server.restore if method == "restore" else backends.server.recreate
            reset(backend.database, backend.template)
            done.add(backend.database)


def session_scope(backends: Backends) -> Scope:
    """The session world as a Scope (what clone isolation hands each example)."""
    return Scope(
        actors={name: name for name in backends.actors},
        ids={b.name: dict(b.ids) for b in backends},
    )


@contextlib.contextmanager
def open_scope(
    backends: Backends, world: Callable[[str], World] = scoped_world, tag: str | None = None
) -> Iterator[Scope]:
    """Seed `world(tag)` (default: a fresh group, thread and actors) into every backend;
    its actors use HTTP Basic (a recipe's login on a recipe-seeded backend) and are forgotten
    afterwards."""
    tag = tag or secrets.token_hex(6)  # 48 bits: no two scopes of a long run share a tag
    plan = build_rows(world(tag), salt=tag)
    ids = seed_each(backends, plan)  # shared mode: one database, seeded once
    keys = {name: f"{name}#{tag}" for name in plan.actors}
    registered = {keys[name]: actor for name, actor in plan.actors.items()}
    for backend in backends:
        # a recipe-seeded backend signs its actors in the recipe's way, not HTTP Basic
        backend.client.add_actors(registered, auth=None if backend.recipe else "basic")
    try:
        yield Scope(actors=keys, ids=ids, plan=plan, tag=tag)
    finally:
        for backend in backends:
            backend.client.remove_actors(list(registered))


@contextlib.contextmanager
def example_scope(backends: Backends, strategy: str | None = None) -> Iterator[Scope]:
    """One independent example, by `strategy` (default: --isolation)."""
    if (strategy or backends.config.isolation) == "clone":
        reset_databases(backends)
        yield session_scope(backends)
    else:
        with open_scope(backends) as scope:
            yield scope
