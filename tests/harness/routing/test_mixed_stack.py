"""The mixed stack against real servers: router, Go and a Rails on Go's database."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from harness.backends import provision
from harness.http import ApiRequest
from harness.routing import SERVED_BY
from tests.harness.conftest import port_is_free, processes_mentioning

MANIFEST = Path(__file__).parents[3] / "examples" / "routes" / "groups-and-discussions-reads.yaml"


def served_by(response) -> str:
    return next(v for k, v in response.headers if k.lower() == SERVED_BY)


def test_writes_go_to_rails_reads_to_go_on_one_database(make_config) -> None:
    config = make_config(go_ported=str(MANIFEST))
    with provision(config) as backends:
        go = backends.go
        group_id = go.ids["group:main"]
        created = go.send(
            ApiRequest(
                method="POST",
                path="/api/v1/discussions",
                actor="admin",
                json={"discussion": {"title": "Through Rails", "group_id": group_id}},
            )
        )
        assert (created.status, served_by(created)) == (200, "rails")
        key = created.body["discussions"][0]["key"]
        shown = go.send(ApiRequest(method="GET", path=f"/api/v1/discussions/{key}", actor="admin"))
        # written by the Rails behind the router, read back through Go: one database
        assert (shown.status, served_by(shown)) == (200, "go")
        assert shown.body["discussions"][0]["title"] == "Through Rails"
        # the rails side of the run is Rails alone, on its own database
        alone = backends.rails.send(
            ApiRequest(method="GET", path=f"/api/v1/discussions/{key}", actor="admin")
        )
        # ... behind a router of its own that sends everything to it: one hop on each side
        assert (alone.status, served_by(alone)) == (404, "rails")
        # the router forwards the raw target: %04 is not a URL once decoded
        odd = go.send(ApiRequest(method="GET", path="/api/v1/discussions/%04x%20y", actor="admin"))
        assert (odd.status, served_by(odd)) == (404, "go") and odd.is_json
        newline = go.send(ApiRequest(method="PATCH", path="/api/v1/comments/%0A", actor="admin"))
        assert (newline.status, served_by(newline)) == (404, "rails") and newline.is_json
        ports = [int(b.base_url.rsplit(":", 1)[1]) for b in (go, backends.rails)]
    # both routers are gone (matched by their own --port: other runs may have routers up)
    for port in ports:
        assert port_is_free(port)
        assert not processes_mentioning(f"--port\0{port}\0"), port


def test_a_cookie_from_rails_is_good_on_go_behind_the_router(make_config) -> None:
    # sessions are routed to Rails; Go reads the cookie with the shared SECRET_KEY_BASE
    with provision(make_config(go_ported=str(MANIFEST), auth="cookie")) as backends:
        me = backends.go.send(ApiRequest(method="GET", path="/api/v1/profile/me", actor="admin"))
        assert (me.status, served_by(me)) == (200, "go")


def test_a_write_through_the_rails_behind_the_router_is_published_on_the_go_sides_redis(
    make_config,
) -> None:
    # production shares one Redis between Rails and Go: the live updates of an unported write
    # reach the go side's channel server
    with provision(make_config(go_ported=str(MANIFEST))) as backends:
        go = backends.go
        assert go.redis_url, go.redis_why
        listener = redis.Redis.from_url(go.redis_url).pubsub(ignore_subscribe_messages=True)
        listener.psubscribe("*")
        created = go.send(
            ApiRequest(
                method="POST",
                path="/api/v1/discussions",
                actor="admin",
                json={"discussion": {"title": "Live", "group_id": go.ids["group:main"]}},
            )
        )
        assert (created.status, served_by(created)) == (200, "rails")
        deadline = time.monotonic() + 10
        message = None
        while message is None and time.monotonic() < deadline:
            message = listener.get_message(timeout=0.5)
        listener.close()
        assert message is not None, "nothing was published on the go side's Redis"
