"""What the suites did with each request parameter: sent, how many values, whether a value
changed the answer. Recorded per request (hot path), judged against the spec by
harness.report.parameter_coverage.

A request's parameters are its query parameters (`in: query`) and its JSON body's fields:
the top-level keys, and one level down for Rails' wrapper (`discussion.title`). Values are
kept as digests only, never as text: a body may hold a password.

**A value changed the answer** (the definition the report uses) when one of these holds:

- *reads* (GET, HEAD, OPTIONS): two requests of one backend to the same method and concrete
  path, by the same actor, with no successful write sent to that backend between them (the
  data they read is the same), differ in exactly this parameter (a value, or present against
  absent) and got different answers (status or body text). E.g. `order_desc=true` against no
  `order_desc` on a thread with two events; `per=1` against `per=30` on a longer one.
- *writes*: two requests of one backend to the same method and path by the same actor
  differ in exactly this parameter and got different statuses; or, for a body field, the 2xx
  answer holds the value sent (an object with that field name and that value, a scalar or a
  non-empty list of scalars such as `tags`: the value reached the record); or, for a query
  parameter, two 2xx answers of one backend to the same method and path shape by the same
  actor (by name: `admin` of any example), whose query parameters differ in exactly this
  one, have different sets of top-level keys (e.g. `exclude_types=user` on a comment's
  create drops the `users` sideload; the bodies, which write different records, may differ).

Anything else that changes between two reads (a GET that writes, a worker of another
process writing to the same records) can make a parameter look effective; it cannot make
one look ineffective.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from harness.http import ApiRequest, ApiResponse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
VALUE_CAP = 50  # distinct values kept per parameter: "50+" beyond
RECENT = 24  # requests remembered per (backend, method, path, actor) for the comparison
ABSENT = "-"  # the digest of "not sent"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")

ParameterKey = tuple[str, str, str, str, str, str]  # backend, method, path, operation, in, name


@dataclass(slots=True)
class ParameterUse:
    """One parameter of one operation on one backend: how often sent, the digests of its
    distinct values (at most VALUE_CAP), whether a value changed an answer."""

    sent: int = 0
    values: set[str] = field(default_factory=set)
    changed: bool = False

    def add(self, other: ParameterUse) -> None:
        self.sent += other.sent
        self.values |= set(sorted(other.values - self.values)[: VALUE_CAP - len(self.values)])
        self.changed = self.changed or other.changed


def digest(value: Any) -> str:
    """A short digest of a JSON value (never the value: it may be a secret)."""
    text = json.dumps(value, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def path_shape(path: str) -> str:
    """The path without its query, each id or key segment as `{}`: `/api/v1/discussions/{}`
    (digits only, or 6 characters or more with a digit or a capital letter: Loomio's keys
    are 8; its action names have neither)."""
    parts = path.split("?", 1)[0].split("/")
    return "/".join("{}" if _names_a_record(p) else p for p in parts)


def _names_a_record(segment: str) -> bool:
    if segment.isdigit():
        return True
    return len(segment) >= 6 and any(c.isdigit() or c.isupper() for c in segment)


def sent_parameters(request: ApiRequest) -> dict[tuple[str, str], Any]:
    """(in, name) -> value of every parameter a request sends; a body's wrapper object
    counts as sent too (`discussion`), next to its fields (`discussion.title`). Names that
    are not identifiers (a fuzzer's made-up keys) are left out: no Rails parameter has one."""
    found: dict[tuple[str, str], Any] = {}
    for name, value in request.params:
        key = ("query", name.removesuffix("[]"))
        if _IDENTIFIER.fullmatch(key[1]):
            found[key] = [*found[key], value] if key in found else value
    if isinstance(request.json, dict):
        for name, value in request.json.items():
            if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
                continue
            found[("body", name)] = value
            if isinstance(value, dict):
                for sub, inner in value.items():
                    if isinstance(sub, str) and _IDENTIFIER.fullmatch(sub):
                        found[("body", f"{name}.{sub}")] = inner
    return found


def _leaves(sent: dict[tuple[str, str], Any]) -> dict[tuple[str, str], str]:
    """The digests of the parameters compared between requests: a wrapper whose fields are
    listed is left out (its fields differ instead)."""
    parents = {(where, n.split(".", 1)[0]) for where, n in sent if "." in n}
    return {k: digest(v) for k, v in sent.items() if k not in parents}


def _echoable(value: Any) -> bool:
    """A value whose echo in an answer shows it reached the record: a scalar, or a non-empty
    list of scalars (`tags`); an empty list or an object is too likely a default."""
    if isinstance(value, list):
        return bool(value) and all(isinstance(v, str | int | float | bool) for v in value)
    return isinstance(value, str | int | float | bool)


def _holds(body: Any, name: str, value: Any) -> bool:
    """Whether an answer has an object whose field `name` is `value` (of the same type)."""
    if isinstance(body, dict):
        if name in body and body[name] == value and type(body[name]) is type(value):
            return True
        return any(_holds(v, name, value) for v in body.values() if isinstance(v, dict | list))
    if isinstance(body, list):
        return any(_holds(v, name, value) for v in body if isinstance(v, dict | list))
    return False


@dataclass(slots=True)
class _Seen:
    leaves: dict[tuple[str, str], str]
    answer: str


def actor_name(actor: str | None) -> str:
    """An actor across a run's scopes: `admin` for `admin#3f2a1c` (suites key each scope's
    actors `name#tag`), so writes of one role in different examples are compared."""
    return str(actor).split("#", 1)[0]


def _only_difference(
    one: dict[tuple[str, str], str], other: dict[tuple[str, str], str]
) -> tuple[str, str] | None:
    """The one parameter two requests' digests differ in (None: none or several)."""
    differ = {k for k in one.keys() | other.keys() if one.get(k, ABSENT) != other.get(k, ABSENT)}
    return differ.pop() if len(differ) == 1 else None


@dataclass(slots=True)
class ParameterTracker:
    """Turns each exchange into parameter uses (see the module docstring for "changed")."""

    uses: dict[ParameterKey, ParameterUse] = field(default_factory=dict)
    epochs: dict[str, int] = field(default_factory=dict)  # backend -> successful writes
    recent: dict[tuple[str, ...], list[_Seen]] = field(default_factory=dict)
    # (backend, method, path shape, actor) -> 2xx writes: query digests, top-level keys
    shapes: dict[tuple[str, ...], list[_Seen]] = field(default_factory=dict)
    # the lockstep sends both sides at once, from two threads
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(
        self, backend: str, request: ApiRequest, response: ApiResponse, operation: str = ""
    ) -> None:
        with self._lock:
            self._record(backend, request, response, operation)

    def _record(
        self, backend: str, request: ApiRequest, response: ApiResponse, operation: str
    ) -> None:
        method = request.method.upper()
        shape = path_shape(request.path)
        sent = sent_parameters(request)
        changed = set(self._compared(backend, method, request, response, sent))
        for (where, name), value in sent.items():
            use = self.uses.setdefault(
                (backend, method, shape, operation, where, name), ParameterUse()
            )
            use.sent += 1
            if len(use.values) < VALUE_CAP:
                use.values.add(digest(value))
            if (where, name) in changed:
                use.changed = True
        if method not in SAFE_METHODS and 200 <= response.status < 300:
            self.epochs[backend] = self.epochs.get(backend, 0) + 1

    def _compared(
        self,
        backend: str,
        method: str,
        request: ApiRequest,
        response: ApiResponse,
        sent: dict[tuple[str, str], Any],
    ) -> Iterator[tuple[str, str]]:
        """The parameters of this request that changed an answer."""
        read = method in SAFE_METHODS
        epoch = str(self.epochs.get(backend, 0)) if read else "write"
        where = (backend, method, request.path, str(request.actor), epoch)
        answer = str(response.status)
        if read:  # a digest: 24 answers are kept per place, bodies can be large
            answer += " " + hashlib.blake2b(response.text.encode(), digest_size=8).hexdigest()
        seen = _Seen(_leaves(sent), answer)
        earlier = self.recent.setdefault(where, [])
        for other in earlier:
            only = _only_difference(seen.leaves, other.leaves)
            if only is not None and other.answer != seen.answer:
                yield only
        earlier.append(seen)
        del earlier[:-RECENT]
        if len(self.recent) > 4096:  # reads of past epochs can never match again (writes
            # of many paths are let go too: a bound on memory over a long run)
            current = {b: str(n) for b, n in self.epochs.items()}
            self.recent = {k: v for k, v in self.recent.items() if k[4] == current.get(k[0], "0")}
        if not read and 200 <= response.status < 300 and isinstance(response.body, dict | list):
            for (place, name), value in sent.items():
                field_name = name.split(".")[-1]
                if (
                    place == "body"
                    and _echoable(value)
                    and _holds(response.body, field_name, value)
                ):
                    yield (place, name)
            if isinstance(response.body, dict):
                yield from self._shape_changed(backend, method, request, response.body, seen)

    def _shape_changed(
        self, backend: str, method: str, request: ApiRequest, body: dict[str, Any], seen: _Seen
    ) -> Iterator[tuple[str, str]]:
        """The query parameter a 2xx write differs in from an earlier one of the same shape
        whose answer had other top-level keys."""
        query = {k: v for k, v in seen.leaves.items() if k[0] == "query"}
        keys = " ".join(sorted(body))
        place = (backend, method, path_shape(request.path), actor_name(request.actor))
        earlier = self.shapes.setdefault(place, [])
        for other in earlier:
            only = _only_difference(query, other.leaves)
            if only is not None and other.answer != keys:
                yield only
        earlier.append(_Seen(query, keys))
        del earlier[:-RECENT]
