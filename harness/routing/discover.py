"""Which operations a backend serves, found by asking it: one unauthenticated probe each.

A route the server does not have answers 405 or 501, or a 404 exactly like the one it gives
for a path nothing could route (the "unrouted fingerprint", learned per method from a path
made up for the purpose). Any other answer — 401, 403, 422, 200, a 404 shaped differently
(a record that is not found) — means the route exists. Probes carry no credentials and an
empty JSON body, so a write is refused before it does anything on any sane server.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from harness.report.coverage import DeclaredOperation
from harness.routing.manifest import GO, RAILS, Target

NOT_ROUTED_STATUSES = frozenset({405, 501})
Probe = Callable[[str, str], tuple[int, str]]  # (method, path) -> (status, body text)


@dataclass(frozen=True, slots=True)
class Discovery:
    """What one probe found: the operation, its answer, and the verdict."""

    operation: DeclaredOperation
    status: int
    ported: bool
    why: str


def sample_path(template: str, value: str = "1") -> str:
    """A concrete path for a template: every `{param}` becomes `value`."""
    return re.sub(r"\{[^}/]+\}", value, template)


def fingerprint(status: int, body: str, path: str) -> tuple[int, str]:
    """An answer with the probed path taken out (servers echo it in their 404s)."""
    return status, body.replace(path, "<path>").strip()


def discover(operations: Iterable[DeclaredOperation], probe: Probe) -> list[Discovery]:
    """Probe each operation once; learn the unrouted answer once per method."""
    unrouted: dict[str, tuple[int, str]] = {}
    found = []
    for operation in operations:
        method = operation.method
        if method not in unrouted:
            nowhere = f"/parity-unrouted-{secrets.token_hex(6)}/{secrets.token_hex(4)}"
            unrouted[method] = fingerprint(*probe(method, nowhere), nowhere)
        path = sample_path(operation.path)
        status, body = probe(method, path)
        found.append(_verdict(operation, status, fingerprint(status, body, path), unrouted[method]))
    return found


def _verdict(
    operation: DeclaredOperation, status: int, answer: tuple[int, str], unrouted: tuple[int, str]
) -> Discovery:
    if status in NOT_ROUTED_STATUSES:
        return Discovery(operation, status, False, f"{status}: the route is not served")
    if answer == unrouted:
        return Discovery(operation, status, False, f"{status} like a path nothing routes")
    return Discovery(operation, status, True, f"{status}: the route answers")


def discovered_targets(found: Iterable[Discovery]) -> Mapping[str, Target]:
    """{operationId: go or rails} for a manifest."""
    return {d.operation.operation_id: GO if d.ported else RAILS for d in found}
