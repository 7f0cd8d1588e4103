"""Fixtures for the HTTP auth tests: a server whose clock the test can move."""

from __future__ import annotations

import time

import pytest

from credflow.testing import AuthServer


class MovableTime:
    """A wall clock for the authorization server that a test can move forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def server_time() -> MovableTime:
    """The clock of the `server` fixture."""
    return MovableTime()


@pytest.fixture
def server(
    credflow_auth_server_factory: object, server_time: MovableTime, monkeypatch: pytest.MonkeyPatch
) -> AuthServer:
    """A server whose clock the test moves, so tokens the client still trusts become expired."""
    started: AuthServer = credflow_auth_server_factory(test_client=True, clock=server_time)  # type: ignore[operator]
    monkeypatch.setenv("TEST_CLIENT_SECRET", started.test_client_secret)
    return started
