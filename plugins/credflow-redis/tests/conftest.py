"""Fixtures: a real redis-server per session (or per test, for fault tests) and an auth server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from credflow_redis.testing import RedisServer

from credflow import set_testing
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
    """An authorization server with one client, `client_secret` in `server.secret`."""
    with AuthServer(token_lifetime=60) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_retry_waits() -> Iterator[None]:
    set_testing(True)
    yield
    set_testing(False)
