"""Every shape of user-supplied secret, planted in a real run, is in no file the run writes.

The rails side is a process-mode reference backend behind a wrapper that prints every
planted shape into its log before it starts; it is then killed, so the backend-failure
finding quotes that log. The go side is a url-mode reference backend whose
`--go-database-url` carries a password. The shapes also sit on the command line, in the
backends line and in a failed test's message. Then every file of the report and the run
directory, and pytest's own output, is searched for every planted value.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from harness.ports import free_port
from harness.postgres import LocalPostgres, dsn_with_database
from tests.harness.conftest import clean_environ

PY = shlex.quote(sys.executable)
REPO = Path(__file__).resolve().parents[2]
SETENV = {  # --rails-setenv: secret-named settings
    "SECRET_KEY_BASE": "plant-skb-01",
    "STRIPE_KEY": "plant-stripe-02",
    "SMTP_PASSWORD": "plant-smtp-03",
    "API_TOKEN": "plant-token-04",
    "OAUTH_SECRET": "plant-oauth-05",
}
IN_COMMAND = {  # shapes written into --rails-cmd (and printed by the backend)
    "keyword DSN": (
        "host=127.0.0.1 user=loomio password=plant-kwdsn-06 dbname=x",
        "plant-kwdsn-06",
    ),
    "quoted keyword DSN": ("host=h password='plant kwdsn 07'", "plant kwdsn 07"),
    "empty-user URL": ("redis://:plant-redis-08@127.0.0.1:6379/0", "plant-redis-08"),
    "Authorization Token": ("Authorization: Token plant-authtok-09", "plant-authtok-09"),
    "Bearer": ("Authorization: Bearer plant-bearer-10", "plant-bearer-10"),
    "X-Api-Key": ("X-Api-Key: plant-xapikey-11", "plant-xapikey-11"),
    "Cookie": ("Cookie: session=plant-cookie-12", "plant-cookie-12"),
    "secret flag": ("--db-password plant-flag-13", "plant-flag-13"),
}
DATABASE_PASSWORD = "plant-dburl-14"  # --go-database-url (trust auth accepts any password)
PLANTED = [*SETENV.values(), *(secret for _, secret in IN_COMMAND.values()), DATABASE_PASSWORD]

# Prints what it was given, as a careless backend would: pairs, headers, and bare values.
LOUD = """
import json, os, sys
shapes = json.loads(sys.argv[1])
for name in {names!r}:
    print(f"{{name}}={{os.environ[name]}} and bare: {{os.environ[name]}}")
for text, secret in shapes:
    print(text)
    print("bare:", secret)
    print(json.dumps({{"X-Api-Key": secret, "Authorization": "Token " + secret}}))
sys.stdout.flush()
os.execv(sys.executable, [sys.executable, "-m", "reference", *sys.argv[2:]])
"""

RUN = """
import os, signal
from harness.http import ApiRequest

ME = ApiRequest(method="GET", path="/api/v1/profile/me", actor="admin")
SHAPES = {shapes!r}

def test_a_failure_quoting_every_shape(backends):
    assert backends.go.send(ME).status == 200
    raise AssertionError(SHAPES)

def test_rails_dies_and_its_log_is_quoted(rails_backend):
    assert rails_backend.send(ME).status == 200
    os.killpg(rails_backend.runner.pid, signal.SIGKILL)
    rails_backend.send(ME)
"""


@pytest.fixture
def go_server(pg_cluster: LocalPostgres, empty_database: str, tmp_path: Path):
    """A reference backend started by hand (url mode), with its database URL."""
    port = free_port()
    log = open(tmp_path / "go-by-hand.log", "wb")  # noqa: SIM115  # closed below
    cmd = [sys.executable, "-m", "reference", "serve", "--port", str(port)]
    server = subprocess.Popen([*cmd, "--database-url", empty_database], stdout=log, stderr=log)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/up", timeout=1).status_code == 200:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        with_password = empty_database.replace("parity@", f"parity:{DATABASE_PASSWORD}@")
        yield (
            f"http://127.0.0.1:{port}",
            dsn_with_database(with_password, empty_database.rsplit("/", 1)[1]),
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_no_planted_secret_reaches_any_output(tmp_path: Path, go_server: tuple[str, str]) -> None:
    go_url, go_database_url = go_server
    loud = tmp_path / "loud.py"
    loud.write_text(LOUD.format(names=sorted(SETENV)))
    shapes = list(IN_COMMAND.values())
    rails_cmd = f"{PY} {shlex.quote(str(loud))} {shlex.quote(json.dumps(shapes))} serve "
    rails_cmd += "--access-log --no-migrate --port {port} --database-url {database_url}"
    (tmp_path / "test_run.py").write_text(RUN.format(shapes=" | ".join(t for t, _ in shapes)))
    setenv = " ".join(f"{k}={v}" for k, v in SETENV.items())
    cmd = [sys.executable, "-m", "pytest", "test_run.py", "-p", "harness.plugin"]
    cmd += ["-p", "no:cacheprovider", "--report", "report", "--run-dir", "run"]
    cmd += ["--rails-cmd", rails_cmd, "--rails-setenv", setenv]
    cmd += ["--rails-prepare", f"{PY} -m reference migrate --database-url {{database_url}}"]
    cmd += ["--go-url", go_url, "--go-database-url", go_database_url]
    done = subprocess.run(
        cmd, cwd=tmp_path, env=clean_environ(), capture_output=True, text=True, timeout=180
    )
    output = done.stdout + done.stderr
    assert "2 failed" in output and "rails backend died (exit code -9)" in output, output[-4000:]
    raw_log = (tmp_path / "run" / "rails.log").read_text()
    assert all(secret in raw_log for secret in PLANTED[:-1]), "the backend printed them all"
    written = {
        str(p.relative_to(tmp_path)): p.read_text(errors="replace")
        for p in [*(tmp_path / "report").rglob("*"), *(tmp_path / "run").rglob("*")]
        if p.is_file() and p.name not in {"rails.log", "rails-prepare.log"}  # the backend's own
    }
    assert {"report/index.html", "report/junit.xml", "report/findings.json"} <= set(written)
    assert "report/summary.md" in written and "run/backend-failures.jsonl" in written
    assert "plant-" in raw_log and "[REDACTED]" in written["report/findings.json"]
    leaks = [
        (name, secret)
        for name, text in [*written.items(), ("pytest output", output)]
        for secret in PLANTED
        if secret in text
    ]
    assert not leaks, leaks
