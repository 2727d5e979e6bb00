"""Containers mode for real: `tox -e containers` (podman here, Docker elsewhere).

Needs DOCKER_HOST and the images .ci/containers-setup builds; without them these tests are
skipped with that reason (they are not part of the default CI run).
"""

from __future__ import annotations

import os

import docker
import pytest
import redis

from harness.backends import provision
from harness.http import ApiRequest

pytestmark = [
    pytest.mark.containers,
    pytest.mark.skipif(
        not os.environ.get("DOCKER_HOST"),
        reason="containers mode needs an engine: run `tox -e containers` (.ci/containers-setup)",
    ),
]
APP_IMAGE = os.environ.get("PARITY_TEST_APP_IMAGE", "localhost/parity-reference:dev")
PG_IMAGE = os.environ.get("PARITY_TEST_PG_IMAGE", "localhost/parity-pg:15")
REDIS_IMAGE = os.environ.get("PARITY_TEST_REDIS_IMAGE", "localhost/parity-redis:7")
PREPARE = "python3.11 -m reference migrate"  # DATABASE_URL comes from the environment
ME = ApiRequest(method="GET", path="/api/v1/profile/me", actor="admin")


def running_containers() -> set[str]:
    client = docker.from_env()
    try:
        return {c.id for c in client.containers.list(all=True)}
    finally:
        client.close()


def test_two_app_images_and_postgres_on_one_network(make_config) -> None:
    before = running_containers()
    config = make_config(
        rails_image=APP_IMAGE,
        go_image=APP_IMAGE,
        rails_prepare=PREPARE,
        go_prepare=PREPARE,
        pg_image=PG_IMAGE,
        redis_image=REDIS_IMAGE,
        rails_setenv="PARITY_FAULTS=",
        ready_timeout="60",
    )
    with provision(config) as backends:
        assert running_containers() - before  # postgres, a Redis per side, two apps
        for backend in backends:
            assert backend.mode == "containers"
            assert backend.send(ME).status == 200
            assert backend.send(ApiRequest(method="GET", path=ME.path)).status == 403
            with redis.Redis.from_url(str(backend.redis_url)) as client:
                assert client.ping()  # the app's REDIS_URL, reached through its mapped port
        assert backends.rails.ids == backends.go.ids
    assert running_containers() == before
    assert (config.run_dir / "rails.log").exists()


def test_an_image_side_next_to_an_embedded_side(make_config) -> None:
    config = make_config(
        go_image=APP_IMAGE, go_prepare=PREPARE, pg_image=PG_IMAGE, redis_image=REDIS_IMAGE
    )
    with provision(config) as backends:
        assert (backends.rails.mode, backends.go.mode) == ("embedded", "containers")
        assert [b.send(ME).status for b in backends] == [200, 200]
