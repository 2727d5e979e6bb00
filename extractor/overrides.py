"""spec/overrides.yaml: hand fixes merged into the generated document after extraction.

```yaml
overrides:
  - target: "#/components/schemas/Poll/properties/results"   # JSON Pointer; must exist
    set: {type: array, items: {type: object}}                  # replace the value
  - operation: sessions_create                                 # or address by operationId
    target: "responses/200/content/application~1json/schema"
    merge: {description: boot payload}                         # deep-merge into it
```
An override whose target matches nothing is reported, never applied silently.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from extractor.errors import Diagnostic, DiagnosticKind
from extractor.model import Loc


@dataclass(frozen=True, slots=True)
class Applied:
    """An override that matched: where it is written and the JSON Pointer it changed."""

    loc: Loc
    pointer: str  # "#/components/schemas/Poll/properties/results"

    def covers(self, pointer: str) -> bool:
        """It changed `pointer` itself, a part of it, or a whole that contains it."""
        return (
            pointer == self.pointer
            or pointer.startswith(self.pointer + "/")
            or self.pointer.startswith(pointer + "/")
        )


def apply_overrides(
    doc: dict[str, Any], overrides: Any, path: str
) -> tuple[dict[str, Any], list[Diagnostic], list[Applied]]:
    """Apply every override; returns the new document, stale overrides, and those applied."""
    out = dict(doc)  # containers on an override's path are copied, the rest is shared
    stale: list[Diagnostic] = []
    entries = overrides.get("overrides", []) if isinstance(overrides, dict) else []
    applied: list[Applied] = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        where = Loc(path, index + 1)
        if (
            not isinstance(entry, dict)
            or "target" not in entry
            or not ({"set", "merge"} & entry.keys())
        ):
            stale.append(_stale(where, f"entry {index + 1} needs `target` and `set` or `merge`"))
            continue
        parts = _pointer(out, str(entry.get("operation") or ""), str(entry["target"]))
        parent, key = _locate(out, parts) if parts else (None, None)
        if parts is None or parent is None or key is None:
            stale.append(
                _stale(
                    where,
                    f"override {index + 1} (`{entry['target']}`) matches nothing; "
                    "delete it or fix its target",
                )
            )
            continue
        if "set" in entry:
            parent[key] = copy.deepcopy(entry["set"])
        else:
            parent[key] = _merge(parent[key], entry["merge"])
        applied.append(Applied(where, pointer_of(parts)))
    return out, stale, applied


def pointer_of(parts: list[str]) -> str:
    """["components", "schemas", "a/b"] -> "#/components/schemas/a~1b"."""
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _pointer(doc: dict[str, Any], operation: str, target: str) -> list[str] | None:
    parts = [
        p.replace("~1", "/").replace("~0", "~")
        for p in target.lstrip("#").strip("/").split("/")
        if p
    ]
    if not operation:
        return parts
    for path, item in doc.get("paths", {}).items():
        for verb, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation:
                return ["paths", path, verb, *parts]
    return None


def _locate(doc: Any, parts: list[str]) -> tuple[Any, Any]:
    """The container holding the pointer's target and its key; every container on the
    way is replaced by a copy, so the generated document itself is never changed."""
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            key: Any = part
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            key = int(part)
        else:
            return None, None
        child = node[key]
        if isinstance(child, (dict, list)):
            child = copy.copy(child)
            node[key] = child
        node = child
    last = parts[-1]
    if isinstance(node, dict) and last in node:
        return node, last
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        return node, int(last)
    return None, None


def _merge(base: Any, extra: Any) -> Any:
    if isinstance(base, dict) and isinstance(extra, dict):
        out = dict(base)
        for key, value in extra.items():
            out[key] = _merge(base.get(key), value) if key in base else copy.deepcopy(value)
        return out
    return copy.deepcopy(extra)


def _stale(loc: Loc, message: str) -> Diagnostic:
    return Diagnostic(loc=loc, kind=DiagnosticKind.OVERRIDE, message=message)
