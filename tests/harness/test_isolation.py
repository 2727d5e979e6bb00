"""Independent examples: in-place clones and scopes, against the embedded reference."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator

import psycopg
import pytest

from harness.backends import Backends, provision
from harness.http import ApiRequest
from harness.isolation import example_scope, open_scope, reset_databases

ME = ApiRequest(method="GET", path="/api/v1/profile/me", actor="admin")


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backends]:
    from harness.config import HarnessConfig
    from tests.harness.conftest import clean_environ

    run_dir = tmp_path_factory.mktemp("iso") / "run"
    config = HarnessConfig.from_sources(
        {"run_dir": str(run_dir), "request_timeout": "10"}, {}, clean_environ()
    )
    with provision(config) as backends:
        yield backends


def drain(backends: Backends) -> None:
    """After DROP DATABASE the reference's pooled connections are dead: each fails one call."""
    for backend in backends:
        path = f"/api/v1/discussions/{backend.ids['discussion:open_public']}"
        answers = [backend.send(ApiRequest(method="GET", path=path)).status for _ in range(10)]
        assert answers[-1] < 500, answers


def names(backends: Backends) -> list[str]:
    return [b.send(ME).body["users"][0]["name"] for b in backends]


def scribble(backends: Backends) -> None:
    for backend in backends:
        with psycopg.connect(backend.seed_dsn) as conn:
            conn.execute("UPDATE users SET name = 'Scribbled'")
            conn.execute("INSERT INTO users (email) VALUES ('extra@example.com')")


@pytest.mark.parametrize("method", ["restore", "recreate"])
def test_clone_reset_brings_back_the_seeded_rows_and_ids(pair: Backends, method: str) -> None:
    scribble(pair)
    assert names(pair) == ["Scribbled", "Scribbled"]
    reset_databases(pair, method=method)
    if method == "recreate":
        drain(pair)
    assert names(pair) == ["Admin", "Admin"]
    for backend in pair:
        with psycopg.connect(backend.seed_dsn) as conn:
            assert conn.execute(
                "SELECT count(*) FROM users WHERE email = 'extra@example.com'"
            ).fetchone() == (0,)
            next_id = conn.execute("SELECT nextval('users_id_seq')").fetchone()[0]
            assert next_id == max(v for k, v in backend.ids.items() if k.startswith("user:")) + 1


def test_in_place_reset_keeps_the_backends_connections_working(pair: Backends) -> None:
    reset_databases(pair)
    assert [b.send(ME).status for b in pair] == [200, 200]


def test_a_scope_has_its_own_group_and_basic_auth_actors_on_both_backends(pair: Backends) -> None:
    with open_scope(pair) as first, open_scope(pair) as second:
        assert first.ids["rails"]["group:group"] != second.ids["rails"]["group:group"]
        for backend in pair:
            me = backend.send(ApiRequest(method="GET", path=ME.path, actor=first.actor("member")))
            assert me.status == 200
            assert me.body["users"][0]["id"] == first.ids[backend.name]["user:member"]
        assert first.actor("member") in pair.rails.client.actors
    assert first.actor("member") not in pair.rails.client.actors


def test_isolation_cost_per_example(pair: Backends, record_property) -> None:
    costs = {}
    for strategy in ("clone", "scoped"):
        samples = []
        for _ in range(15):
            started = time.perf_counter()
            with example_scope(pair, strategy):
                samples.append(time.perf_counter() - started)
        costs[strategy] = statistics.median(samples) * 1000
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        reset_databases(pair, method="recreate")
        samples.append(time.perf_counter() - started)
    costs["recreate"] = statistics.median(samples) * 1000
    drain(pair)
    print(
        "isolation cost per example (median ms, both backends):",
        {k: round(v, 1) for k, v in costs.items()},
    )
    record_property("isolation_cost_ms", costs)
    assert costs["clone"] < 1000 and costs["scoped"] < 1000


HYPOTHESIS_SUITE = """
import psycopg
from hypothesis import given, settings, strategies as st
from harness.http import ApiRequest

@settings(max_examples=8, deadline=None, database=None)
@given(name=st.text(alphabet="abc", min_size=1, max_size=5))
def test_each_example_starts_from_the_seeded_world(isolated_example, backends, name):
    with isolated_example() as scope:
        for backend in backends:
            with psycopg.connect(backend.seed_dsn) as conn:
                group = scope.ids[backend.name]["group:main" if {clone} else "group:group"]
                before = conn.execute("SELECT name FROM groups WHERE id = %s", (group,)).fetchone()
                assert not before[0].startswith("changed-"), before
                conn.execute("UPDATE groups SET name = %s WHERE id = %s", ("changed-" + name, group))
            me = backend.send(ApiRequest(method="GET", path="/api/v1/profile/me", actor=scope.actor("member")))
            assert me.status == 200
"""


@pytest.mark.parametrize("strategy", ["clone", "scoped"])
def test_hypothesis_examples_are_independent_under_both_strategies(
    pytester: pytest.Pytester, strategy: str
) -> None:
    pytester.makepyfile(test_iso=HYPOTHESIS_SUITE.replace("{clone}", str(strategy == "clone")))
    result = pytester.runpytest_subprocess(
        "-p",
        "harness.plugin",
        f"--isolation={strategy}",
        f"--run-dir={pytester.path / 'run'}",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=1)
