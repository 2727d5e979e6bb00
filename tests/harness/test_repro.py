"""Repro scripts: run for real (curl, python) against a small Loomio-like session server."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness.http import ApiRequest
from harness.repro import (
    Step,
    password_variable,
    render_python,
    render_scripts,
    render_shell,
    url_variable,
)

PASSWORDS = {"ana@example.org": "pw-ana-123", "ben@example.org": "pw-ben-456"}
EMAILS = {"ana": "ana@example.org", "ben": "ben@example.org"}


class _Loomioish(BaseHTTPRequestHandler):
    """Password login sets `_loomio` and `csrftoken`; non-GETs with the cookie need the header."""

    sessions: dict[str, str]
    seen: list[dict[str, Any]]
    status: int

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _answer(self, status: int, body: Any, cookies: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        for name, value in (cookies or {}).items():
            self.send_header("Set-Cookie", f"{name}={value}; path=/")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        jar = SimpleCookie(self.headers.get("Cookie", ""))
        cookies = {k: m.value for k, m in jar.items()}
        csrf = cookies.get("csrftoken")
        if self.command != "GET" and csrf and self.headers.get("X-CSRF-Token") != csrf:
            self._answer(422, {"status": 422, "error": "Unprocessable Entity"})
            return
        if self.path == "/api/v1/sessions" and self.command == "POST":
            user = (body or {}).get("user", {})
            if PASSWORDS.get(user.get("email")) != user.get("password"):
                self._answer(401, {"errors": {"password": ["auth_form.invalid_password"]}})
                return
            sid = secrets.token_hex(8)
            self.sessions[sid] = user["email"]
            self._answer(200, {"users": [{"id": 1}]}, {"_loomio": sid, "csrftoken": "t" + sid})
            return
        actor = self.sessions.get(cookies.get("_loomio", ""))
        self.seen.append({"actor": actor, "method": self.command, "path": self.path, "body": body})
        self._answer(self.status, {"actor": actor, "path": self.path})

    do_GET = do_POST = do_PATCH = do_DELETE = _handle


@pytest.fixture
def servers() -> Iterator[dict[str, tuple[str, list[dict[str, Any]]]]]:
    """Two servers, `rails` (answers 200) and `go` (answers 201): base URL and requests seen."""
    running = {}
    for name, status in (("rails", 200), ("go", 201)):
        seen: list[dict[str, Any]] = []
        handler = type(
            f"{name}Handler", (_Loomioish,), {"sessions": {}, "seen": seen, "status": status}
        )
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running[name] = (server, seen)
    yield {
        name: (f"http://127.0.0.1:{s.server_address[1]}", seen)
        for name, (s, seen) in running.items()
    }
    for server, _ in running.values():
        server.shutdown()
        server.server_close()


STEPS: list[Step] = [
    (
        "ana",
        ApiRequest(
            method="POST", path="/api/v1/discussions", json={"discussion": {"title": "It's here"}}
        ),
    ),
    (
        None,
        ApiRequest(
            method="GET", path="/api/v1/discussions/aB3", params=(("exclude_types", "group user"),)
        ),
    ),
    (
        "ben",
        ApiRequest(
            method="PATCH",
            path="/api/v1/profile/update_profile",
            json={"user": {"password": "new-secret-9"}},
        ),
    ),
    (
        "ana",
        ApiRequest(method="GET", path="/api/b2/discussions/7", params=(("api_key", "key-12345"),)),
    ),
]


def _env(urls: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update({url_variable(name): url for name, url in urls.items()})
    env[password_variable("ana")] = PASSWORDS["ana@example.org"]
    env[password_variable("ben")] = PASSWORDS["ben@example.org"]
    env["PARITY_SECRET_3_PASSWORD"] = "from-env-pw"
    env["PARITY_SECRET_4_API_KEY"] = "from-env-key"
    return env


def test_shell_script_replays_the_steps_with_sessions_csrf_and_env_secrets(
    servers: dict[str, tuple[str, list[dict[str, Any]]]], tmp_path: Path
) -> None:
    url, seen = servers["rails"]
    script = render_shell(STEPS, emails=EMAILS, backend="rails", title="missing key")
    path = tmp_path / "repro-rails.sh"
    path.write_text(script)
    result = subprocess.run(
        ["sh", str(path)], env=_env({"rails": url}), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert [(s["actor"], s["method"], s["path"]) for s in seen] == [
        ("ana@example.org", "POST", "/api/v1/discussions"),
        (None, "GET", "/api/v1/discussions/aB3?exclude_types=group%20user"),
        ("ben@example.org", "PATCH", "/api/v1/profile/update_profile"),
        ("ana@example.org", "GET", "/api/b2/discussions/7?api_key=from-env-key"),
    ]
    assert seen[0]["body"] == {"discussion": {"title": "It's here"}}
    assert seen[2]["body"] == {"user": {"password": "from-env-pw"}}
    assert result.stdout.split("\n")[1] == "200"  # body line, then status line


def test_scripts_never_contain_secrets() -> None:
    scripts = render_scripts({"rails": STEPS, "go": STEPS}, emails=EMAILS)
    texts = [*scripts.values(), render_python({"rails": STEPS}, emails=EMAILS)]
    for text in texts:
        for secret in ("new-secret-9", "key-12345", *PASSWORDS.values()):
            assert secret not in text
        assert "PARITY_PASSWORD_ANA" in text
    assert "GO_URL:?set GO_URL" in scripts["go"]


def test_shell_script_stops_with_a_message_when_a_variable_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "repro.sh"
    path.write_text(render_shell(STEPS, emails=EMAILS, backend="go"))
    env = {k: v for k, v in os.environ.items() if k != "GO_URL"}
    result = subprocess.run(["sh", str(path)], env=env, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "set GO_URL" in result.stderr


def test_python_script_runs_both_backends_and_reports_status_differences(
    servers: dict[str, tuple[str, list[dict[str, Any]]]], tmp_path: Path
) -> None:
    path = tmp_path / "repro.py"
    path.write_text(render_python({"rails": STEPS, "go": STEPS}, emails=EMAILS, title="t"))
    urls = {name: url for name, (url, _) in servers.items()}
    result = subprocess.run(
        [sys.executable, str(path)], env=_env(urls), capture_output=True, text=True, check=False
    )
    assert result.returncode == 1, result.stderr  # 1: the backends answered differently
    assert (
        "== go step 4 ana: GET /api/b2/discussions/7?api_key=@@PARITY_SECRET_4_API_KEY@@ -> 201"
        in result.stdout
    )
    assert "step 1: status differs {'rails': 200, 'go': 201}" in result.stdout
    for _, seen in servers.values():
        assert [s["actor"] for s in seen] == [
            "ana@example.org",
            None,
            "ben@example.org",
            "ana@example.org",
        ]
        assert seen[2]["body"] == {"user": {"password": "from-env-pw"}}


def test_python_script_names_body_shape_differences_without_ids() -> None:
    namespace: dict[str, object] = {}
    source = render_python({"rails": STEPS, "go": STEPS}, emails=EMAILS, title="t")
    exec(
        compile(source.replace('if __name__ == "__main__":', "if False:"), "repro", "exec"),
        namespace,
    )
    shape = namespace["shape"]
    rails = shape({"events": [{"id": 1, "actor_id": 5}], "meta": {"total": 1}})  # type: ignore[operator]  # exec'd function
    go = shape({"events": [{"id": "2", "user_id": 5}], "meta": {"total": 1}})  # type: ignore[operator]  # exec'd function
    assert rails["/events/*/id"] == "int" and go["/events/*/id"] == "str"
    assert "/events/*/actor_id" in rails and "/events/*/actor_id" not in go
