"""Fixtures: a real redis-server per session (or per test, for fault tests) and an auth server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from credflow_redis.testing import RedisServer
from redis_helpers import Replicas

from credflow.testing import AuthServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """A redis-server shared by the session's tests (a missing binary fails here)."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    """A redis-server of this test alone, for tests that stop, restart or pause it."""
    with RedisServer() as server:
        yield server


@pytest.fixture
def key_prefix() -> str:
    """A key prefix no other test uses, so tests sharing a server do not see each other."""
    return f"credflow-test-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def auth_server() -> Iterator[AuthServer]:
    """An authorization server (its clients are added by the tests)."""
    with AuthServer(token_lifetime=60) as server:
        yield server


@pytest.fixture
def replicas(
    auth_server: AuthServer, redis_server: RedisServer, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Replicas]:
    """Replicas of one client sharing the session's Redis."""
    built = Replicas(auth_server, redis_server.url, key_prefix, monkeypatch)
    yield built
    built.close()


@pytest.fixture
def private_replicas(
    auth_server: AuthServer, private_redis: RedisServer, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Replicas]:
    """Replicas of one client sharing a Redis of this test alone (to stop or pause)."""
    built = Replicas(auth_server, private_redis.url, key_prefix, monkeypatch)
    yield built
    built.close()
