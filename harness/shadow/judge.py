"""One mirrored request judged (pure): primary vs candidate, primary vs secondary.

Both comparisons are harness.compare's, on bodies normalized by harness.normalize with a
fresh id table per exchange (each request stands alone); each difference is kept as its
generalized JSON Pointer (harness.noise.generalize) and kind, the counters Diffy-style
analysis needs (harness.shadow.diffy). A few candidate differences keep their values,
redacted, as examples for the report.
"""

from __future__ import annotations

import gzip
import re
import zlib
from dataclasses import dataclass
from typing import Any

from harness.compare import Difference, compare
from harness.http import ApiResponse
from harness.noise import generalize
from harness.normalize import TIMELINE_COLUMNS, split_pointer
from harness.redact import MASK, is_secret_key, redact_value
from harness.report.coverage import OperationIndex

EXAMPLES = 3  # candidate differences kept with their values, per exchange
VALUE_LIMIT = 2000  # characters of a value kept in an example
ORDERED = frozenset({"events"})  # events order is contract (threading.md), as in the lockstep
BARE_ROWS = {"GET /api/v1/events/timeline": TIMELINE_COLUMNS}
# a numeric id, or a key: 6+ characters with a digit among them (`/discussions/aB3dE9fG`)
_ID_SEGMENT = re.compile(r"/(?:\d+|(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{6,})(?=/|$)")


@dataclass(frozen=True, slots=True, kw_only=True)
class Answer:
    """What one backend answered (or `error`: "timeout", "unreachable", "bad response")."""

    status: int
    ms: float
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    error: str = ""

    def response(self) -> ApiResponse:
        """As the comparison core takes it: decoded text and JSON body."""
        text = decoded(self.body, dict((k.lower(), v) for k, v in self.headers))
        return ApiResponse(
            status=self.status,
            headers=self.headers,
            body=ApiResponse.decode(text),
            text=text,
            elapsed_ms=self.ms,
        )


def decoded(body: bytes, headers: dict[str, str]) -> str:
    """A body as text, un-gzipped when the server compressed it."""
    encoding = headers.get("content-encoding", "").lower()
    try:
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
    except (OSError, zlib.error):
        return ""
    return body.decode("utf-8", errors="replace")


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """The record of one mirrored request, as stored (`to_json` / `from_json`)."""

    endpoint: str
    primary: tuple[int, float]  # status, ms
    candidate: tuple[int, float, str]  # status, ms, error ("" when it answered)
    secondary: tuple[int, float, str] | None
    diffs: tuple[tuple[str, str], ...]  # (pattern, kind) primary vs candidate, each once
    noise: tuple[tuple[str, str], ...]  # (pattern, kind) primary vs secondary, each once
    examples: tuple[dict[str, Any], ...] = ()
    at: float = 0.0
    instance: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "primary": list(self.primary),
            "candidate": list(self.candidate),
            "secondary": list(self.secondary) if self.secondary else None,
            "diffs": [list(d) for d in self.diffs],
            "noise": [list(d) for d in self.noise],
            "examples": list(self.examples),
            "at": self.at,
            "instance": self.instance,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Exchange:
        secondary = data.get("secondary")
        return cls(
            endpoint=str(data["endpoint"]),
            primary=(int(data["primary"][0]), float(data["primary"][1])),
            candidate=(
                int(data["candidate"][0]),
                float(data["candidate"][1]),
                data["candidate"][2],
            ),
            secondary=(int(secondary[0]), float(secondary[1]), str(secondary[2]))
            if secondary
            else None,
            diffs=tuple((str(p), str(k)) for p, k in data.get("diffs", ())),
            noise=tuple((str(p), str(k)) for p, k in data.get("noise", ())),
            examples=tuple(data.get("examples", ())),
            at=float(data.get("at", 0.0)),
            instance=str(data.get("instance", "")),
        )


def endpoint_of(method: str, path: str, index: OperationIndex | None, label: str = "") -> str:
    """`GET /api/v1/discussions/{id}`: the recording's label, else the spec's operation,
    else the path with numeric and key-like segments as `{id}`."""
    if label:
        return label
    found = index.find(method.upper(), path) if index else None
    if found is not None:
        return found.label
    return f"{method.upper()} {_ID_SEGMENT.sub('/{id}', path)}"


def judge(
    endpoint: str,
    primary: Answer,
    candidate: Answer,
    secondary: Answer | None,
    ignore: tuple[str, ...] = (),
    params: tuple[tuple[str, str], ...] = (),
) -> Exchange:
    """Compare the candidate's and the secondary's answers with the primary's; `params`, the
    request's query, names its sort key (the order of ties under it is not contract)."""
    reference = primary.response()
    found = [] if candidate.error else _compare(endpoint, reference, candidate, ignore, params)
    noise = (
        []
        if secondary is None or secondary.error
        else _compare(endpoint, reference, secondary, ignore, params)
    )
    return Exchange(
        endpoint=endpoint,
        primary=(primary.status, round(primary.ms, 3)),
        candidate=(candidate.status, round(candidate.ms, 3), candidate.error),
        secondary=(secondary.status, round(secondary.ms, 3), secondary.error)
        if secondary
        else None,
        diffs=_patterns(found),
        noise=_patterns(noise),
        examples=tuple(_example(d) for d in found[:EXAMPLES]),
    )


def _compare(
    endpoint: str,
    reference: ApiResponse,
    other: Answer,
    ignore: tuple[str, ...],
    params: tuple[tuple[str, str], ...],
) -> list[Difference]:
    columns = BARE_ROWS.get(endpoint, ())
    return compare(
        reference, other.response(), ignore, ordered=ORDERED, columns=columns, params=params
    )


def _patterns(found: list[Difference]) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({(generalize(d.pointer), str(d.kind)) for d in found}))


def _example(difference: Difference) -> dict[str, Any]:
    def cut(value: Any) -> Any:
        text = repr(value)
        return value if len(text) <= VALUE_LIMIT else text[:VALUE_LIMIT] + "…"

    segments = split_pointer(difference.pointer)
    if any(is_secret_key(s) for s in segments):  # a password differs: say so, never show it
        return {
            "pointer": difference.pointer,
            "kind": str(difference.kind),
            "rails": MASK,
            "go": MASK,
            "detail": difference.detail,
        }
    shown: dict[str, Any] = redact_value(
        {
            "pointer": difference.pointer,
            "kind": str(difference.kind),
            "rails": cut(difference.rails),
            "go": cut(difference.go),
            "detail": difference.detail,
        }
    )
    return shown
