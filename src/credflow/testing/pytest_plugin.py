"""pytest fixtures for a local authorization server (entry point `credflow`).

- `credflow_auth_server`: a started `AuthServer`, stopped after the test. It
  has the client `server.test_client_id` ("test-client") with the random
  secret `server.test_client_secret`, both client auth methods, and the
  scopes "api.read" and "api.write".
- `credflow_auth_server_factory`: call it with `AuthServer` keyword
  arguments to start more servers; all are stopped after the test.
- `credflow_signing_key`: the session's shared RSA signing key (below).
- `credflow_entra`, `credflow_auth0`, `credflow_okta`, `credflow_keycloak`,
  `credflow_cognito`: a started faithful imitation of that provider's token
  endpoint (`credflow.testing.providers`), stopped after the test; register
  clients on it with `add_client`.

Servers started by these fixtures share one RSA signing key per test
session, since generating one costs about 0.1 s; each server still checks
that a token names it as issuer. Pass `signing_key=` to the factory for a
server with a key of its own.

The fixtures import the server only when used, so this plugin loads in an
install without the `testing` extra.

`credflow.set_testing()` is a process-wide switch; the plugin saves it before
each test and restores it after, so a test that turns it on or off changes
no other test. The ini option `credflow_skip_retry_waits = true` runs every
test with it on (retries happen, their waits are skipped):

    [tool.pytest.ini_options]
    credflow_skip_retry_waits = true
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Protocol

import pytest

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

    from .providers import (
        Auth0Imitation,
        CognitoImitation,
        EntraImitation,
        KeycloakImitation,
        OktaImitation,
        ProviderImitation,
    )
    from .server import AuthServer

__all__ = [
    "AuthServerFactory",
    "credflow_auth0",
    "credflow_auth_server",
    "credflow_auth_server_factory",
    "credflow_cognito",
    "credflow_entra",
    "credflow_keycloak",
    "credflow_okta",
    "credflow_signing_key",
]


SKIP_RETRY_WAITS_INI = "credflow_skip_retry_waits"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        SKIP_RETRY_WAITS_INI,
        type="bool",
        default=False,
        help="run every test under credflow.set_testing(True): retries without their waits",
    )


@pytest.fixture(autouse=True)
def _credflow_retry_waits(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with the configured testing switch and leaves it as it found it."""
    from credflow.transport._retry import is_testing, set_testing

    before = is_testing()
    if request.config.getini(SKIP_RETRY_WAITS_INI):
        set_testing(True)
    yield
    set_testing(before)


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


def _imitation(name: str, key: RSAKey) -> Iterator[ProviderImitation]:
    from . import providers

    imitation: ProviderImitation = getattr(providers, name)(signing_key=key)
    imitation.start()
    try:
        yield imitation
    finally:
        imitation.stop()


@pytest.fixture
def credflow_entra(credflow_signing_key: RSAKey) -> Iterator[EntraImitation]:
    """A started Microsoft Entra ID imitation (tenant `contoso.onmicrosoft.com`)."""
    yield from _imitation("EntraImitation", credflow_signing_key)  # type: ignore[misc]


@pytest.fixture
def credflow_auth0(credflow_signing_key: RSAKey) -> Iterator[Auth0Imitation]:
    """A started Auth0 tenant imitation (declare APIs with `imitation.apis.add(identifier)`)."""
    yield from _imitation("Auth0Imitation", credflow_signing_key)  # type: ignore[misc]


@pytest.fixture
def credflow_okta(credflow_signing_key: RSAKey) -> Iterator[OktaImitation]:
    """A started Okta org imitation with the custom authorization server `default`."""
    yield from _imitation("OktaImitation", credflow_signing_key)  # type: ignore[misc]


@pytest.fixture
def credflow_keycloak(credflow_signing_key: RSAKey) -> Iterator[KeycloakImitation]:
    """A started Keycloak realm imitation (realm `services`)."""
    yield from _imitation("KeycloakImitation", credflow_signing_key)  # type: ignore[misc]


@pytest.fixture
def credflow_cognito(credflow_signing_key: RSAKey) -> Iterator[CognitoImitation]:
    """A started Amazon Cognito user pool domain imitation."""
    yield from _imitation("CognitoImitation", credflow_signing_key)  # type: ignore[misc]
