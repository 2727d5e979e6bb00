from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from harness.redis import RedisError, find_redis_server, local_redis


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
