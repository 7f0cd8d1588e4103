"""Fixtures for the engine tests: a real local authorization server and engines pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from credflow import ClientConfig, PluginHost, RetryPolicy, TokenEngine
from credflow.testing import AuditRecorder, AuthServer


@pytest.fixture
def recorder() -> AuditRecorder:
    """Every audit event of the test's engines."""
    return AuditRecorder()


@pytest.fixture
def server(credflow_auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> AuthServer:
    """The local authorization server, its test client's secret in $TEST_CLIENT_SECRET."""
    monkeypatch.setenv("TEST_CLIENT_SECRET", credflow_auth_server.test_client_secret)
    return credflow_auth_server


EngineFactory = Callable[..., TokenEngine]


@pytest.fixture
def make_engine(server: AuthServer, recorder: AuditRecorder) -> Iterator[EngineFactory]:
    """Build engines for the test client; `plugins=` adds plugins, other keywords change the config."""
    engines: list[TokenEngine] = []

    def make(*, plugins: tuple[object, ...] = (), clock: Any = None, **changes: Any) -> TokenEngine:
        settings: dict[str, Any] = {
            "token_endpoint": server.token_endpoint,
            "client_id": server.test_client_id,
            "client_secret": "env:TEST_CLIENT_SECRET",
            "scopes": ("api.read",),
            "retry": RetryPolicy(attempts=4, deadline=10),
        }
        settings.update(changes)
        host = PluginHost(plugins=(recorder, *plugins), load_entry_points=False)
        engine = TokenEngine(ClientConfig(**settings), plugins=host, clock=clock)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
