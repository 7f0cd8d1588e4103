"""Fixtures of the shared-cache tests: engines on one plugin host, a second server and client."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from credflow.testing import AuditRecorder, AuthServer

from .support import SECOND_CLIENT_ID, SECOND_SECRET_ENV, WRONG_SECRET_ENV, SharedEngines


@pytest.fixture
def other_server(credflow_auth_server_factory: Callable[..., AuthServer], server: AuthServer) -> AuthServer:
    """A second authorization server that knows the test client with the same secret."""
    other = credflow_auth_server_factory()
    other.add_client(server.test_client_id, server.test_client_secret, scopes=["api.read", "api.write"])
    return other


@pytest.fixture
def shared(
    server: AuthServer, recorder: AuditRecorder, monkeypatch: pytest.MonkeyPatch
) -> Iterator[SharedEngines]:
    """Engines sharing one plugin host; a second client and a wrong secret in the environment."""
    monkeypatch.setenv(SECOND_SECRET_ENV, "second-client-secret")
    monkeypatch.setenv(WRONG_SECRET_ENV, "not-the-test-client-secret")
    server.add_client(SECOND_CLIENT_ID, "second-client-secret", scopes=["api.read"])
    built = SharedEngines(server, recorder)
    yield built
    built.close()
