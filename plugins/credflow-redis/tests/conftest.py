"""Fixtures: a real redis-server per session (or per test, for fault tests) and an auth server."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from credflow_redis.testing import RedisServer
from redis_helpers import CLIENT_ID, SCOPE, client_config, make_host

from credflow import TokenEngine, set_testing
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


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)


SECRET_ENV = "CREDFLOW_TEST_CLIENT_SECRET"
REDIS_URL_ENV = "CREDFLOW_TEST_REDIS_URL"


class Replicas:
    """Builds engines that behave like separate replicas: each has its own plugin host and connection."""

    def __init__(self, server: AuthServer, redis_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch):
        self.server = server
        self.key_prefix = key_prefix
        self._monkeypatch = monkeypatch
        self.secret = secrets.token_urlsafe(24)
        server.add_client(CLIENT_ID, self.secret, scopes=[SCOPE])
        monkeypatch.setenv(SECRET_ENV, self.secret)
        self.point_at(redis_url)
        self.engines: list[TokenEngine] = []

    def point_at(self, redis_url: str) -> None:
        """Make replicas built from now on use this Redis URL."""
        self._monkeypatch.setenv(REDIS_URL_ENV, redis_url)

    def rotate_secret(self) -> None:
        """Give the client a new secret, at the server and in the environment."""
        self.secret = secrets.token_urlsafe(24)
        self.server.rotate_secret(CLIENT_ID, self.secret)
        self._monkeypatch.setenv(SECRET_ENV, self.secret)

    def new(self, *plugins: object, **cache_settings: Any) -> TokenEngine:
        """A new replica (engine) of the client."""
        config = client_config(
            self.server.token_endpoint,
            secret_env=SECRET_ENV,
            redis_url_env=REDIS_URL_ENV,
            key_prefix=self.key_prefix,
            **cache_settings,
        )
        engine = TokenEngine(config, plugins=make_host(*plugins))
        self.engines.append(engine)
        return engine

    def close(self) -> None:
        """Close every engine built."""
        for engine in self.engines:
            engine.close()


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
