"""Keep secrets (passwords, cookies, tokens, Authorization) out of logs, errors and reports.

Every secret the harness creates or receives is registered here (`register_secret`);
anything quoted from a backend (log tails, headers, URLs) goes through `redact` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "[REDACTED]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-csrf-token"})
_SECRETS: set[str] = set()
# key=value / "key": "value" shapes that carry secrets in logs (Rails params, JSON bodies).
_PAIRS = re.compile(
    r"""(?ix)
    (["']?(?:password|password_confirmation|token|secret|api_key|_loomio|csrftoken|code)
    ["']?\s*[:=]\s*["']?)([^"'\s,&;}]+)"""
)
_AUTH = re.compile(r"(?i)((?:authorization|cookie|set-cookie)\s*[:=]\s*)([^\r\n]+)")


def register_secret(value: str) -> None:
    """Remember a secret so that `redact` masks it wherever it appears (4+ characters)."""
    if len(value) >= 4:
        _SECRETS.add(value)


def redact(text: str) -> str:
    """`text` with registered secrets, credential headers and password/token pairs masked."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _AUTH.sub(lambda m: m.group(1) + MASK, text)
    return _PAIRS.sub(lambda m: m.group(1) + MASK, text)


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
