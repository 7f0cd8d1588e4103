"""pytest fixtures for a local authorization server (entry point `credflow`).

- `credflow_auth_server`: a started `AuthServer`, stopped after the test. It
  has the client `server.test_client_id` ("test-client") with the random
  secret `server.test_client_secret`, both client auth methods, and the
  scopes "api.read" and "api.write".
- `credflow_auth_server_factory`: call it with `AuthServer` keyword
  arguments to start more servers; all are stopped after the test.

The fixtures import the server only when used, so this plugin loads in an
install without the `testing` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from .server import AuthServer

__all__ = ["AuthServerFactory", "credflow_auth_server", "credflow_auth_server_factory"]


class AuthServerFactory(Protocol):
    """Starts an `AuthServer` built with the given keyword arguments."""

    def __call__(self, **kwargs: Any) -> AuthServer: ...


@pytest.fixture
def credflow_auth_server_factory() -> Iterator[AuthServerFactory]:
    """Start servers on demand; every one is stopped at teardown."""
    from .server import AuthServer  # the testing extra may be missing

    started: list[AuthServer] = []

    def start(**kwargs: Any) -> AuthServer:
        server = AuthServer(**kwargs)
        started.append(server)
        return server.start()

    yield start
    for server in reversed(started):
        server.stop()


@pytest.fixture
def credflow_auth_server(credflow_auth_server_factory: AuthServerFactory) -> AuthServer:
    """A started server with the client `test_client_id` / `test_client_secret`."""
    return credflow_auth_server_factory(test_client=True)
