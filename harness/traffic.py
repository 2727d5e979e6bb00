"""Recorded traffic: HAR files written from a run and read back, nginx access logs read.

`HarRecorder` is a `BackendClient` observer: every request the rails side of a run is sent
becomes a HAR 1.2 entry carrying what it takes to send it again elsewhere (the actor's
HTTP Basic credentials or session cookie, the JSON body) and the run's label of the
operation (`_parity.label`). A HAR holds those credentials on purpose, as a browser's
does: it is an input of `parity replay` and the shadow bench, never a report; keep it with
the seeded test accounts it names.

`read_traffic(path)` reads a HAR (`.har`) or an nginx access log in the default
`combined` format (anything else). A log line carries no body and no credentials, so only
its GET and HEAD requests are replayed, as a visitor; the others are counted as skipped.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from harness.client import BackendClient
from harness.errors import HarnessError
from harness.http import ApiRequest, ApiResponse

# Hop-by-hop and per-connection headers: never copied from a recording or between servers.
HOP_HEADERS = frozenset(
    {
        *("connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te"),
        *("trailer", "transfer-encoding", "upgrade", "host", "content-length"),
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedRequest:
    """One request to send again: method, path with query, headers, raw body, its label."""

    method: str
    target: str  # "/api/v1/events?discussion_id=3"
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    label: str = ""  # the operation, when the recording knows it

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> tuple[tuple[str, str], ...]:
        """The query parameters, decoded, in order."""
        _, _, query = self.target.partition("?")
        return tuple(parse_qsl(query, keep_blank_values=True))


@dataclass(frozen=True, slots=True, kw_only=True)
class Traffic:
    """What a recording holds: the requests to replay and what could not be replayed."""

    requests: tuple[RecordedRequest, ...]
    skipped: int = 0
    why_skipped: str = ""


class TrafficError(HarnessError):
    """A recording that cannot be read."""


@dataclass(slots=True)
class HarRecorder:
    """Observer of one client: each answer becomes a HAR entry (`write` saves the file)."""

    client: BackendClient
    entries: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, backend: str, request: ApiRequest, response: ApiResponse) -> None:
        entry = har_entry(
            self.client.base_url, request, response, self.client.identity_headers(request.actor)
        )
        with self._lock:
            self.entries.append(entry)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            document = {
                "log": {
                    "version": "1.2",
                    "creator": {"name": "loomio-parity", "version": "0.1.0"},
                    "entries": list(self.entries),
                }
            }
        path.write_text(json.dumps(document), encoding="utf-8")


def har_entry(
    base_url: str, request: ApiRequest, response: ApiResponse, identity: dict[str, str]
) -> dict[str, Any]:
    """One HAR 1.2 entry of a request sent as its actor (identity: auth headers to repeat)."""
    query = f"?{urlencode(list(request.params))}" if request.params else ""
    headers = {"Accept": "application/json", **identity}
    entry_request: dict[str, Any] = {
        "method": request.method,
        "url": f"{base_url}{request.path}{query}",
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": k, "value": v} for k, v in headers.items()],
        "queryString": [{"name": k, "value": v} for k, v in request.params],
        "cookies": [],
        "headersSize": -1,
        "bodySize": -1,
    }
    if request.json is not None:
        text = json.dumps(request.json)
        entry_request["headers"].append({"name": "Content-Type", "value": "application/json"})
        entry_request["postData"] = {"mimeType": "application/json", "text": text}
    return {
        "startedDateTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "time": response.elapsed_ms,
        "request": entry_request,
        "response": {
            "status": response.status,
            "statusText": "",
            "httpVersion": "HTTP/1.1",
            "headers": [{"name": k, "value": v} for k, v in response.headers],
            "cookies": [],
            "content": {"size": len(response.text), "mimeType": "application/json", "text": ""},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": response.elapsed_ms, "receive": 0},
        "_parity": {"label": request.label},
    }


def read_traffic(path: Path) -> Traffic:
    """The requests of a HAR file or an nginx access log."""
    if not path.is_file():
        raise TrafficError(f"{path}: no such file. Give a .har file or an nginx access log.")
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".har" or text.lstrip().startswith("{"):
        return Traffic(requests=tuple(read_har(path, text)))
    return read_nginx_log(path, text)


def read_har(path: Path, text: str) -> list[RecordedRequest]:
    """HAR entries as requests; a malformed entry is an error naming it."""
    try:
        entries = json.loads(text)["log"]["entries"]
    except (ValueError, KeyError, TypeError) as exc:
        raise TrafficError(f"{path}: not a HAR file ({exc}); export one as HAR 1.2.") from None
    found = []
    for number, entry in enumerate(entries, start=1):
        try:
            found.append(_from_entry(entry))
        except (KeyError, TypeError, ValueError) as exc:
            raise TrafficError(
                f"{path}: entry {number}: {exc!r} missing or malformed; "
                "each entry needs request.method and request.url"
            ) from None
    return found


def _from_entry(entry: dict[str, Any]) -> RecordedRequest:
    request = entry["request"]
    url = urlsplit(request["url"])
    target = url.path + (f"?{url.query}" if url.query else "")
    headers = tuple(
        (str(h["name"]), str(h["value"]))
        for h in request.get("headers", ())
        if str(h["name"]).lower() not in HOP_HEADERS and not str(h["name"]).startswith(":")
    )
    body = (request.get("postData") or {}).get("text") or ""
    label = str((entry.get("_parity") or {}).get("label") or "")
    return RecordedRequest(
        method=str(request["method"]).upper(),
        target=target,
        headers=headers,
        body=body.encode(),
        label=label,
    )


# `$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent ...`
_COMBINED = re.compile(r'^\S+ \S+ \S+ \[[^\]]+\] "(?P<method>[A-Z]+) (?P<target>\S+) [^"]*" \d+')


def read_nginx_log(path: Path, text: str) -> Traffic:
    """GET/HEAD requests of an nginx `combined` log; other lines' methods are skipped."""
    requests, skipped = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _COMBINED.match(line)
        if match is None:
            raise TrafficError(
                f"{path}:{number}: not an nginx `combined` log line; give a HAR file or "
                "a log in nginx's default format"
            )
        if match["method"] in {"GET", "HEAD"}:
            requests.append(RecordedRequest(method=match["method"], target=match["target"]))
        else:
            skipped += 1
    why = "a log line has no body and no credentials: only GET and HEAD are replayed"
    return Traffic(requests=tuple(requests), skipped=skipped, why_skipped=why if skipped else "")
