"""The routing manifest: which backend serves each operation of the spec during a partial port.

The rewrite reaches production endpoint by endpoint behind nginx (loomio/rollout.md). A
manifest says, per operation, whether Rails or Go answers it, or which share goes to Go:

```yaml
# parity-routes.yaml
default: rails                    # every operation no rule names
routes:
  groups_show: go                 # an operationId
  GET /api/v1/discussions: go     # METHOD and a path prefix, like an nginx `location`
  /api/v1/events: go              # a path prefix, any method
  = /api/v1/profile/me: go        # an exact path (`location =`)
  POST /api/v1/comments: go 25%   # a quarter of the requests to Go, the rest to Rails
```

An operation takes the first of: its operationId's rule; an exact-path rule; the longest
matching prefix rule (a rule naming the method beats one that does not, at equal length);
`default`. Prefixes match the spec's path templates (`/api/v1/groups/` matches
`/api/v1/groups/{id}`) and, in the router, request paths alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from harness.errors import HarnessError

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
_TARGET = re.compile(r"^(rails|go)(?:\s+(\d{1,3})\s*%)?$")


class ManifestError(HarnessError):
    """A routing manifest that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True, slots=True, order=True)
class Target:
    """Where requests go: `go_percent` of them to Go, the rest to Rails."""

    go_percent: int

    @property
    def label(self) -> str:
        if self.go_percent in (0, 100):
            return "go" if self.go_percent else "rails"
        return f"go {self.go_percent}%"

    @property
    def ported(self) -> bool:
        """Go answers at least some requests of the operation."""
        return self.go_percent > 0


RAILS, GO = Target(0), Target(100)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """One manifest entry: what it matches and where it sends it."""

    key: str  # as written in the file
    target: Target
    operation_id: str = ""
    method: str = ""  # "" = any method
    path: str = ""
    exact: bool = False

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method != method:
            return False
        return path == self.path if self.exact else path.startswith(self.path)


@dataclass(frozen=True, slots=True)
class Manifest:
    """The routing of one partial port; `source` names the file for messages."""

    rules: tuple[Rule, ...]
    default: Target = RAILS
    source: str = "<manifest>"

    def target(self, method: str, path: str, operation_id: str = "") -> Target:
        """Where a request (or an operation, given its path template) is sent."""
        for rule in self.rules:
            if operation_id and rule.operation_id == operation_id:
                return rule.target
        method = method.upper()
        candidates = [r for r in self.rules if not r.operation_id and r.matches(method, path)]
        if not candidates:
            return self.default
        exact = [r for r in candidates if r.exact]
        best = max(exact or candidates, key=lambda r: (len(r.path), bool(r.method)))
        return best.target


def parse_rule(key: str, value: Any, where: str) -> Rule:
    """A rule from its YAML entry (`"GET /api/v1/x": go 25%`)."""
    target = parse_target(value, f"{where}: {key!r}")
    words = str(key).split()
    exact = bool(words) and words[0] == "="
    words = words[1:] if exact else words
    method = words[0].upper() if len(words) == 2 and words[0].upper() in HTTP_METHODS else ""
    path = words[-1] if words else ""
    if len(words) > 2 or (len(words) == 2 and not method):
        raise ManifestError(
            f"{where}: cannot read the route {key!r}: write an operationId, `/path/prefix`, "
            "`METHOD /path/prefix` or `= /exact/path`."
        )
    if not path.startswith("/"):
        if exact or method:
            raise ManifestError(f"{where}: {key!r}: a path starts with '/'.")
        return Rule(key=str(key), target=target, operation_id=path)
    return Rule(key=str(key), target=target, method=method, path=path, exact=exact)


def parse_target(value: Any, where: str) -> Target:
    """`rails`, `go` or `go N%` (0 <= N <= 100)."""
    match = _TARGET.match(str(value).strip().lower())
    if not match or (match[2] and match[1] != "go"):
        raise ManifestError(f"{where}: the backend {value!r} is not one of rails, go, 'go N%'.")
    percent = 100 if match[1] == "go" else 0
    if match[2]:
        percent = int(match[2])
        if percent > 100:
            raise ManifestError(f"{where}: {value!r}: a share is at most 100%.")
    return Target(percent)


def manifest_from_mapping(data: Any, source: str) -> Manifest:
    """A manifest from its parsed YAML; errors name `source` and the entry."""
    if data is None:
        data = {}
    if not isinstance(data, Mapping) or set(data) - {"default", "routes"}:
        raise ManifestError(
            f"{source}: a routing manifest is a mapping with `default` and `routes` "
            "(see harness/routing/manifest.py for the format)."
        )
    routes = data.get("routes") or {}
    if not isinstance(routes, Mapping):
        raise ManifestError(f"{source}: `routes` maps a route to rails, go or 'go N%'.")
    default = parse_target(data.get("default", "rails"), f"{source}: default")
    rules = tuple(parse_rule(k, v, source) for k, v in routes.items())
    return Manifest(rules=rules, default=default, source=source)


def load_manifest(path: Path) -> Manifest:
    """Read a manifest file; a missing or malformed file is a ManifestError naming it."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise ManifestError(
            f"cannot read the routing manifest {path}: {exc.strerror}. Write one with "
            "`parity routes --discover` or `parity routes --from-nginx`."
        ) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ManifestError(f"{path}{line}: not YAML: {exc}") from None
    return manifest_from_mapping(data, str(path))


def dump_manifest(targets: Mapping[str, Target], header: Iterable[str] = ()) -> str:
    """A reviewable manifest naming every operation by operationId, ported ones first."""
    lines = [f"# {line}" if line else "#" for line in header]
    lines.append("default: rails")
    lines.append("routes:")
    ordered = sorted(targets.items(), key=lambda kv: (-kv[1].go_percent, kv[0]))
    lines.extend(f"  {op}: {target.label}" for op, target in ordered)
    return "\n".join(lines) + "\n"


class Operation(Protocol):
    """An operation of the spec (harness.report.coverage.DeclaredOperation)."""

    @property
    def method(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def operation_id(self) -> str: ...


def targets_of(manifest: Manifest, operations: Iterable[Operation]) -> dict[str, Target]:
    """{operationId: target} of every operation under `manifest`."""
    return {o.operation_id: manifest.target(o.method, o.path, o.operation_id) for o in operations}


def subset_operations(
    ported: Path | None, mode: str, spec: Mapping[str, Any]
) -> frozenset[tuple[str, str, str]] | None:
    """A subset run's ported operations as (operationId, METHOD, path template); None when
    every operation is compared (no manifest, or a mixed stack, which serves them all)."""
    if ported is None or mode != "subset":
        return None
    manifest = load_manifest(ported)
    return frozenset(
        (str(op.get("operationId") or f"{method.upper()} {path}"), method.upper(), path)
        for path, item in (spec.get("paths") or {}).items()
        if isinstance(item, Mapping)
        for method, op in item.items()
        if method.upper() in HTTP_METHODS and isinstance(op, Mapping)
        if manifest.target(method, path, str(op.get("operationId") or "")).ported
    )
