"""Loomio's JSON envelope (AMS 0.8 "embed :ids, include: true") and the serializer registry.

How to add a record type (what reference/serialize/polls.py does):

    from reference.serialize import has_many, has_one, polymorphic, register_model, register_serializer

    register_model("Poll", table="polls")            # class name -> table; collection "polls",
                                                     # type token "poll", default serializer "poll"
    def poll_attributes(ctx, row) -> dict:           # exactly the serializer's effective
        return {"id": row["id"], ...}                # attribute keys, in declaration order
    register_serializer("poll", "Poll", poll_attributes, [
        has_one("discussion", "discussion", "discussions", model="Discussion"),
        has_one("author", "author", "users", model="User"),
        has_many("poll_options", "poll_option", "poll_options", model="PollOption",
                 get=lambda ctx, row: ids_or_rows),
    ])

* `has_one(name, serializer, root, model=, key=None, get=None, include=None)`: JSON key
  `key` or `<name>_id`; `get(ctx, row)` returns the target id or row (default
  `row[key]`). A null target still creates the empty collection `root` (rule 4).
* `has_many(...)`: JSON key `<singular>_ids`; `get` returns a list of ids or rows.
* `polymorphic(name, key=None, get=None)`: `get` returns `(class_name, id)` or None; the
  record goes to its model's collection, serialized by its model's default serializer.
* `include(ctx, row) -> bool` defaults to Loomio's ApplicationSerializer predicate for that
  association name (exclude_types tokens, see `default_include`). When it is false the key is
  not written by the association; a same-named attribute (if the serializer has one) stays.
* Attribute functions read `ctx` (caller, scope flags, per-request cache `ctx.load`) and may
  leave out conditional keys (`include_<name>?`); use `ts()` for timestamps.

`render(ctx, rows, serializer=..., root=...)` builds `{root: [...], <sideloads>, meta}`:
depth-first like AMS, de-duplicated per collection (first serializer wins), the primary
array replacing a same-named sideload, `meta = {"root", "total"}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from reference import db, faults
from reference.db import Row
from reference.web import Ctx

F_META_ROOT = faults.declare("meta_root_missing", "envelope", "meta has total but no root key")
F_META_TOTAL = faults.declare(
    "meta_total_page_size", "envelope", "meta.total counts the returned page instead of all matches"
)
F_EMPTY_DROPPED = faults.declare(
    "empty_sideloads_omitted",
    "envelope",
    "empty sideload collections (parent_groups: []) are left out",
)
F_NO_MILLIS = faults.declare(
    "timestamps_without_millis", "type", 'timestamps lose milliseconds: "2025-06-01T10:15:00Z"'
)
F_OFFSET = faults.declare(
    "timestamps_offset_suffix", "type", 'timestamps end in "+00:00" instead of "Z"'
)
F_ID_STRING = faults.declare("ids_as_strings", "type", 'primary records send "id" as a string')
F_PARENT_ROOT = faults.declare(
    "parent_events_in_events",
    "envelope",
    "parent events are sideloaded into events (where the primary array drops them) instead of parent_events",
)
F_AUTHOR_UNLOADED = faults.declare(
    "comment_author_not_sideloaded",
    "envelope",
    "comments keep author_id but their author is missing from the users sideload",
)
F_NO_DEDUP = faults.declare(
    "sideloads_not_deduplicated",
    "envelope",
    "a record reached twice appears twice in its collection",
)


@dataclass(frozen=True, slots=True)
class Model:
    class_name: str  # "Discussion"
    table: str  # "discussions"
    serializer: str  # default serializer name
    collection: str  # top-level key for polymorphic sideloads
    token: str  # {"type": token, "id": …}


@dataclass(frozen=True, slots=True)
class Assoc:
    name: str
    key: str
    kind: str  # "one" | "many" | "poly"
    serializer: str | None
    root: str | None
    model: str | None
    get: Callable[[Ctx, Row], Any]
    include: Callable[[Ctx, Row], bool]


@dataclass(frozen=True, slots=True)
class Serializer:
    name: str
    model: str
    attributes: Callable[[Ctx, Row], dict[str, Any]]
    associations: tuple[Assoc, ...]


MODELS: dict[str, Model] = {}
SERIALIZERS: dict[str, Serializer] = {}


def register_model(
    class_name: str, table: str, serializer: str | None = None, collection: str | None = None
) -> Model:
    token = _underscore(class_name)
    model = Model(class_name, table, serializer or token, collection or table, token)
    MODELS[class_name] = model
    return model


def register_serializer(
    name: str,
    model: str,
    attributes: Callable[[Ctx, Row], dict[str, Any]],
    associations: Iterable[Assoc] = (),
) -> Serializer:
    ser = Serializer(name, model, attributes, tuple(associations))
    SERIALIZERS[name] = ser
    return ser


def _underscore(class_name: str) -> str:
    out = []
    for i, ch in enumerate(class_name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _excluded(ctx: Ctx, *tokens: str) -> bool:
    return any(t in ctx.exclude_types for t in tokens)


def default_include(name: str) -> Callable[[Ctx, Row], bool]:
    """ApplicationSerializer's include_<name>? predicates (serializer-dsl.md A.3)."""
    rules: dict[str, Callable[[Ctx, Row], bool]] = {
        "discussion": lambda ctx, row: not _excluded(ctx, "discussion"),
        "poll": lambda ctx, row: not _excluded(ctx, "poll"),
        "active_polls": lambda ctx, row: not _excluded(ctx, "poll"),
        "created_event": lambda ctx, row: not _excluded(ctx, "event"),
        "forked_event": lambda ctx, row: not _excluded(ctx, "event"),
        "group": lambda ctx, row: not _excluded(ctx, "group") and row.get("group_id") is not None,
        "poll_options": lambda ctx, row: not _excluded(ctx, "poll_option"),
        "my_stance": lambda ctx, row: not _excluded(ctx, "stance") and ctx.user is not None,
        "tags": lambda ctx, row: not _excluded(ctx, "tag"),
        "user": lambda ctx, row: not _excluded(ctx, "user"),
        "author": lambda ctx, row: not _excluded(ctx, "user", "author"),
        "participant": lambda ctx, row: not _excluded(ctx, "user", "author"),
        "actor": lambda ctx, row: not _excluded(ctx, "user"),
        "inviter": lambda ctx, row: not _excluded(ctx, "user", "inviter"),
        "parent": lambda ctx, row: not _excluded(ctx, "parent"),
        "outcome": lambda ctx, row: not _excluded(ctx, "outcome"),
        "current_outcome": lambda ctx, row: not _excluded(ctx, "outcome"),
        "outcomes": lambda ctx, row: not _excluded(ctx, "outcome"),
        "current_user_membership": lambda ctx, row: not _excluded(ctx, "membership"),
    }
    return rules.get(name, lambda ctx, row: True)


def has_one(
    name: str,
    serializer: str,
    root: str,
    *,
    model: str,
    key: str | None = None,
    get: Callable[[Ctx, Row], Any] | None = None,
    include: Callable[[Ctx, Row], bool] | None = None,
) -> Assoc:
    json_key = key or f"{name}_id"
    return Assoc(
        name,
        json_key,
        "one",
        serializer,
        root,
        model,
        get or (lambda ctx, row: row.get(json_key)),
        include or default_include(name),
    )


def has_many(
    name: str,
    serializer: str,
    root: str,
    *,
    model: str,
    get: Callable[[Ctx, Row], Any],
    key: str | None = None,
    include: Callable[[Ctx, Row], bool] | None = None,
) -> Assoc:
    singular = name[:-1] if name.endswith("s") else name
    return Assoc(
        name,
        key or f"{singular}_ids",
        "many",
        serializer,
        root,
        model,
        get,
        include or default_include(name),
    )


def polymorphic(
    name: str,
    *,
    get: Callable[[Ctx, Row], tuple[str, int] | None],
    key: str | None = None,
    include: Callable[[Ctx, Row], bool] | None = None,
) -> Assoc:
    return Assoc(name, key or name, "poly", None, None, None, get, include or default_include(name))


# ---------------------------------------------------------------- loading


def load(ctx: Ctx, class_name: str, ident: Any) -> Row | None:
    """The record of class_name with this id (or the row itself), cached for the request."""
    if ident is None:
        return None
    if isinstance(ident, dict):
        ctx.cache[(class_name, ident["id"])] = ident
        return ident
    cache_key = (class_name, ident)
    if cache_key not in ctx.cache:
        model = MODELS[class_name]
        ctx.cache[cache_key] = db.one(
            ctx.conn, f"SELECT * FROM {model.table} WHERE id = %s", (ident,)
        )
    return ctx.cache[cache_key]


def preload(ctx: Ctx, class_name: str, ids: Iterable[Any]) -> None:
    """Batch-load records into the request cache (Loomio's RecordCache, without its gaps)."""
    model = MODELS.get(class_name)
    if model is None:
        return
    wanted = {i for i in ids if i is not None and (class_name, i) not in ctx.cache}
    if not wanted:
        return
    rows = db.by_ids(ctx.conn, model.table, wanted)
    for i in wanted:
        ctx.cache[(class_name, i)] = rows.get(i)


def remember(ctx: Ctx, class_name: str, rows: Iterable[Row]) -> list[Row]:
    out = list(rows)
    for row in out:
        ctx.cache[(class_name, row["id"])] = row
    return out


# ---------------------------------------------------------------- values


def ts(value: datetime | date | None) -> str | None:
    """Rails' JSON time: UTC with milliseconds, "2025-06-01T10:15:00.000Z"; dates ISO."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        return value.isoformat()
    base = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = "" if F_NO_MILLIS.on else f".{value.microsecond // 1000:03d}"
    return f"{base}{millis}{'+00:00' if F_OFFSET.on else 'Z'}"


# ---------------------------------------------------------------- envelope


class Envelope:
    """One response's top-level hash being filled depth-first, as AMS 0.8 does."""

    def __init__(self, ctx: Ctx) -> None:
        self.ctx = ctx
        self.hash: dict[str, list[dict[str, Any]]] = {}
        self.seen: dict[str, dict[tuple[str, int], dict[str, Any]]] = {}

    def serialize(self, ser: Serializer, row: Row) -> dict[str, Any]:
        ctx = self.ctx
        data = ser.attributes(ctx, row)
        for assoc in ser.associations:
            if not assoc.include(ctx, row):
                continue
            if assoc.kind == "poly":
                ref = assoc.get(ctx, row)
                model = MODELS.get(ref[0]) if ref else None
                target = load(ctx, ref[0], ref[1]) if ref and model else None
                if target is None or model is None:
                    data[assoc.key] = None
                    continue
                data[assoc.key] = {"type": model.token, "id": target["id"]}
                self.merge(model.collection, model.serializer, model.class_name, [target])
            elif assoc.kind == "one":
                if assoc.model not in MODELS:
                    continue
                target = load(ctx, assoc.model, assoc.get(ctx, row))
                data[assoc.key] = target["id"] if target else None
                if F_AUTHOR_UNLOADED.on and ser.model == "Comment" and assoc.name == "author":
                    continue
                root = (
                    "events" if assoc.root == "parent_events" and F_PARENT_ROOT.on else assoc.root
                )
                self.merge(root, assoc.serializer, assoc.model, [target] if target else [])  # type: ignore[arg-type]
            else:
                if assoc.model not in MODELS:
                    data[assoc.key] = []
                    self.hash.setdefault(assoc.root, [])  # type: ignore[arg-type]
                    continue
                items = list(assoc.get(ctx, row) or [])
                if items and not isinstance(items[0], dict):
                    preload(ctx, assoc.model, items)  # type: ignore[arg-type]
                targets = [t for t in (load(ctx, assoc.model, i) for i in items) if t]  # type: ignore[arg-type]
                data[assoc.key] = [t["id"] for t in targets]
                self.merge(assoc.root, assoc.serializer, assoc.model, targets)  # type: ignore[arg-type]
        return data

    def merge(self, root: str, serializer: str, class_name: str, targets: list[Row]) -> None:
        collection = self.hash.setdefault(root, [])
        seen = self.seen.setdefault(root, {})
        ser = SERIALIZERS[serializer]
        for target in targets:
            marker = (class_name, target["id"])
            if marker in seen:
                if F_NO_DEDUP.on and seen[marker]:
                    collection.append(seen[marker])
                continue
            seen[marker] = {}  # marked before recursing, as AMS does (stops cycles)
            data = self.serialize(ser, target)
            seen[marker] = data
            collection.append(data)


def root_for(rows: list[Row], serializer: str) -> str:
    return MODELS[SERIALIZERS[serializer].model].collection


def render(
    ctx: Ctx,
    rows: list[Row],
    *,
    serializer: str,
    root: str | None = None,
    total: int | None = None,
    meta: bool = True,
) -> dict[str, Any]:
    """The envelope {root: [...], sideloads…, meta: {root, total}} for these primary rows."""
    ser = SERIALIZERS[serializer]
    root = root or MODELS[ser.model].collection
    env = Envelope(ctx)
    primary = [env.serialize(ser, row) for row in rows]
    if F_ID_STRING.on:
        for record in primary:
            record["id"] = str(record["id"])
    out: dict[str, Any] = env.hash
    out[root] = primary
    if F_EMPTY_DROPPED.on:
        out = {k: v for k, v in out.items() if v or k == root}
    if meta:
        if F_META_TOTAL.on and total is not None:
            total = len(rows)
        out["meta"] = {"total": total} if F_META_ROOT.on else {"root": root, "total": total}
    return out
