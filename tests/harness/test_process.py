"""Process provider against real processes: the mini ASGI app on a real PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.ports import free_port
from harness.postgres import LocalPostgres
from harness.providers.process import (
    BackendNotReady,
    CommandFailed,
    ManagedProcess,
    fill,
    run_command,
)
from tests.harness.conftest import (
    MINIAPP_PREPARE,
    MINIAPP_SERVE,
    clean_environ,
    port_is_free,
    process_running,
    processes_mentioning,
)


@pytest.fixture
def mini_database(pg_cluster: LocalPostgres, empty_database: str, tmp_path: Path) -> str:
    run_command(
        "rails",
        fill(MINIAPP_PREPARE, database_url=empty_database),
        clean_environ(),
        tmp_path / "prep.log",
    )
    return empty_database


@pytest.fixture
def start_mini(mini_database: str, tmp_path: Path) -> Iterator:
    started: list[ManagedProcess] = []

    def start(**env: str) -> tuple[ManagedProcess, int]:
        port = free_port()
        command = fill(MINIAPP_SERVE, port=port, database_url=mini_database)
        process = ManagedProcess(
            name="rails",
            command=command,
            env={**clean_environ(), **env},
            log_path=tmp_path / "rails.log",
        ).start()
        started.append(process)
        return process, port

    yield start
    for process in started:
        process.stop()


def test_not_ready_error_names_url_last_status_and_log_tail(start_mini) -> None:
    process, port = start_mini(MINIAPP_READY_STATUS="503")
    with pytest.raises(BackendNotReady) as raised:
        process.wait_ready(f"http://127.0.0.1:{port}/up", timeout=3)
    message = str(raised.value)
    assert (
        f"rails backend not ready after 3s at http://127.0.0.1:{port}/up (last status 503)"
        in message
    )
    assert '"GET /up HTTP/1.1" 503' in message  # the log tail is quoted
    assert "--rails-url" in message


def test_a_process_that_exits_fails_readiness_at_once_with_its_exit_code(tmp_path: Path) -> None:
    process = ManagedProcess(
        name="go",
        command="sh -c 'echo booting; exit 3'",
        env=clean_environ(),
        log_path=tmp_path / "go.log",
    ).start()
    started = time.monotonic()
    with pytest.raises(BackendNotReady, match=r"exited with code 3\)(.|\n)*booting"):
        process.wait_ready(f"http://127.0.0.1:{free_port()}/up", timeout=30)
    assert time.monotonic() - started < 5
    process.stop()


def test_stop_kills_the_whole_process_group_and_frees_the_port(start_mini) -> None:
    process, port = start_mini(MINIAPP_SPAWN_CHILD="1")
    process.wait_ready(f"http://127.0.0.1:{port}/up", timeout=20)
    grandchildren = processes_mentioning("time.sleep(600)")
    assert grandchildren, "the mini app should have spawned its sleeping child"
    process.stop()
    assert not process_running(process.pid)
    assert not [pid for pid in grandchildren if process_running(pid)]
    assert port_is_free(port)


def test_stop_escalates_to_sigkill_for_a_process_ignoring_sigterm(tmp_path: Path) -> None:
    command = "sh -c 'trap \"\" TERM; while true; do sleep 0.1; done'"
    process = ManagedProcess(
        name="go", command=command, env=clean_environ(), log_path=tmp_path / "go.log"
    ).start()
    time.sleep(0.2)
    started = time.monotonic()
    process.stop(grace=1.0)
    assert not process_running(process.pid)
    assert time.monotonic() - started < 3


def test_placeholders_are_filled_and_the_database_url_quoted() -> None:
    assert fill(
        "serve -p {port} --db {database_url}", port=81, database_url="postgresql://h/d b"
    ) == ("serve -p 81 --db 'postgresql://h/d b'")


def test_database_parts_fill_servers_that_take_separate_flags() -> None:
    url = "postgresql://parity:s%40cret@127.0.0.1:5433/parity_go"
    command = "srv --db-host {db_host} --db-port {db_port} --db-name {db_name} --db-user {db_user}"
    assert fill(command + " --pw {db_password}", database_url=url) == (
        "srv --db-host 127.0.0.1 --db-port 5433 --db-name parity_go --db-user parity --pw s@cret"
    )


def test_failing_prepare_step_raises_with_its_log(tmp_path: Path) -> None:
    env = {**clean_environ(), "DATABASE_URL": "postgresql://u:s3cretpw@h/db"}
    with pytest.raises(
        CommandFailed, match=r"rails prepare step failed \(exit 4\)(.|\n)*schema missing"
    ) as raised:
        run_command("rails", "sh -c 'echo schema missing; exit 4'", env, tmp_path / "prep.log")
    assert "s3cretpw" not in str(raised.value)


def test_tail_is_what_this_process_wrote_to_a_reused_log(tmp_path: Path) -> None:
    log = tmp_path / "side.log"
    log.write_text("a line of the previous run\n")
    process = ManagedProcess(
        name="rails", command="echo this run", env=clean_environ(), log_path=log
    ).start()
    deadline = time.monotonic() + 10
    while process.alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.tail() == "this run"
    assert "previous run" in log.read_text()  # the log itself is still appended to
