"""Provisioning both backends for real: embedded reference, commands, urls, failures."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from harness import events
from harness.actors import Actor
from harness.backends import provision
from harness.client import BackendFailed, LoginFailed
from harness.events import BackendGone
from harness.http import ApiRequest
from harness.isolation import open_scope
from harness.ports import free_port
from harness.postgres import local_postgres
from harness.providers.process import ManagedProcess, run_command
from tests.harness.conftest import (
    MINIAPP_PREPARE,
    MINIAPP_SERVE,
    PY,
    clean_environ,
    port_is_free,
    process_running,
    processes_mentioning,
)

ME = "/api/v1/profile/me"


def test_embedded_default_comes_up_and_leaves_nothing_behind(make_config) -> None:
    # How fast it comes up is a benchmark (bench/session_startup.py), not a test.
    with provision(make_config()) as backends:
        pg_port = backends.server.host_dsn.rsplit(":", 1)[1].split("/")[0]
        pids = [b.runner.pid for b in backends]
        cluster_root = backends.server.root
        assert cluster_root.is_dir()
        ports = [int(b.base_url.rsplit(":", 1)[1]) for b in backends]
        for backend in backends:
            assert backend.mode == "embedded"
            me = backend.send(ApiRequest(method="GET", path=ME, actor="admin"))
            assert me.status == 200
            assert me.body["users"][0]["email"] == backends.actors["admin"].email
            assert backend.send(ApiRequest(method="GET", path=ME)).status == 403
        assert backends.rails.ids == backends.go.ids  # one seeded template, two clones
    assert not [pid for pid in pids if process_running(pid)]
    assert all(port_is_free(p) for p in [*ports, int(pg_port)])
    assert not processes_mentioning(f"port={pg_port}") and not processes_mentioning(
        f"-p\x00{pg_port}"
    )
    assert not cluster_root.exists()


def test_process_mode_runs_commands_with_placeholders_and_prepare(make_config) -> None:
    config = make_config(
        rails_cmd=MINIAPP_SERVE,
        go_cmd=MINIAPP_SERVE,
        rails_prepare=MINIAPP_PREPARE,
        go_prepare=MINIAPP_PREPARE,
    )
    with provision(config) as backends:
        for backend in backends:
            assert backend.mode == "process"
            assert backend.send(ApiRequest(method="GET", path=ME, actor="member")).status == 200
            # cookie sessions echo csrftoken as X-CSRF-Token on writes, as Loomio requires
            write = backend.send(
                ApiRequest(method="POST", path="/api/v1/write", json={}, actor="member")
            )
            assert write.status == 200, write.body
            assert write.body["user_id"] == backend.ids["user:member"]
        assert (config.run_dir / "rails.log").read_text()


def test_process_mode_without_prepare_seeds_the_running_backends(
    make_config, tmp_path: Path
) -> None:
    migrate_then_serve = f"{MINIAPP_PREPARE} && exec {MINIAPP_SERVE}"
    config = make_config(rails_cmd=migrate_then_serve, go_cmd=migrate_then_serve, auth="basic")
    with provision(config) as backends:
        for backend in backends:
            assert backend.template is None and backend.ids["user:admin"]
            assert backend.send(ApiRequest(method="GET", path=ME, actor="admin")).status == 200


MINI_RECIPE = """
login:
  request: POST /api/v1/sessions
  json: {user: {email: "{actor.email}", password: "{actor.password}"}}
tables:
  users:
    - request: POST /api/v1/registrations
      json: {email: "{actor.email}", name: "{row.name}", password: "{actor.password}"}
      expect: 201
      capture: {id: /user/id}
  groups:
    - as: creator_id
      request: POST /api/v1/groups
      json: {name: "{row.name}", parent_id: "{ref.parent_id}"}
      expect: 201
      capture: {id: /group/id}
"""


def test_a_backend_with_another_schema_is_seeded_through_its_api(
    make_config, tmp_path: Path
) -> None:
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(MINI_RECIPE)
    config = make_config(
        rails_prepare=MINIAPP_PREPARE,
        go_prepare=MINIAPP_PREPARE,
        rails_cmd=MINIAPP_SERVE,
        go_cmd=MINIAPP_SERVE,
        go_seed_recipe=str(recipe),
    )
    with provision(config) as backends:
        assert backends.rails.template and backends.go.recipe is not None
        assert backends.go.ids["user:admin"] and backends.go.ids["group:sub"]
        assert "membership:admin@main" not in backends.go.ids  # no recipe for memberships
        for backend in backends:
            me = backend.send(ApiRequest(method="GET", path=ME, actor="admin"))
            assert me.status == 200
            assert me.body["users"][0]["id"] == backend.ids["user:admin"]
        with psycopg.connect(backends.go.seed_dsn) as conn:
            assert conn.execute("SELECT count(*) FROM users").fetchone() == (len(backends.actors),)
            sub = conn.execute(
                "SELECT parent_id FROM groups WHERE id = %s", (backends.go.ids["group:sub"],)
            ).fetchone()
            assert sub == (backends.go.ids["group:main"],)
        with open_scope(backends) as scope:  # an example's own actors, signed in the recipe's way
            me = backends.go.send(ApiRequest(method="GET", path=ME, actor=scope.actor("admin")))
            assert me.body["users"][0]["id"] == scope.ids["go"]["user:admin"]
            assert scope.ids["go"]["user:admin"] != backends.go.ids["user:admin"]


def test_url_mode_against_two_servers_started_by_hand(make_config, tmp_path: Path) -> None:
    with local_postgres() as cluster:
        servers = []
        try:
            for side in ("rails", "go"):
                dsn = cluster.create_database(f"hand_{side}")
                run_command(
                    side,
                    f"{PY} -m reference migrate --database-url {dsn}",
                    clean_environ(),
                    tmp_path / "m.log",
                )
                port = free_port()
                server = ManagedProcess(
                    name=side,
                    command=f"{PY} -m reference serve --port {port} --database-url {dsn}",
                    env=clean_environ(),
                    log_path=tmp_path / f"hand-{side}.log",
                ).start()
                server.wait_ready(f"http://127.0.0.1:{port}/up", 20)
                servers.append((server, port, dsn))
            (rails, rails_port, rails_dsn), (go, go_port, go_dsn) = servers
            config = make_config(
                rails_url=f"http://127.0.0.1:{rails_port}",
                go_url=f"http://127.0.0.1:{go_port}",
                rails_database_url=rails_dsn,
                go_database_url=go_dsn,
            )
            assert config.database_host == "none"
            with provision(config) as backends:
                assert backends.server is None
                for backend in backends:
                    assert backend.mode == "url"
                    assert (
                        backend.send(ApiRequest(method="GET", path=ME, actor="guest")).status == 200
                    )
            assert rails.alive() and go.alive(), (
                "the harness must not stop servers it did not start"
            )
        finally:
            for server, _, _ in servers:
                server.stop()


def test_url_mode_with_nothing_listening_reports_the_url_and_last_error(make_config) -> None:
    config = make_config(
        rails_url="http://127.0.0.1:9", go_url="http://127.0.0.1:9", ready_timeout="0.5"
    )
    with (
        pytest.raises(
            Exception, match=r"rails backend not ready after 0.5s at http://127.0.0.1:9/up"
        ),
        provision(config),
    ):
        pass


def test_shared_mode_points_both_backends_at_one_database(make_config) -> None:
    with provision(make_config(db_mode="shared")) as backends:
        assert backends.rails.database == backends.go.database == "parity_shared"
        assert backends.rails.ids == backends.go.ids
        with psycopg.connect(backends.rails.seed_dsn) as conn:
            conn.execute(
                "UPDATE users SET name = 'Renamed' WHERE id = %s",
                (backends.rails.ids["user:member"],),
            )
        for backend in backends:
            me = backend.send(ApiRequest(method="GET", path=ME, actor="member"))
            assert me.body["users"][0]["name"] == "Renamed"


def test_killing_a_backend_mid_run_fails_fast_with_a_finding_quoting_its_log(make_config) -> None:
    events.clear()
    with provision(make_config(request_timeout="10")) as backends:
        assert backends.go.send(ApiRequest(method="GET", path=ME, actor="admin")).status == 200
        os.killpg(backends.go.runner.pid, signal.SIGKILL)
        started = time.monotonic()
        with pytest.raises(BackendGone) as raised:
            backends.go.send(ApiRequest(method="GET", path=ME, actor="admin", label="step 2"))
        assert time.monotonic() - started < 10
        assert backends.rails.send(ApiRequest(method="GET", path=ME, actor="admin")).status == 200
        started = time.monotonic()
        with pytest.raises(BackendGone) as again:  # known gone: no request, no second record
            backends.go.send(ApiRequest(method="GET", path=ME, actor="admin", label="step 3"))
        assert time.monotonic() - started < 0.1
        assert again.value.failure is raised.value.failure
    failure = raised.value.failure
    assert (failure.backend, failure.kind, failure.exit_code) == ("go", "died", -9)
    assert failure.request == "GET /api/v1/profile/me"
    assert failure.fatal
    assert events.backend_failures() == (failure,)
    assert "go backend died (exit code -9) during GET /api/v1/profile/me" in str(raised.value)
    assert failure.log_path.endswith("go.log")
    assert "GET /api/v1/profile/me" in failure.log_tail  # the finding quotes the backend's log


def test_the_failure_of_a_process_backend_quotes_its_log(make_config) -> None:
    config = make_config(
        rails_cmd=MINIAPP_SERVE,
        go_cmd=MINIAPP_SERVE,
        rails_prepare=MINIAPP_PREPARE,
        go_prepare=MINIAPP_PREPARE,
    )
    with provision(config) as backends:
        backends.go.send(ApiRequest(method="GET", path=ME, actor="admin"))
        os.killpg(backends.go.runner.pid, signal.SIGKILL)
        with pytest.raises(BackendGone) as raised:
            backends.go.send(ApiRequest(method="GET", path=ME, actor="admin"))
    assert '"GET /api/v1/profile/me HTTP/1.1" 200' in raised.value.failure.log_tail
    assert "Last lines of " in str(raised.value) and "go.log" in str(raised.value)


def test_a_hanging_backend_times_out_instead_of_hanging(make_config) -> None:
    events.clear()
    config = make_config(
        rails_cmd=MINIAPP_SERVE,
        go_cmd=MINIAPP_SERVE,
        rails_prepare=MINIAPP_PREPARE,
        go_prepare=MINIAPP_PREPARE,
        request_timeout="1",
    )
    with provision(config) as backends:
        started = time.monotonic()
        with pytest.raises(BackendFailed, match="rails backend timeout during GET /slow") as raised:
            backends.rails.send(ApiRequest(method="GET", path="/slow", params=(("seconds", "30"),)))
        assert time.monotonic() - started < 3
        assert not raised.value.failure.fatal
        assert backends.rails.alive()


def test_a_wrong_password_fails_login_without_echoing_it(make_config) -> None:
    with provision(make_config()) as backends:
        client = backends.rails.client
        client.add_actors(
            {
                "impostor": Actor(
                    name="impostor", email=backends.actors["admin"].email, password="not-the-pw-123"
                )
            }
        )
        with pytest.raises(LoginFailed, match="could not log in") as raised:
            backends.rails.send(ApiRequest(method="GET", path=ME, actor="impostor"))
        assert "not-the-pw-123" not in str(raised.value)


def test_secrets_never_reach_logs_or_failure_records(make_config) -> None:
    events.clear()
    config = make_config()
    with provision(config) as backends:
        for name in backends.actors:
            if name != "unverified":
                backends.rails.send(ApiRequest(method="GET", path=ME, actor=name))
        cookies = [
            c.value
            for s in backends.rails.client._sessions.values()
            for c in s.cookies
            if len(c.value) > 8
        ]
        passwords = [a.password for a in backends.actors.values()]
        os.killpg(backends.rails.runner.pid, signal.SIGKILL)
        with pytest.raises(BackendGone) as raised:
            backends.rails.send(ApiRequest(method="GET", path=ME, actor="admin"))
    written = "".join(
        p.read_text(errors="replace") for p in config.run_dir.rglob("*") if p.is_file()
    )
    for secret in [*passwords, *cookies]:
        assert secret not in written and secret not in str(raised.value)
    assert cookies and passwords


KILL_MID_RUN = """
import os, signal, time
from harness.http import ApiRequest

def test_first(backends):
    me = ApiRequest(method="GET", path="/api/v1/profile/me", actor="admin")
    assert backends.go.send(me).status == 200

def test_go_dies(go_backend):
    with open("killed_at", "w") as f:
        f.write(repr(time.time()))
    os.killpg(go_backend.runner.pid, signal.SIGKILL)
    go_backend.send(ApiRequest(method="GET", path="/api/v1/profile/me", actor="admin"))

def test_never_reached(backends):
    pass
"""


def test_a_dead_backend_ends_the_pytest_run_cleanly_with_a_recorded_finding(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(test_kill=KILL_MID_RUN)
    run_dir = pytester.path / "run"
    result = pytester.runpytest_subprocess(
        "-p",
        "harness.plugin",
        f"--run-dir={run_dir}",
        "--request-timeout=10",
        "-p",
        "no:cacheprovider",
    )
    killed_at = float((pytester.path / "killed_at").read_text())
    assert time.time() - killed_at < 10, "the session must end within the request timeout"
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*go backend died (exit code -9) during GET /api/v1/profile/me*",
            "*BACKEND FAILURE: go backend died*",
        ]
    )
    result.stdout.no_fnmatch_line("*test_never_reached PASSED*")
    record = json.loads((run_dir / "backend-failures.jsonl").read_text().splitlines()[0])
    assert (record["backend"], record["kind"]) == ("go", "died")
    assert not processes_mentioning(str(run_dir))


SLOW_SESSION = """
import time

def test_waits(backends):
    print("READY", backends.rails.runner.pid, backends.go.runner.pid, backends.server.root, flush=True)
    time.sleep(60)
"""


def test_ctrl_c_mid_run_still_stops_every_backend(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_slow=SLOW_SESSION)
    run_dir = pytester.path / "run"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "harness.plugin",
            f"--run-dir={run_dir}",
            "-s",
            "-p",
            "no:cacheprovider",
        ],
        cwd=pytester.path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        # Ctrl-C as in a terminal: a shell's background job (`cmd &`) inherits SIGINT ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    line = b""
    deadline = time.monotonic() + 30
    while b"READY" not in line and time.monotonic() < deadline:
        line = process.stdout.readline()
    try:
        rails_pid, go_pid, root = line.decode().split("READY", 1)[1].split()
        process.send_signal(signal.SIGINT)
        # a stop, not a speed test: each server gets its grace period on a loaded machine
        output = process.communicate(timeout=90)[0].decode()
    finally:
        if process.poll() is None:  # leave nothing behind for the next test to trip on
            process.kill()
            process.communicate()
    assert "KeyboardInterrupt" in output
    assert not process_running(int(rails_pid)) and not process_running(int(go_pid))
    assert not Path(root).exists()


def test_xdist_workers_each_get_their_own_backends_and_run_dir(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_two="""
def test_a(backends, harness_config):
    assert harness_config.run_dir.name in ("gw0", "gw1")
    assert backends.rails.log_path.parent == harness_config.run_dir

def test_b(backends, harness_config):
    assert backends.rails.log_path.parent == harness_config.run_dir
"""
    )
    run_dir = pytester.path / "run"
    result = pytester.runpytest_subprocess(
        "-p", "harness.plugin", "-n", "2", f"--run-dir={run_dir}", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(passed=2)


def test_run_dir_keeps_unrelated_files(make_config, tmp_path: Path) -> None:
    config = make_config(run_dir=str(tmp_path))
    (tmp_path / "notes.txt").write_text("mine")
    (tmp_path / "rails.log").write_text("old run")
    with provision(config):
        pass
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert "old run" not in (tmp_path / "rails.log").read_text()


def test_go_faults_reach_only_the_go_reference_process(make_config) -> None:
    fault = subprocess.run(
        [sys.executable, "-m", "reference", "--list-faults"], capture_output=True, text=True
    ).stdout.split()[0]
    with provision(make_config(go_faults=fault)) as backends:
        environ = {
            b.name: Path(f"/proc/{b.runner.pid}/environ").read_bytes().split(b"\0")
            for b in backends
        }
        assert f"PARITY_FAULTS={fault}".encode() in environ["go"]
        assert not [e for e in environ["rails"] if e.startswith(b"PARITY_FAULTS=")]


SUITES = {
    "contracts/test_c.py": "def test_c(): pass",
    "properties/test_p.py": "def test_p(): pass",
}


def test_suites_option_deselects_the_other_suite(pytester: pytest.Pytester) -> None:
    for path, text in SUITES.items():
        (pytester.path / path).parent.mkdir(exist_ok=True)
        (pytester.path / path).write_text(text)
    result = pytester.runpytest_subprocess("-p", "harness.plugin", "--suites=properties")
    result.assert_outcomes(passed=1, deselected=1)
    result.stdout.fnmatch_lines(["*properties/test_p.py*"])
