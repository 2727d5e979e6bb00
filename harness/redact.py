"""Keep secrets (passwords, cookies, tokens, Authorization) out of logs, errors and reports.

The one redaction module of the project. Every secret the harness creates or receives is
registered here (`register_secret`); anything quoted from a backend or written to a report
(log tails, headers, URLs, JSON bodies, repro scripts, findings) goes through `redact` or
`redact_value` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "[REDACTED]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-csrf-token"})
_SECRETS: set[str] = set()

_SECRET_NAME = r"[a-z_]*(?:password|passwd|secret|token|api_?key)[a-z_]*|code"
_SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|api_?key|cookie|authorization|csrf)")
# Header lines, up to the end of the value (a quote or a line break ends it, so a header
# quoted inside a curl command does not swallow the rest of the command).
_HEADER = re.compile(
    r"(?i)\b((?:set-cookie|cookie|authorization|x-csrf-token)\s*:\s*)([^'\"\r\n]+)"
)
_JSON_PAIR = re.compile(rf'(?i)("(?:{_SECRET_NAME})"\s*:\s*)("(?:[^"\\]|\\.)*"|\d+)')
_ESCAPED_JSON_PAIR = re.compile(  # the same inside a JSON string: \"password\": \"x\"
    rf'(?i)(\\"(?:{_SECRET_NAME})\\"\s*:\s*)(\\"(?:[^\\]|\\[^"])*?\\"|\d+)'
)
# query strings, form bodies and log lines: ?token=…, password=…
_PAIR = re.compile(rf"(?i)((?:^|[?&;\s,(])(?:{_SECRET_NAME})=)([^&\s'\",;)]+)")
_COOKIE_PAIR = re.compile(r"\b((?:_loomio|remember_user_token|csrftoken)=)([^;\s'\"]+)")
_BEARER = re.compile(r"\b((?:Bearer|Basic)\s+)([A-Za-z0-9._~+/=-]{8,})")
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s'\"]+:)([^@\s'\"]+)(@)")


def register_secret(value: str) -> None:
    """Remember a secret so that `redact` masks it wherever it appears (4+ characters)."""
    if len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` with registered secrets, credential headers, secret pairs and URL passwords masked."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: m[1] + MASK + m[3], text)
    text = _HEADER.sub(lambda m: m[1] + MASK, text)
    text = _JSON_PAIR.sub(lambda m: m[1] + f'"{MASK}"', text)
    text = _ESCAPED_JSON_PAIR.sub(lambda m: m[1] + f'\\"{MASK}\\"', text)
    text = _PAIR.sub(lambda m: m[1] + MASK, text)
    text = _COOKIE_PAIR.sub(lambda m: m[1] + MASK, text)
    return _BEARER.sub(lambda m: m[1] + MASK, text)


def is_secret_key(key: str) -> bool:
    """Whether a JSON key or parameter name holds a secret (`password`, `api_key`, `code` …)."""
    return key == "code" or bool(_SECRET_KEY.search(key))


def redact_value(value: Any) -> Any:
    """A JSON value with secret-named keys masked and every string redacted."""
    if isinstance(value, dict):
        return {
            k: MASK
            if is_secret_key(str(k)) and isinstance(v, str | int) and not isinstance(v, bool)
            else redact_value(v)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    return redact(value) if isinstance(value, str) else value


def redact_url(url: str) -> str:
    """A URL with its password masked: postgresql://u:[REDACTED]@host/db."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", f":{MASK}@")
    return urlunsplit(parts._replace(netloc=netloc))


def redact_headers(headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Headers with credential-bearing values (cookies, Authorization, CSRF token) masked."""
    return tuple((k, MASK if k.lower() in SECRET_HEADERS else v) for k, v in headers)
