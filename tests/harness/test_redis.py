from __future__ import annotations

import contextlib
import dataclasses
import os
from pathlib import Path

import pytest
import redis

from harness.config import HarnessConfig
from harness.redis import RedisError, find_redis_server, local_redis, redis_link


def test_server_answers_and_keeps_databases_apart() -> None:
    with local_redis() as server:
        one = redis.Redis.from_url(server.url(1))
        two = redis.Redis.from_url(server.url(2))
        one.set("k", "rails")
        two.set("k", "go")
        assert (one.get("k"), two.get("k")) == (b"rails", b"go")
        one.close()
        two.close()


def test_published_message_reaches_a_subscriber() -> None:
    with local_redis() as server:
        client = redis.Redis.from_url(server.url())
        pubsub = client.pubsub()
        pubsub.subscribe("/records")
        assert pubsub.get_message(timeout=5)["type"] == "subscribe"
        assert client.publish("/records", '{"room": "group-1"}') == 1
        message = pubsub.get_message(timeout=5)
        assert message is not None and message["data"] == b'{"room": "group-1"}'
        pubsub.close()
        client.close()


def test_nothing_persisted_and_nothing_left_after_stop() -> None:
    with local_redis() as server:
        client = redis.Redis.from_url(server.url())
        assert client.config_get("save") == {"save": ""}
        assert client.config_get("appendonly") == {"appendonly": "no"}
        client.close()
        root, process = server.root, server.process
        assert root.exists()
    assert not root.exists()
    assert process.poll() is not None


def test_missing_binary_names_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PARITY_REDIS_SERVER", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RedisError, match="apt-get install redis-server"):
        find_redis_server()


def test_configured_binary_must_exist(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARITY_REDIS_SERVER", os.fspath(tmp_path / "nope"))
    with pytest.raises(RedisError, match="PARITY_REDIS_SERVER="):
        find_redis_server()


def test_each_started_side_gets_its_own_server_stopped_with_the_run(tmp_path: Path) -> None:
    config = HarnessConfig.from_sources({}, {}, {})
    with contextlib.ExitStack() as stack:
        links = [redis_link(s, "process", config, stack, tmp_path) for s in config.sides]
        urls = [link.capture_url for link in links]
        assert len(set(urls)) == 2 and all(link.app_url == link.capture_url for link in links)
        for url in urls:
            with redis.Redis.from_url(str(url)) as client:
                assert client.ping()
    for url in urls:
        with pytest.raises(redis.ConnectionError), redis.Redis.from_url(str(url)) as client:
            client.ping()


def test_a_running_server_without_a_redis_url_says_why_nothing_is_captured(
    tmp_path: Path,
) -> None:
    config = HarnessConfig.from_sources({"go_url": "http://127.0.0.1:9"}, {}, {})
    with contextlib.ExitStack() as stack:
        link = redis_link(config.go, "url", config, stack, tmp_path)
        given = dataclasses.replace(config.go, redis_url="redis://127.0.0.1:6399/0")
        passed = redis_link(given, "url", config, stack, tmp_path)
    assert link.capture_url is None and "--go-redis-url" in link.why
    assert passed.capture_url == passed.app_url == "redis://127.0.0.1:6399/0"
