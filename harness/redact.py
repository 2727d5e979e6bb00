"""Keep secrets (passwords, cookies, tokens, Authorization) out of logs, errors and reports.

The one redaction module of the project. Every secret the harness creates or receives is
registered here (`register_secret`); anything quoted from a backend or written to a report
(log tails, headers, URLs, JSON bodies, repro scripts, findings) goes through `redact` or
`redact_value` first.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "[REDACTED]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie", "x-csrf-token"})
_SECRETS: set[str] = set()

_SECRET_NAME = r"[a-z_-]*(?:password|passwd|secret|token|api[_-]?key)[a-z_-]*|code"
_SECRET_KEY = re.compile(
    r"(?i)(password|passwd|secret|token|api[_-]?key|cookie|authorization|csrf)"
)
_HEADER_NAMES = r"set-cookie|cookie|authorization|proxy-authorization|x-csrf-token|x-api-key"
# Header lines, up to the end of the value (a quote or a line break ends it, so a header
# quoted inside a curl command does not swallow the rest of the command); also headers
# written as a JSON or Python mapping: "Authorization": "Token abc".
_HEADER = re.compile(rf"(?i)(?<![\w-])((?:{_HEADER_NAMES})['\"]?\s*:\s*['\"]?)([^'\"\r\n]+)")
# Environment-style settings: SECRET_KEY_BASE=…, STRIPE_KEY=…, SMTP_PASSWORD='a b'.
_ENV_NAME = r"[A-Z][A-Z0-9_]*_(?:KEY|SECRET|TOKEN|PASSWORD|PASSWD|PASS|PWD)(?:_[A-Z0-9_]+)?"
_ENV_PAIR = re.compile(rf"(?<![\w-])((?:{_ENV_NAME}|PGPASSWORD)=)('[^']*'|\"[^\"]*\"|[^\s'\";&]+)")
# keyword DSNs and option strings with a quoted value: password='a b'
_QUOTED_PAIR = re.compile(rf"(?i)((?:^|[?&;\s,(])(?:{_SECRET_NAME})=)('[^']*'|\"[^\"]*\")")
_JSON_PAIR = re.compile(rf'(?i)("(?:{_SECRET_NAME})"\s*:\s*)("(?:[^"\\]|\\.)*"|\d+)')
_ESCAPED_JSON_PAIR = re.compile(  # the same inside a JSON string: \"password\": \"x\"
    rf'(?i)(\\"(?:{_SECRET_NAME})\\"\s*:\s*)(\\"(?:[^\\]|\\[^"])*?\\"|\d+)'
)
# query strings, form bodies and log lines: ?token=…, password=…
_PAIR = re.compile(rf"(?i)((?:^|[?&;\s,(])(?:{_SECRET_NAME})=)([^&\s'\",;)]+)")
# command-line flags: --db-password x, --api-token=x
_FLAG = re.compile(
    r"(?i)(?<![\w-])(--?[a-z0-9_-]*(?:password|passwd|secret|token|api[_-]?key)[a-z0-9_-]*[ =])"
    r"('[^']*'|\"[^\"]*\"|[^\s'\"]+)"
)
_COOKIE_PAIR = re.compile(r"\b((?:_loomio|remember_user_token|csrftoken)=)([^;\s'\"]+)")
_BEARER = re.compile(r"\b((?:Bearer|Basic)\s+)([A-Za-z0-9._~+/=-]{8,})")
# scheme://user:password@ and scheme://:password@ (Redis URLs have no user)
_URL_PASSWORD = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^:/@\s'\"]*:)([^@\s'\"]+)(@)")


def register_secret(value: str) -> None:
    """Remember a secret so that `redact` masks it wherever it appears (4+ characters)."""
    if len(value) >= 4:
        _SECRETS.add(value)


def register_secrets_in(text: str) -> None:
    """Register every secret a user-supplied setting holds, as `redact` would find it: URL and
    keyword-DSN passwords, secret-named KEY=VALUE pairs and flags, credential header values
    (each cookie of a Cookie header); so that the bare value is masked too wherever it shows
    up later (a log, an error). A command line is also read word by word, unquoted."""
    patterns = (_URL_PASSWORD, _HEADER, _JSON_PAIR, _ENV_PAIR, _QUOTED_PAIR, _PAIR, _FLAG)
    for part in {text, *_words(text)}:
        for pattern in (*patterns, _COOKIE_PAIR, _BEARER):
            for match in pattern.finditer(part):
                value = match[2].strip().strip("'\"")
                register_secret(value)
                register_secret(value.rpartition(" ")[2])  # "Token abc": abc alone too
                for cookie in value.split(";"):  # "a=1; b=2": 1 and 2
                    register_secret(cookie.partition("=")[2].strip())


def _words(command: str) -> list[str]:
    try:
        return shlex.split(command)
    except ValueError:
        return []


def register_setting(key: str, value: str) -> None:
    """An environment setting given to a backend: its value is a secret when the name says
    so (SECRET_KEY_BASE, STRIPE_KEY, DB_PASSWORD, API_TOKEN …); any value may hold one."""
    if is_secret_key(key) or re.fullmatch(_ENV_NAME, key.upper()):
        register_secret(value)
    register_secrets_in(value)


def redact_command(argv: Iterable[str]) -> str:
    """A command line for a report: `--*-setenv` values masked pair by pair (only the names
    are shown), everything else through `redact`."""
    shown: list[str] = []
    pending = False
    for arg in argv:
        flag, eq, value = arg.partition("=")
        if pending:
            shown.append(_mask_pairs(arg))
        elif flag.startswith("--") and flag.endswith("-setenv") and eq:
            shown.append(f"{flag}={_mask_pairs(value)}")
        else:
            shown.append(arg)
        pending = not pending and not eq and flag.startswith("--") and flag.endswith("-setenv")
    return redact(shlex.join(shown))


def _mask_pairs(value: str) -> str:
    items = _words(value)
    if not items and value.strip():
        return MASK  # not even shell words (an unbalanced quote): nothing is shown
    return " ".join(f"{item.partition('=')[0]}={MASK}" for item in items)


def redact(text: str) -> str:
    """`text` with registered secrets, credential headers, secret pairs and URL passwords masked."""
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, MASK)
    text = _URL_PASSWORD.sub(lambda m: m[1] + MASK + m[3], text)
    text = _HEADER.sub(lambda m: m[1] + MASK, text)
    text = _JSON_PAIR.sub(lambda m: m[1] + f'"{MASK}"', text)
    text = _ESCAPED_JSON_PAIR.sub(lambda m: m[1] + f'\\"{MASK}\\"', text)
    text = _ENV_PAIR.sub(lambda m: m[1] + MASK, text)
    text = _QUOTED_PAIR.sub(lambda m: m[1] + MASK, text)
    text = _PAIR.sub(lambda m: m[1] + MASK, text)
    text = _FLAG.sub(lambda m: m[1] + MASK, text)
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
