"""The request/response values every suite passes around (no I/O here).

`ApiRequest` is what a suite asks for, independent of which backend answers it;
`ApiResponse` is what came back. The only network call is `Backend.send()`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

JsonValue = Any  # a decoded JSON document


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRequest:
    """One API call: ApiRequest(method="GET", path="/api/v1/groups/7", actor="member")."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    json: JsonValue = None
    actor: str | None = None  # name of a seeded actor whose session is used; None = visitor
    label: str = ""  # the step or operation this request belongs to, for reports

    def describe(self) -> str:
        """`GET /api/v1/events?discussion_id=3` (no secrets: bodies are not included)."""
        query = "&".join(f"{k}={v}" for k, v in self.params)
        return f"{self.method} {self.path}{'?' + query if query else ''}"


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiResponse:
    """What a backend answered: status, selected headers, decoded body (or raw text)."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: JsonValue = None
    text: str = ""
    elapsed_ms: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_json(self) -> bool:
        return any(k.lower() == "content-type" and "json" in v.lower() for k, v in self.headers)

    @staticmethod
    def decode(text: str) -> JsonValue:
        """Parse a body as JSON; None when it is not JSON."""
        try:
            return json.loads(text) if text else None
        except ValueError:
            return None
