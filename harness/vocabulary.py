"""What the comparison core knows about Loomio's answers: read from the spec, or hand-kept.

The spec the extractor writes already says most of it: each serializer's table
(`x-rails-table`), which fields are associations and the collection they point at
(`x-rails-association` root, `_id`/`_ids` and polymorphic alike), which envelope
collections hold which records (`parent_events` holds events), and which creates have a
show to read their record back. `Vocabulary.from_spec` reads those, so a user's own spec
drives the normalizer and conformance alike.

What the spec cannot say is hand-kept below, in this one place, each with its reason. The
normalizer falls back on names (`author_id` -> users, `my_stance_id` -> stances) only for
fields the spec does not describe (a key go sends that the spec lacks, a nested object).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# -- hand-kept: what the spec cannot say ----------------------------------------------

# Reference fields without the `_id` suffix: the serializers send the discarding user's id
# as the attribute `discarded_by` (a method, not an association: the spec types it integer).
BARE_REFS: Mapping[str, str] = {"discarded_by": "users"}
# Nested objects whose `id` is a record id: poll results rows are computed hashes (untyped
# in the spec) whose `id` is the poll option's (polls.md 3).
NESTED_ID_TYPES: Mapping[str, str] = {"results": "poll_options"}
# Computed hashes keyed by ids as strings ({"301": 1}): the spec types them as free maps.
KEYED_BY_ID: Mapping[str, str] = {"option_scores": "poll_options", "voter_scores": "users"}
# `<role>_id` names that point at users, for fields the spec does not describe (the
# serializers' AuthorSerializer roles; api-envelope.md 2).
USER_ROLES = frozenset(
    {
        *("author", "actor", "participant", "inviter", "closer", "responder", "requestor"),
        *("creator", "revoker", "voter", "guest", "member_admin", "stance_admin"),
        *("current_user", "discussion_reader_user", "reader"),
    }
)
NOT_REFS = frozenset({"sequence_id"})  # per-discussion counters, part of the contract
NOT_KEYS = frozenset({"position_key"})  # thread position, part of the contract
# events/timeline answers a bare array of rows, one per event (threading.md section 5.4):
# the spec types a row as an array, without names for its cells.
TIMELINE_COLUMNS = (
    "position_key",
    "sequence_id",
    "created_at",
    "user_id",
    "depth",
    "descendant_count",
)

BUNDLED_SPEC = Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"
_ACTION = re.compile(r"#create$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Vocabulary:
    """What a spec says about the records of the answers it documents."""

    # envelope collection -> record type, where they differ (`parent_events` -> events)
    collection_types: Mapping[str, str] = field(default_factory=dict)
    # (record type, field) -> record type it points at: (discussions, closer_id) -> users
    references: Mapping[tuple[str, str], str] = field(default_factory=dict)
    record_types: tuple[str, ...] = ()
    # create operationId -> the collection its show reads back (discussions_create -> ...)
    creates: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Vocabulary:
        """Read the extractor's annotations (x-rails-table, x-rails-association) and paths."""
        schemas = (spec.get("components") or {}).get("schemas") or {}
        tables = {name: s.get("x-rails-table") for name, s in schemas.items()}
        collections = _collection_types(schemas, tables)
        return cls(
            collection_types=collections,
            references=_references(schemas, collections),
            record_types=tuple(sorted({t for t in tables.values() if t})),
            creates=_creates(spec.get("paths") or {}),
        )


def _collection_types(
    schemas: Mapping[str, Any], tables: Mapping[str, str | None]
) -> dict[str, str]:
    """Envelope keys whose items are records of another name's table."""
    found: dict[str, str] = {}
    for schema in schemas.values():
        for key, prop in (schema.get("properties") or {}).items():
            ref = (prop.get("items") or {}).get("$ref", "") if isinstance(prop, dict) else ""
            table = tables.get(ref.rsplit("/", 1)[-1]) if ref else None
            if table and table != key:
                found[key] = table
    return found


def _references(
    schemas: Mapping[str, Any], collections: Mapping[str, str]
) -> dict[tuple[str, str], str]:
    """(table, field) -> the record type of each `_id`/`_ids` association the spec names."""
    found: dict[tuple[str, str], str] = {}
    for schema in schemas.values():
        table = schema.get("x-rails-table")
        for key, prop in (schema.get("properties") or {}).items():
            link = prop.get("x-rails-association") if isinstance(prop, dict) else None
            root = link.get("root") if isinstance(link, dict) else None
            if table and isinstance(root, str) and key.endswith(("_id", "_ids")):
                found[(table, key)] = collections.get(root, root)
    return found


def _creates(paths: Mapping[str, Any]) -> dict[str, str]:
    """Creates (`<controller>#create` on /x) whose collection has a show (GET /x/{id})."""
    found: dict[str, str] = {}
    for path, item in paths.items():
        post = item.get("post") if isinstance(item, dict) else None
        if not isinstance(post, dict) or not _ACTION.search(str(post.get("x-rails-action", ""))):
            continue
        show = paths.get(f"{path}/{{id}}") or {}
        if isinstance(show, dict) and "get" in show and "operationId" in post:
            found[str(post["operationId"])] = path.rstrip("/").rsplit("/", 1)[-1]
    return found


@functools.cache
def bundled() -> Vocabulary:
    """The vocabulary of the bundled spec (spec/openapi.yaml): the default when a caller
    has no spec of its own (the tool's unit tests, scripts)."""
    from harness.spec import load_spec

    return Vocabulary.from_spec(load_spec(BUNDLED_SPEC))
