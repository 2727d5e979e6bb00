"""`parity shadow` as users run it, between real HTTP servers; `parity report` afterwards."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import requests

from harness.ports import free_port
from harness.shadow.proxy import event_loop
from tests.harness.shadow.servers import Backend, Garbage, waiting

REPO = Path(__file__).resolve().parents[3]


class Proxy:
    def __init__(
        self, primary: str, candidate: str, secondary: str | None, store: Path, *extra: str
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "harness.cli", "shadow", "--primary", primary]
        args += [
            "--candidate",
            candidate,
            "--listen",
            f"127.0.0.1:{self.port}",
            "--store",
            str(store),
        ]
        args += [*extra, *(["--secondary", secondary] if secondary else [])]
        self.process = subprocess.Popen(
            args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        assert waiting(self._up), self._output()

    def _up(self) -> bool:
        assert self.process.poll() is None, self._output()
        try:
            return requests.get(self.url + "/__parity__/status", timeout=1).ok
        except requests.RequestException:
            return False

    def status(self) -> dict[str, int]:
        return dict(requests.get(self.url + "/__parity__/status", timeout=5).json())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            self.process.wait(timeout=30)
        if self.process.stdout:
            self.process.stdout.close()

    def _output(self) -> str:
        if self.process.poll() is None:
            return "(running)"
        return self.process.stdout.read().decode() if self.process.stdout else ""


@pytest.fixture
def backends() -> Iterator[dict[str, Backend]]:
    made = {"primary": Backend("A"), "candidate": Backend("B"), "secondary": Backend("A")}
    yield made
    for backend in made.values():
        backend.stop()


def report(store: Path | str, out: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli", "report", "--store", str(store), "-o", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    return done.returncode, json.loads((out / "findings.json").read_text())


def test_clients_get_the_primarys_answer_and_the_candidates_difference_is_found(
    backends: dict[str, Backend], tmp_path: Path
) -> None:
    store = tmp_path / "store.jsonl"
    proxy = Proxy(
        backends["primary"].url, backends["candidate"].url, backends["secondary"].url, store
    )
    try:
        for i in range(40):
            answer = requests.get(f"{proxy.url}/api/v1/groups/{i}", timeout=5)
            assert answer.status_code == 200
            assert answer.json()["groups"][0]["title"] == "A"
            assert answer.headers["X-Test"] == "primary-header"
            assert answer.raw.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; Path=/"]
        assert requests.get(f"{proxy.url}/nothing", timeout=5).status_code == 404
        assert requests.post(f"{proxy.url}/api/v1/comments", json={}, timeout=5).status_code == 404
        assert waiting(lambda: proxy.status()["acknowledged"] >= 41)
        counters = proxy.status()
    finally:
        proxy.stop()
    assert counters["mirrored"] == 41 and counters["writes not mirrored"] == 1
    assert backends["candidate"].seen["POST"] == 0  # writes are not mirrored by default
    status, found = report(store, tmp_path / "report")
    assert status == 1
    assert [(f["operation"], f["title"]) for f in found["findings"]] == [
        ("GET /api/v1/groups/{id}", "value at /groups/*/title")
    ]  # `nonce` differs against the secondary as often: noise, not a finding
    assert "40 of 40 answers differ here" in found["findings"][0]["detail"]
    html = (tmp_path / "report" / "index.html").read_text()
    assert "<svg" in html and "Rollout gates" in html


def test_a_dead_candidate_and_a_garbled_secondary_change_nothing_for_clients(
    backends: dict[str, Backend], tmp_path: Path
) -> None:
    store = tmp_path / "store.jsonl"
    dead = f"http://127.0.0.1:{free_port()}"
    garbage = Garbage()
    proxy = Proxy(backends["primary"].url, dead, garbage.url, store)
    try:
        for i in range(20):
            assert requests.get(f"{proxy.url}/api/v1/groups/{i}", timeout=5).status_code == 200
        assert waiting(lambda: proxy.status()["acknowledged"] >= 20)
    finally:
        proxy.stop()
        garbage.stop()
    secondary = {json.loads(line)["secondary"][2] for line in store.read_text().splitlines()}
    assert secondary == {"bad response (ClientResponseError)"}
    status, found = report(store, tmp_path / "report")
    assert status == 1
    (failure,) = found["findings"]
    assert failure["kind"] == "backend_failure"
    assert "20 of 20 mirrored requests got no answer (unreachable ×20)" in failure["detail"]


@pytest.mark.slow  # 12 s: the candidate answers after 2 s (bench/shadow.py measures more)
def test_a_lagging_candidate_drops_copies_and_counts_them(
    backends: dict[str, Backend], tmp_path: Path
) -> None:
    slow = Backend("A", noise=False, delay=2.0)
    store = tmp_path / "store.jsonl"
    proxy = Proxy(backends["primary"].url, slow.url, None, store, "--queue", "2", "--workers", "1")
    try:
        for i in range(30):
            answer = requests.get(f"{proxy.url}/api/v1/groups/{i}", timeout=5)
            assert answer.status_code == 200 and answer.elapsed.total_seconds() < 1.0
        counters = proxy.status()
    finally:
        proxy.stop()
        slow.stop()
    assert counters["dropped"] >= 25 and counters["mirrored"] + counters["dropped"] == 30
    assert '"dropped"' in store.read_text()
    report(store, tmp_path / "report")
    html = (tmp_path / "report" / "index.html").read_text()
    assert "dropped (candidate lagging)" in html


def test_an_unreachable_primary_is_a_502_and_the_proxy_stays_up(
    backends: dict[str, Backend], tmp_path: Path
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    proxy = Proxy(dead, backends["candidate"].url, None, tmp_path / "store.jsonl")
    try:
        assert requests.get(f"{proxy.url}/api/v1/groups/1", timeout=5).status_code == 502
        assert proxy.status()["primary failures"] == 1
    finally:
        proxy.stop()


def test_mirrored_writes_need_backends_of_their_own(backends: dict[str, Backend]) -> None:
    url = backends["primary"].url
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "harness.cli",
            "shadow",
            "--primary",
            url,
            "--candidate",
            url,
            "--mirror-writes",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0 and "applied twice" in done.stderr


def test_two_proxies_write_one_postgresql_store_and_the_report_adds_them_up(
    backends: dict[str, Backend], tmp_path: Path, empty_database: str
) -> None:
    proxies = [
        Proxy(backends["primary"].url, backends["candidate"].url, None, empty_database)
        for _ in range(2)
    ]
    try:
        for proxy in proxies:
            for i in range(10):
                assert requests.get(f"{proxy.url}/api/v1/groups/{i}", timeout=5).ok
        for proxy in proxies:
            assert waiting(lambda p=proxy: p.status()["acknowledged"] >= 10)  # type: ignore[misc]
    finally:
        for proxy in proxies:
            proxy.stop()
    with psycopg.connect(empty_database) as conn:
        row = conn.execute("SELECT count(DISTINCT record->>'instance') FROM parity_shadow_records")
        assert row.fetchone() == (2,)
    status, found = report(empty_database, tmp_path / "report")
    assert status == 1
    assert "20 of 20 answers differ here" in found["findings"][0]["detail"]
    html = (tmp_path / "report" / "index.html").read_text()
    assert "proxy instances: <strong>2</strong>" in html


def test_the_front_runs_on_uvloop_unless_told_asyncio() -> None:
    import uvloop

    for kind, wanted in (("auto", uvloop.Loop), ("uvloop", uvloop.Loop)):
        loop = event_loop(kind)
        try:
            assert isinstance(loop, wanted), kind
        finally:
            loop.close()
    plain = event_loop("asyncio")
    try:
        assert not isinstance(plain, uvloop.Loop)
    finally:
        plain.close()
