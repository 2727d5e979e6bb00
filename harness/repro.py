"""A shrunk action sequence -> scripts a person can run against each backend.

`render_shell` writes a POSIX sh script of curl calls for one backend: a cookie jar per
actor, a password login per actor, the base URL from `RAILS_URL` / `GO_URL`, and the CSRF
header echoed from the `csrftoken` cookie (api-envelope.md 8.3). `render_python` writes one
stdlib-only script that runs the steps on both backends and prints the answers side by
side. No secret is ever written: passwords come from `PARITY_PASSWORD_<ACTOR>`, and any
secret-named field of a request body or query (password, token, api_key …) from
`PARITY_SECRET_<STEP>_<FIELD>`.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from harness.http import ApiRequest
from harness.redact import is_secret_key

Step = tuple[str | None, ApiRequest]  # (actor name or None for a visitor, request)
_MARK = re.compile(r"@@([A-Z0-9_]+)@@")


def password_variable(actor: str) -> str:
    """`member` -> `PARITY_PASSWORD_MEMBER`."""
    return "PARITY_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", actor).upper()


def url_variable(backend: str) -> str:
    """`rails` -> `RAILS_URL`, as the harness options name them."""
    return re.sub(r"[^A-Za-z0-9]", "_", backend).upper() + "_URL"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Call:
    """One step with its secrets replaced by `@@VARIABLE@@` marks."""

    actor: str
    method: str
    target: str  # path?query, marks allowed
    body: str | None  # JSON text, marks allowed
    secrets: tuple[str, ...]  # variables it needs


def _calls(steps: Sequence[Step]) -> list[_Call]:
    calls = []
    for number, (actor, request) in enumerate(steps, start=1):
        secrets: list[str] = []

        def mark(key: str, number: int = number, secrets: list[str] = secrets) -> str:
            name = f"PARITY_SECRET_{number}_{re.sub(r'[^A-Za-z0-9]', '_', key).upper()}"
            secrets.append(name)
            return f"@@{name}@@"

        query = "&".join(
            f"{quote(k, safe='[]')}={mark(k) if is_secret_key(k) else quote(v, safe='')}"
            for k, v in request.params
        )
        body = None if request.json is None else json.dumps(_masked(request.json, mark))
        calls.append(
            _Call(
                actor=actor or "visitor",
                method=request.method.upper(),
                target=request.path + (f"?{query}" if query else ""),
                body=body,
                secrets=tuple(secrets),
            )
        )
    return calls


def _masked(value: Any, mark: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: mark(k) if is_secret_key(k) and not isinstance(v, dict | list) else _masked(v, mark)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v, mark) for v in value]
    return value


_SHELL_PRELUDE = """\
set -eu
JARS="$(mktemp -d)"
trap 'rm -rf "$JARS"' EXIT

# One cookie jar per actor. Non-GET requests echo the csrftoken cookie as X-CSRF-Token.
csrf() { awk '$6 == "csrftoken" { print $7 }' "$JARS/$1" 2>/dev/null || true; }
call() {  # call ACTOR METHOD PATH [JSON]: prints the body, then the status on its own line
  jar="$JARS/$1"; token="$(csrf "$1")"
  echo "== $1: $2 $3" >&2
  if [ $# -ge 4 ]; then
    curl -sS -b "$jar" -c "$jar" -X "$2" "$BASE_URL$3" \\
      ${token:+-H} ${token:+"X-CSRF-Token: $token"} -H 'Content-Type: application/json' \\
      -H 'Accept: application/json' --data-binary "$4" -w '\\n%{http_code}\\n'
  else
    curl -sS -b "$jar" -c "$jar" -X "$2" "$BASE_URL$3" \\
      ${token:+-H} ${token:+"X-CSRF-Token: $token"} -H 'Accept: application/json' \\
      -w '\\n%{http_code}\\n'
  fi
}
login() {  # login ACTOR EMAIL PASSWORD
  call "$1" POST /api/v1/sessions "$(printf '{"user":{"email":"%s","password":"%s"}}' "$2" "$3")" \\
    >/dev/null
}
"""


def _shell_word(text: str) -> str:
    """Single-quoted shell word; `@@VAR@@` marks become "${VAR:?...}" expansions."""
    quoted = shlex.quote(text)
    return _MARK.sub(lambda m: f"'\"${{{m[1]}:?set {m[1]}}}\"'", quoted)


def render_shell(
    steps: Sequence[Step], *, emails: Mapping[str, str], backend: str, title: str = ""
) -> str:
    """A sh script of curl calls replaying `steps` on `backend` (base URL from <BACKEND>_URL)."""
    calls = _calls(steps)
    actors = sorted({c.actor for c in calls if c.actor in emails})
    needed = [url_variable(backend), *map(password_variable, actors)]
    needed += [s for c in calls for s in c.secrets]
    lines = [
        "#!/bin/sh",
        f"# Repro on {backend}: {title}" if title else f"# Repro on {backend}",
        f"# Needs: {' '.join(needed)}",
        _SHELL_PRELUDE,
        f'BASE_URL="${{{url_variable(backend)}:?set {url_variable(backend)} to the {backend}'
        ' backend, e.g. http://127.0.0.1:3000}"',
        "",
    ]
    for actor in actors:
        variable = password_variable(actor)
        password = f'"${{{variable}:?set {variable}}}"'
        lines.append(f"login {shlex.quote(actor)} {shlex.quote(emails[actor])} {password}")
    for number, c in enumerate(calls, start=1):
        args = [shlex.quote(c.actor), c.method, _shell_word(c.target)]
        args += [_shell_word(c.body)] if c.body is not None else []
        lines.append(f"call {' '.join(args)}  # step {number}")
    return "\n".join(lines) + "\n"


def render_scripts(
    steps: Mapping[str, Sequence[Step]], *, emails: Mapping[str, str], title: str = ""
) -> dict[str, str]:
    """One shell script per backend, each from the requests that backend was sent."""
    return {
        backend: render_shell(backend_steps, emails=emails, backend=backend, title=title)
        for backend, backend_steps in steps.items()
    }


_PYTHON_TEMPLATE = '''\
#!/usr/bin/env python3
"""Repro: {title}

Runs each step on every backend whose URL is set (e.g. RAILS_URL, GO_URL), prints the
answers, then every place where their statuses or body shapes (keys and value types; ids and
order aside) differ. Exit status 1 when they differ. Needs: {needed}
"""
import http.cookiejar
import json
import os
import re
import urllib.error
import urllib.request

EMAILS = {emails}
STEPS = json.loads({steps})


def fill(text):
    return re.sub(r"@@([A-Z0-9_]+)@@", lambda m: os.environ[m[1]], text)


def session(base, actor):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    if actor in EMAILS:
        password = os.environ["PARITY_PASSWORD_" + re.sub(r"[^A-Za-z0-9]", "_", actor).upper()]
        body = {{"user": {{"email": EMAILS[actor], "password": password}}}}
        send(opener, jar, base, "POST", "/api/v1/sessions", json.dumps(body))
    return opener, jar


def send(opener, jar, base, method, target, body):
    headers = {{"Accept": "application/json"}}
    csrf = next((c.value for c in jar if c.name == "csrftoken"), None)
    if csrf and method != "GET":
        headers["X-CSRF-Token"] = csrf
    if body is not None:
        headers["Content-Type"] = "application/json"
    data = None if body is None else body.encode()
    request = urllib.request.Request(base + target, data=data, method=method, headers=headers)
    try:
        with opener.open(request) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def shape(value, path=""):
    """{{pointer: type}} of a JSON body; array items are *, so ids and order do not matter."""
    if isinstance(value, dict):
        found = {{path or "/": "object"}}
        for key, item in value.items():
            found.update(shape(item, f"{{path}}/{{key}}"))
        return found
    if isinstance(value, list):
        found = {{path or "/": "array"}}
        for item in value:
            found.update(shape(item, f"{{path}}/*"))
        return found
    return {{path or "/": type(value).__name__}}


def main():
    statuses, shapes = {{}}, {{}}
    for backend, steps in STEPS.items():
        base = os.environ.get(backend.upper() + "_URL")
        if not base:
            print(f"skipping {{backend}}: set {{backend.upper()}}_URL")
            continue
        sessions = {{}}
        for number, step in enumerate(steps, start=1):
            actor = step["actor"]
            if actor not in sessions:
                sessions[actor] = session(base, actor)
            body = None if step["body"] is None else fill(step["body"])
            status, text = send(*sessions[actor], base, step["method"], fill(step["target"]), body)
            statuses.setdefault(number, {{}})[backend] = status
            try:
                shapes.setdefault(number, {{}})[backend] = shape(json.loads(text))
            except ValueError:
                shapes.setdefault(number, {{}})[backend] = {{"/": "text"}}
            request = f"{{step['method']}} {{step['target']}}"
            print(f"== {{backend}} step {{number}} {{actor}}: {{request}} -> {{status}}")
            print(text)
    differs = False
    for number, seen in sorted(statuses.items()):
        if len(set(seen.values())) > 1:
            differs = True
            print(f"step {{number}}: status differs {{seen}}")
        bodies = shapes.get(number, {{}})
        if len(bodies) == 2:
            (a, left), (b, right) = sorted(bodies.items())
            for pointer in sorted(set(left) | set(right)):
                if left.get(pointer) != right.get(pointer):
                    differs = True
                    print(f"step {{number}}: {{pointer}}: {{a}} {{left.get(pointer, 'absent')}}, "
                          f"{{b}} {{right.get(pointer, 'absent')}}")
    return 1 if differs else 0


if __name__ == "__main__":
    raise SystemExit(main())
'''


def render_python(
    steps: Mapping[str, Sequence[Step]], *, emails: Mapping[str, str], title: str = ""
) -> str:
    """One stdlib Python script replaying the steps on every backend whose URL is set."""
    data = {backend: [_call_data(c) for c in _calls(s)] for backend, s in steps.items()}
    used = sorted({c["actor"] for calls in data.values() for c in calls if c["actor"] in emails})
    needed = [url_variable(b) for b in data] + [password_variable(a) for a in used]
    needed += sorted({s for calls in data.values() for c in calls for s in c["secrets"]})
    return _PYTHON_TEMPLATE.format(
        title=title or "a shrunk action sequence",
        needed=" ".join(needed),
        emails=repr({a: emails[a] for a in used}),
        steps=repr(json.dumps(data, indent=1)),
    )


def _call_data(call: _Call) -> dict[str, Any]:
    return {
        "actor": call.actor,
        "method": call.method,
        "target": call.target,
        "body": call.body,
        "secrets": list(call.secrets),
    }
