"""Routing facts from an nginx configuration: which upstream each spec operation reaches.

The configuration is parsed with crossplane (nginx's own grammar, includes followed); the
`location` choice follows ngx_http_core_find_location: an exact `=` match wins; else the
longest prefix, whose nested locations are searched the same way; a `^~` prefix stops
there; else the regex locations nested in the chosen prefix, then those of the enclosing
block, each list in order of appearance. Inside the chosen location, `if` blocks on
`$request_method`, `$uri` or `$request_uri` are evaluated; `proxy_pass` names an upstream
directly or through a `split_clients` variable (a share to each upstream).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import crossplane

from harness.routing.manifest import GO, RAILS, ManifestError, Target

_IF_TEST = re.compile(r"^\$(request_method|uri|request_uri)\s*(=|!=|~\*|~|!~\*|!~)\s*(.+)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Location:
    modifier: str  # "", "=", "^~", "~", "~*"
    pattern: str
    block: tuple[Mapping[str, Any], ...]
    where: str  # file:line
    nested: tuple[Location, ...] = ()

    def matches(self, uri: str) -> bool:
        if self.modifier == "=":
            return uri == self.pattern
        if self.modifier in ("", "^~"):
            return uri.startswith(self.pattern)
        flags = re.IGNORECASE if self.modifier == "~*" else 0
        return re.search(_pcre(self.pattern), uri, flags) is not None

    @property
    def is_regex(self) -> bool:
        return self.modifier in ("~", "~*")


@dataclass(slots=True)
class NginxRouting:
    """The parsed server's locations and how to name its upstreams' backends."""

    locations: tuple[Location, ...]
    splits: dict[str, tuple[tuple[int, str], ...]]  # $var -> ((percent, upstream), ...)
    go_upstreams: frozenset[str]
    warnings: list[str] = field(default_factory=list)

    def target(self, method: str, uri: str) -> tuple[Target, str]:
        """(where a request goes, the location that decided it as file:line)."""
        location = find_location(self.locations, uri)
        if location is None:
            self.warnings.append(f"no location matches {method} {uri}: counted as rails")
            return RAILS, "-"
        upstream = self._proxy_pass(location.block, method, uri, location.where)
        if upstream is None:
            self.warnings.append(
                f"{location.where}: {method} {uri} reaches a location without proxy_pass: "
                "counted as rails"
            )
            return RAILS, location.where
        return self._target_of(upstream, location.where), location.where

    def _proxy_pass(
        self, block: Sequence[Mapping[str, Any]], method: str, uri: str, where: str
    ) -> str | None:
        """The upstream of a location: the last `if` that holds and proxies decides, else
        the location's own proxy_pass (nginx hands the request to the `if`'s location)."""
        own: str | None = None
        from_if: str | None = None
        for directive in block:
            name, args = directive["directive"], directive.get("args", [])
            if name == "proxy_pass" and args:
                own = args[0]
            elif name == "if" and self._if_holds(args, method, uri, _where(directive)):
                from_if = (
                    self._proxy_pass(directive.get("block", []), method, uri, where) or from_if
                )
        return from_if or own

    def _if_holds(self, args: Sequence[str], method: str, uri: str, where: str) -> bool:
        test = " ".join(args)
        match = _IF_TEST.match(test)
        if not match:
            self.warnings.append(f"{where}: cannot evaluate `if ({test})`: taken as false")
            return False
        variable, operator, operand = match.groups()
        value = method if variable == "request_method" else uri
        operand = operand.strip().strip("\"'")
        if operator in ("=", "!="):
            return (value == operand) == (operator == "=")
        flags = re.IGNORECASE if "*" in operator else 0
        found = re.search(_pcre(operand), value, flags) is not None
        return found != operator.startswith("!")

    def _target_of(self, proxy_pass: str, where: str) -> Target:
        host = re.sub(r"^[a-z]+://", "", proxy_pass).split("/", 1)[0]
        if host.startswith("$"):
            shares = self.splits.get(host)
            if shares is None:
                raise ManifestError(
                    f"{where}: proxy_pass {proxy_pass} names {host}, which no split_clients "
                    "block defines; import only configurations whose upstreams are literal "
                    "or split_clients variables."
                )
            go = sum(p for p, upstream in shares if self._is_go(upstream))
            return Target(go)
        return GO if self._is_go(host) else RAILS

    def _is_go(self, upstream: str) -> bool:
        return upstream.split(":", 1)[0] in self.go_upstreams


def find_location(locations: Sequence[Location], uri: str) -> Location | None:
    """The location nginx picks for `uri` among sibling `locations` (and their nested ones)."""
    return _find(locations, uri)[0]


def _find(locations: Sequence[Location], uri: str) -> tuple[Location | None, bool]:
    """ngx_http_core_find_location: (the location, whether the search is final)."""
    exact = next((loc for loc in locations if loc.modifier == "=" and loc.matches(uri)), None)
    if exact is not None:
        return exact, True
    prefixes = [loc for loc in locations if loc.modifier in ("", "^~") and loc.matches(uri)]
    chosen = max(prefixes, key=lambda loc: len(loc.pattern), default=None)
    noregex = chosen is not None and chosen.modifier == "^~"
    if chosen is not None and chosen.nested:
        inner, final = _find(chosen.nested, uri)
        if final:
            return inner, True
        chosen = inner or chosen
    if not noregex:
        for regex in (loc for loc in locations if loc.is_regex and loc.matches(uri)):
            inner, _ = _find(regex.nested, uri)
            return inner or regex, True
    return chosen, False


def load_nginx(path: Path, go_upstreams: frozenset[str], server_name: str = "") -> NginxRouting:
    """Parse `path` (includes followed) into the locations of one server block."""
    payload = crossplane.parse(str(path), combine=True, catch_errors=True)
    errors = payload.get("errors") or [
        e for config in payload.get("config", []) for e in config.get("errors", [])
    ]
    if errors:
        first = errors[0]
        raise ManifestError(
            f"{first.get('file', path)}:{first.get('line', '?')}: nginx configuration "
            f"error: {first.get('error')}. Check it with `nginx -t`."
        )
    parsed = payload["config"][0]["parsed"] if payload.get("config") else []
    http = _blocks(parsed, "http") or [parsed]
    server = _pick_server([s for h in http for s in _blocks(h, "server")], server_name, path)
    splits = dict(_split_clients(d for h in http for d in h))
    return NginxRouting(
        locations=tuple(_locations(server)),
        splits=splits,
        go_upstreams=go_upstreams,
    )


def _blocks(block: Sequence[Mapping[str, Any]], name: str) -> list[list[Mapping[str, Any]]]:
    return [d.get("block", []) for d in block if d["directive"] == name]


def _pick_server(
    servers: list[list[Mapping[str, Any]]], server_name: str, path: Path
) -> list[Mapping[str, Any]]:
    if not servers:
        raise ManifestError(f"{path}: no server block: nothing routes requests.")
    if not server_name:
        if len(servers) > 1:
            raise ManifestError(
                f"{path}: {len(servers)} server blocks: name the one serving the API with "
                "--server-name."
            )
        return servers[0]
    for server in servers:
        names = {a for d in server if d["directive"] == "server_name" for a in d.get("args", [])}
        if server_name in names:
            return server
    raise ManifestError(f"{path}: no server block has server_name {server_name}.")


def _locations(block: Sequence[Mapping[str, Any]]) -> Iterator[Location]:
    for directive in block:
        if directive["directive"] != "location":
            continue
        args = directive.get("args", [])
        modifier, pattern = (args[0], args[1]) if len(args) == 2 else ("", args[0])
        inner = directive.get("block", [])
        yield Location(
            modifier=modifier,
            pattern=pattern,
            block=tuple(inner),
            where=_where(directive),
            nested=tuple(_locations(inner)),
        )


def _split_clients(directives: Iterator[Mapping[str, Any]]) -> Iterator[tuple[str, Any]]:
    for directive in directives:
        if directive["directive"] != "split_clients":
            continue
        variable = directive["args"][1]
        shares: list[tuple[int, str]] = []
        for entry in directive.get("block", []):
            share, upstream = entry["directive"], (entry.get("args") or [""])[0]
            percent = 100 - sum(p for p, _ in shares) if share == "*" else _percent(share)
            shares.append((percent, upstream))
        yield variable, tuple(shares)


def _percent(text: str) -> int:
    return round(float(text.rstrip("%")))


def _pcre(pattern: str) -> str:
    """PCRE as nginx writes it -> Python `re` (named groups `(?<n>` -> `(?P<n>`)."""
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", pattern.strip("\"'"))


def _where(directive: Mapping[str, Any]) -> str:
    return f"{directive.get('file', '?')}:{directive.get('line', '?')}"
