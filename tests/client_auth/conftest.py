"""Fixtures for the client-authentication tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from credflow import ClientConfig, PluginHost, RetryPolicy, TokenEngine
from credflow.testing import AuditRecorder, AuthServer

EngineFactory = Callable[..., TokenEngine]


@pytest.fixture
def recorder() -> AuditRecorder:
    """Every audit event of the test's engines."""
    return AuditRecorder()


@pytest.fixture
def server(credflow_auth_server: AuthServer) -> AuthServer:
    """The embedded authorization server (its JWT client authentication included)."""
    return credflow_auth_server


@pytest.fixture
def make_engine(server: AuthServer, recorder: AuditRecorder) -> Iterator[EngineFactory]:
    """Engines at the embedded server; keywords set the client config."""
    engines: list[TokenEngine] = []

    def make(*, plugins: tuple[object, ...] = (), **settings: Any) -> TokenEngine:
        config = ClientConfig(
            **{
                "token_endpoint": server.token_endpoint,
                "scopes": ("api.read",),
                "retry": RetryPolicy(attempts=3, deadline=10),
                **settings,
            }
        )
        host = PluginHost(plugins=(recorder, *plugins), load_entry_points=False)
        engine = TokenEngine(config, plugins=host)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
