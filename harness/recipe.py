"""Seeding through a backend's public API: a declarative recipe of requests with captures.

A backend on its own schema (a Go rewrite that keeps other tables) cannot take the seed rows
through SQL. A recipe says, per table of the seed plan, which requests create one row, as
whom, and where the new record's id is in the answer; the same file says how an actor signs
in, which the suites then use too. A team adapts seeding to its sign-up flow in YAML:

```yaml
login:                                  # how an actor signs in (cookies are kept)
  request: POST /api/v1/sessions
  json: {email: "{actor.email}", password: "{actor.password}"}
tables:
  users:                                # one entry per row of the table, in plan order
    - request: POST /api/v1/registrations
      json: {email: "{actor.email}", name: "{row.name}", password: "{actor.password}",
             password_confirmation: "{actor.password}"}
      expect: [201]
      capture: {id: /user/id}           # `id` is the row's id for the suites
    - sql: UPDATE users SET email_verified = true WHERE id = {capture.id}   # no API for it
  groups:
    - as: creator_id                    # signed in as the user this column refers to
      request: POST /api/v1/groups
      json: {name: "{row.name}", handle: "{row.handle}", parent_id: "{ref.parent_id}"}
      capture: {id: /group/id}
  memberships:
    - when: ["{ref.user_id} != {ref.group_id.creator_id}", "{row.admin} == false"]
      as: group_id.creator_id
      request: POST /api/v1/groups/{ref.group_id}/memberships
      json: {user_id: "{ref.user_id}", role: member}
      capture: {id: /membership/id}
    - when: "{capture.id}"
      as: user_id
      request: POST /api/v1/memberships/{capture.id}/accept
```

Placeholders: `{row.COLUMN}` a value of the seed row; `{ref.COLUMN}` the id the backend gave
the row that column refers to, chained through columns (`{ref.group_id.creator_id}`);
`{actor.email}`, `{actor.password}`, `{actor.name}` the user row's actor (or the `as`
actor's); `{capture.NAME}` a value captured by an earlier step of the same row. A value that
is a placeholder alone keeps its JSON type, and a JSON key whose value is null is left out.
Tables the recipe does not name are not seeded on that side; the suites are told. A `sql`
step runs on the side's own database (placeholders become query parameters), for what a
test environment does without an API, such as confirming an email address.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import yaml

from harness.actors import Actor
from harness.errors import HarnessError
from harness.http import ApiRequest, ApiResponse
from harness.redact import redact
from harness.seed import Ref, Row, SeedError, SeedPlan

_PLACEHOLDER = re.compile(r"\{([a-z]+(?:\.[A-Za-z0-9_]+)+)\}")
_WHEN = re.compile(r"^(.*?)\s*(==|!=)\s*(.*)$")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class RecipeError(HarnessError):
    """A seed recipe that cannot be read or followed; the message names the file and step."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One request of a recipe (or, with `sql`, one statement on the side's database)."""

    method: str
    path: str
    where: str  # "recipe.yaml: tables.groups[0]"
    sql: str = ""
    json: Any = None
    as_: str | None = None  # a column (chain) naming the acting user, None = visitor
    expect: tuple[int, ...] = (200, 201)
    capture: tuple[tuple[str, str], ...] = ()  # (name, JSON Pointer)
    when: tuple[str, ...] = ()  # every condition must hold


@dataclass(frozen=True, slots=True)
class Recipe:
    tables: Mapping[str, tuple[Step, ...]]
    login: Step | None = None
    source: str = "<recipe>"


def load_recipe(path: Path) -> Recipe:
    """Read a recipe file; any mistake is a RecipeError naming the file and the entry."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RecipeError(f"cannot read the seed recipe {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RecipeError(f"{path}{line}: the seed recipe is not YAML: {exc}") from None
    return recipe_from_mapping(data, str(path))


def recipe_from_mapping(data: Any, source: str) -> Recipe:
    if not isinstance(data, Mapping) or set(data) - {"login", "tables"}:
        raise RecipeError(
            f"{source}: a seed recipe is a mapping with `login` and `tables` "
            "(see harness/recipe.py for the format)."
        )
    tables = data.get("tables") or {}
    if not isinstance(tables, Mapping):
        raise RecipeError(f"{source}: `tables` maps a table name to a list of steps.")
    parsed = {}
    for table, steps in tables.items():
        if not isinstance(steps, list) or not steps:
            raise RecipeError(f"{source}: tables.{table}: a list of steps.")
        where = f"{source}: tables.{table}"
        parsed[str(table)] = tuple(_step(s, f"{where}[{i}]") for i, s in enumerate(steps))
    login = _step(data["login"], f"{source}: login") if data.get("login") else None
    return Recipe(tables=parsed, login=login, source=source)


def _step(data: Any, where: str) -> Step:
    if isinstance(data, Mapping) and "sql" in data:
        unknown = set(data) - {"sql", "when"}
        if unknown or not isinstance(data["sql"], str):
            raise RecipeError(f"{where}: a sql step has `sql: STATEMENT` and maybe `when`.")
        return Step(method="", path="", where=where, sql=data["sql"], when=_when(data, where))
    if not isinstance(data, Mapping) or "request" not in data:
        raise RecipeError(f"{where}: a step has `request: METHOD /path` (and json, as, ...).")
    unknown = set(data) - {"request", "json", "as", "expect", "capture", "when"}
    if unknown:
        raise RecipeError(f"{where}: unknown key(s) {sorted(unknown)}.")
    method, _, path = str(data["request"]).strip().partition(" ")
    if method.upper() not in _METHODS or not path.strip().startswith("/"):
        raise RecipeError(f"{where}: request {data['request']!r} is not `METHOD /path`.")
    expect = data.get("expect", [200, 201])
    expect = [expect] if isinstance(expect, int) else expect
    capture = data.get("capture") or {}
    if not isinstance(capture, Mapping) or not all(
        isinstance(p, str) and (p == "" or p.startswith("/")) for p in capture.values()
    ):
        raise RecipeError(f"{where}: capture maps a name to a JSON Pointer (`/user/id`).")
    return Step(
        method=method.upper(),
        path=path.strip(),
        where=where,
        json=data.get("json"),
        as_=str(data["as"]) if data.get("as") else None,
        expect=tuple(int(s) for s in expect),
        capture=tuple((str(k), str(v)) for k, v in capture.items()),
        when=_when(data, where),
    )


def _when(data: Mapping[str, Any], where: str) -> tuple[str, ...]:
    """`when: CONDITION` or a list of them (all must hold)."""
    value = data.get("when")
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    if isinstance(value, str):
        return (value,)
    raise RecipeError(f"{where}: `when` is a condition or a list of conditions.")


# -- following a recipe (pure: the context of one row) ------------------------------------


@dataclass(slots=True)
class RowContext:
    """What placeholders of one row's steps can name."""

    row: Row
    rows: Mapping[str, Row]
    ids: Mapping[str, int]
    actors: Mapping[str, Actor]
    captures: dict[str, Any] = field(default_factory=dict)

    def lookup(self, name: str, where: str) -> Any:
        space, _, rest = name.partition(".")
        if space == "row":
            return _plain(self.row.values.get(rest))
        if space == "ref":
            return self._ref(rest, where)
        if space == "capture":
            return self.captures.get(rest)
        if space == "actor":
            actor = self.actor_of_row()
            return getattr(actor, rest, None) if actor else None
        raise RecipeError(f"{where}: unknown placeholder {{{name}}} (row, ref, actor, capture).")

    def _ref(self, chain: str, where: str) -> int | None:
        row, key = self.row, ""
        for column in chain.split("."):
            value = row.values.get(column)
            if value is None:
                return None
            if not isinstance(value, Ref):
                raise RecipeError(f"{where}: {{ref.{chain}}}: {column} is not a reference.")
            key = value.key
            row = self.rows[key]
        if key not in self.ids:
            raise RecipeError(
                f"{where}: {{ref.{chain}}} refers to {key}, which this side has no id for "
                "(its table has no recipe, or its step captured no `id`)."
            )
        return self.ids[key]

    def actor_of_row(self) -> Actor | None:
        if self.row.table == "users" and self.row.key:
            return self.actors.get(self.row.key.removeprefix("user:"))
        return None

    def acting(self, chain: str | None, where: str) -> str | None:
        """The actor name a step acts as (`as: group_id.creator_id`)."""
        if chain is None:
            return None
        row = self.row
        for column in chain.split("."):
            value = row.values.get(column)
            if not isinstance(value, Ref):
                raise RecipeError(f"{where}: as: {chain}: {column} refers to no row.")
            row = self.rows[value.key]
        if row.table != "users" or not row.key:
            raise RecipeError(f"{where}: as: {chain} names a {row.table} row, not a user.")
        return row.key.removeprefix("user:")

    def render(self, template: Any, where: str) -> Any:
        """Fill placeholders; a string that is one placeholder keeps its value's type; a null
        value of an object is left out."""
        if isinstance(template, str):
            whole = _PLACEHOLDER.fullmatch(template)
            if whole:
                return self.lookup(whole[1], where)
            return _PLACEHOLDER.sub(lambda m: _text(self.lookup(m[1], where)), template)
        if isinstance(template, Mapping):
            rendered = {k: self.render(v, where) for k, v in template.items()}
            return {k: v for k, v in rendered.items() if v is not None}
        if isinstance(template, list):
            return [self.render(v, where) for v in template]
        return template

    def parameters(self, statement: str, where: str) -> tuple[str, list[Any]]:
        """A SQL statement with its placeholders as query parameters (never spliced in)."""
        values: list[Any] = []

        def bind(match: re.Match[str]) -> str:
            values.append(self.lookup(match[1], where))
            return "%s"

        return _PLACEHOLDER.sub(bind, statement.replace("%", "%%")), values

    def holds(self, when: tuple[str, ...], where: str) -> bool:
        return all(self._holds(condition, where) for condition in when)

    def _holds(self, when: str, where: str) -> bool:
        match = _WHEN.match(when)
        if not match:
            return _truthy(self.render(when, where))
        left, operator, right = match.groups()
        same = _text(self.render(left, where)) == _text(self.render(right, where))
        return same == (operator == "==")


def _plain(value: Any) -> Any:
    if isinstance(value, Ref):
        return None
    obj = getattr(value, "obj", value)  # psycopg Jsonb
    return obj.isoformat() if hasattr(obj, "isoformat") else obj


def _text(value: Any) -> str:
    return "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _truthy(value: Any) -> bool:
    return value not in (None, "", False, 0, "false")


def pointer_get(body: Any, pointer: str) -> Any:
    """RFC 6901 lookup; None when the path is not there."""
    node = body
    for part in pointer.split("/")[1:] if pointer else ():
        key = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        elif isinstance(node, Mapping) and key in node:
            node = node[key]
        else:
            return None
    return node


# -- the seeder (I/O through `send`) ---------------------------------------------------------


@dataclass(slots=True)
class RecipeSeeder:
    """Creates the plan's rows through the API, as the recipe says; `skipped` counts rows of
    tables the recipe does not name."""

    recipe: Recipe
    send: Callable[[ApiRequest], ApiResponse]
    execute: Callable[[str, list[Any]], None] | None = None  # SQL on the side's database
    # the client's name of a plan actor (seeding signs in under names of its own, so a
    # scope's "admin" never borrows the session's "admin" session)
    actor_key: Callable[[str], str] = lambda name: name
    skipped: dict[str, int] = field(default_factory=dict)

    def seed(self, plan: SeedPlan) -> dict[str, int]:
        rows = {row.key: row for row in plan.rows if row.key}
        ids: dict[str, int] = {}
        for row in plan.rows:
            steps = self.recipe.tables.get(row.table)
            if steps is None:
                self.skipped[row.table] = self.skipped.get(row.table, 0) + 1
                continue
            context = RowContext(row=row, rows=rows, ids=ids, actors=plan.actors)
            for step in steps:
                self._follow(step, context)
            if row.key and isinstance(context.captures.get("id"), int):
                ids[row.key] = context.captures["id"]
        return ids

    def _follow(self, step: Step, context: RowContext) -> None:
        where = f"{step.where} ({context.row.key})"
        if not context.holds(step.when, where):
            return
        if step.sql:
            if self.execute is None:
                raise SeedError(
                    f"{where}: a sql step needs the side's database, which the harness does "
                    "not know: give --<side>-database-url (url mode)."
                )
            self.execute(*context.parameters(step.sql, where))
            return
        acting = context.acting(step.as_, where)
        request = ApiRequest(
            method=step.method,
            path=str(context.render(step.path, where)),
            json=context.render(step.json, where),
            actor=None if acting is None else self.actor_key(acting),
            label=f"seed {context.row.key}",
        )
        answer = self.send(request)
        if answer.status not in step.expect:
            raise SeedError(
                f"{where}: {request.describe()} answered {answer.status} (expected "
                f"{', '.join(map(str, step.expect))}): {redact(answer.text[:300])}. Fix the "
                "step of the recipe, or the backend."
            )
        for name, pointer in step.capture:
            value = pointer_get(answer.body, pointer)
            if value is None:
                raise SeedError(
                    f"{where}: {request.describe()} answered without {pointer} to capture as "
                    f"{name}: {redact(answer.text[:300])}."
                )
            context.captures[name] = value


def login_request(recipe: Recipe) -> Callable[[Actor], ApiRequest] | None:
    """How the suites sign an actor in on a recipe-seeded backend (None: Loomio's way)."""
    step = recipe.login
    if step is None:
        return None

    def build(actor: Actor) -> ApiRequest:
        context = RowContext(
            row=Row("users", f"user:{actor.name}", {}), rows={}, ids={}, actors={actor.name: actor}
        )
        where = step.where
        return ApiRequest(
            method=step.method,
            path=str(context.render(step.path, where)),
            json=context.render(step.json, where),
            label=f"login {actor.name}",
        )

    return build


def sql_executor(dsn: str) -> Callable[[str, list[Any]], None]:
    """Run one statement on `dsn` (its own transaction), for a recipe's sql steps."""

    def execute(statement: str, values: list[Any]) -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(statement, values)

    return execute
