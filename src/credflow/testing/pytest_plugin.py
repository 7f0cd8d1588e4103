"""pytest fixtures for a local authorization server (entry point `credflow`).

- `credflow_auth_server`: a started `AuthServer`, stopped after the test. It
  has the client `server.test_client_id` ("test-client") with the random
  secret `server.test_client_secret`, both client auth methods, and the
  scopes "api.read" and "api.write".
- `credflow_auth_server_factory`: call it with `AuthServer` keyword
  arguments to start more servers; all are stopped after the test.
- `credflow_signing_key`: the session's shared RSA signing key (below).

Servers started by these fixtures share one RSA signing key per test
session, since generating one costs about 0.1 s; each server still checks
that a token names it as issuer. Pass `signing_key=` to the factory for a
server with a key of its own.

The fixtures import the server only when used, so this plugin loads in an
install without the `testing` extra.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

    from .server import AuthServer

__all__ = [
    "AuthServerFactory",
    "credflow_auth_server",
    "credflow_auth_server_factory",
    "credflow_signing_key",
]


class AuthServerFactory(Protocol):
    """Starts an `AuthServer` built with the given keyword arguments."""

    def __call__(self, **kwargs: Any) -> AuthServer: ...


@pytest.fixture(scope="session")
def credflow_signing_key() -> RSAKey:
    """The RSA key the fixtures' servers sign tokens with."""
    from .tokens import generate_signing_key  # the testing extra may be missing

    return generate_signing_key()


@pytest.fixture
def credflow_auth_server_factory(credflow_signing_key: RSAKey) -> Iterator[AuthServerFactory]:
    """Start servers on demand; every one is stopped at teardown."""
    from .server import AuthServer  # the testing extra may be missing

    started: list[AuthServer] = []

    def start(**kwargs: Any) -> AuthServer:
        kwargs.setdefault("signing_key", credflow_signing_key)
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
