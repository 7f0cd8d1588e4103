"""Shared fixtures for the `credflow.testing` server tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import httpx
import pytest
from joserfc.jwk import RSAKey

from credflow.testing import AuthServer, ManualClock

BILLING_ID = "billing"
BILLING_SECRET = "s3cret"


class TokenRequest(Protocol):
    def __call__(
        self,
        client_id: str = BILLING_ID,
        secret: str = BILLING_SECRET,
        *,
        method: str = "client_secret_basic",
        **form: str,
    ) -> httpx.Response: ...


@pytest.fixture
def clock() -> ManualClock:
    """A clock the test moves by hand."""
    return ManualClock()


@pytest.fixture
def server(clock: ManualClock, credflow_signing_key: RSAKey) -> Iterator[AuthServer]:
    """A running server on the manual clock with the client "billing"."""
    with AuthServer(clock=clock, signing_key=credflow_signing_key) as running:
        running.add_client(BILLING_ID, BILLING_SECRET, scopes=["api.read", "api.write"])
        yield running


@pytest.fixture(scope="session")
def http() -> Iterator[httpx.Client]:
    """An HTTP client shared by the tests (building one costs ~0.1 s of TLS setup)."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def request_token(server: AuthServer, http: httpx.Client) -> TokenRequest:
    """POST a client-credentials request to `server`, authenticating by `method`."""

    def post(
        client_id: str = BILLING_ID,
        secret: str = BILLING_SECRET,
        *,
        method: str = "client_secret_basic",
        **form: str,
    ) -> httpx.Response:
        data: dict[str, Any] = {"grant_type": "client_credentials", **form}
        if method == "client_secret_basic":
            return http.post(server.token_endpoint, data=data, auth=(client_id, secret))
        data |= {"client_id": client_id, "client_secret": secret}
        return http.post(server.token_endpoint, data=data)

    return post
