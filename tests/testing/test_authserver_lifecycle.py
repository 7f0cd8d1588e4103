"""Start and stop, discovery, concurrency, logging and counters."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from credflow.testing import AuthServer, ServerCounters
from credflow.testing.assertions import ASSERTION_ALGORITHMS
from credflow.testing.clients import RegisteredClient

RequestToken = Callable[..., httpx.Response]


def test_endpoint_urls(server: AuthServer) -> None:
    """Every endpoint hangs off the issuer, on 127.0.0.1 and the bound port."""
    issuer = f"http://127.0.0.1:{server.port}"
    expected = (
        issuer + "/oauth2/token",
        issuer + "/oauth2/jwks",
        issuer + "/oauth2/introspect",
        issuer + "/api",
    )
    actual = (server.token_endpoint, server.jwks_uri, server.introspection_endpoint, server.api_url)
    assert (issuer, expected) == (server.issuer, actual)


@pytest.mark.parametrize(
    "path", ["/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"]
)
def test_discovery_document(server: AuthServer, http: httpx.Client, path: str) -> None:
    """Both discovery paths serve the RFC 8414 metadata of the endpoints."""
    metadata = http.get(server.issuer + path).json()
    expected = {
        "issuer": server.issuer,
        "token_endpoint": server.token_endpoint,
        "jwks_uri": server.jwks_uri,
        "introspection_endpoint": server.introspection_endpoint,
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "client_secret_jwt",
            "private_key_jwt",
        ],
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "grant_types_supported": ["client_credentials"],
        "scopes_supported": ["api.read", "api.write"],
    }
    assert expected == {key: metadata[key] for key in expected}


def test_issuer_before_start_raises() -> None:
    """A server that never started has no issuer yet."""
    with pytest.raises(RuntimeError, match="start it first"):
        _ = AuthServer().issuer


def test_start_twice_raises(server: AuthServer) -> None:
    """Starting a running server is an error."""
    with pytest.raises(RuntimeError, match="already running"):
        server.start()


def test_stopped_server_refuses_connections(server: AuthServer, http: httpx.Client) -> None:
    """After stop, the port no longer answers."""
    server.stop()
    with pytest.raises(httpx.ConnectError):
        http.get(server.jwks_uri)


def test_restart_keeps_port_key_and_clients(
    server: AuthServer, http: httpx.Client, request_token: RequestToken
) -> None:
    """A restarted server answers at the same URLs and honours its earlier tokens."""
    token = request_token().json()["access_token"]
    issuer = server.issuer
    server.stop()
    server.start()
    response = http.get(server.api_url + "/read", headers={"Authorization": f"Bearer {token}"})
    assert (issuer, 200, 200) == (server.issuer, response.status_code, request_token().status_code)


def test_stop_drops_request_in_flight(server: AuthServer) -> None:
    """A request in flight when the server stops gets no answer, as from a dead server."""
    server.latency = 30.0
    outcome: list[BaseException | int] = []

    def ask() -> None:
        try:
            response = httpx.post(
                server.token_endpoint,
                data={"grant_type": "client_credentials"},
                auth=("billing", "s3cret"),
                timeout=10.0,
            )
            outcome.append(response.status_code)
        except httpx.TransportError as error:
            outcome.append(error)

    asker = threading.Thread(target=ask)
    asker.start()
    while server.counters.token_requests == 0:
        threading.Event().wait(0.01)
    server.stop()
    asker.join(timeout=5)
    assert [True] == [isinstance(result, httpx.TransportError) for result in outcome]


def test_concurrent_token_requests(server: AuthServer) -> None:
    """200 concurrent clients all get tokens and every request is counted once."""
    limits = httpx.Limits(max_connections=200)
    with httpx.Client(timeout=30.0, limits=limits) as client:

        def ask(_: int) -> int:
            return client.post(
                server.token_endpoint,
                data={"grant_type": "client_credentials"},
                auth=("billing", "s3cret"),
            ).status_code

        with ThreadPoolExecutor(max_workers=200) as pool:
            statuses = list(pool.map(ask, range(200)))
    expected = ([200] * 200, 200, 200)
    assert expected == (statuses, server.counters.token_requests, server.counters.tokens_issued)


def test_concurrent_rotation_and_requests(server: AuthServer) -> None:
    """Rotating secrets while requests run never answers anything but 200 or 401."""
    with httpx.Client(timeout=30.0) as client:

        def ask(i: int) -> int:
            if i % 10 == 0:
                server.rotate_secret("billing", f"secret-{i}", grace_seconds=60)
            return client.post(
                server.token_endpoint,
                data={"grant_type": "client_credentials"},
                auth=("billing", "s3cret"),
            ).status_code

        with ThreadPoolExecutor(max_workers=50) as pool:
            statuses = set(pool.map(ask, range(100)))
    assert set() == statuses - {200, 401}


def test_counters_reset(server: AuthServer, request_token: RequestToken) -> None:
    """reset() sets every counter back to zero."""
    request_token()
    server.counters.reset()
    assert (
        dict.fromkeys(
            [
                "token_requests",
                "tokens_issued",
                "invalid_client",
                "introspections",
                "api_calls",
                "api_rejected",
            ],
            0,
        )
        == server.counters.snapshot()
    )


def test_counters_type(server: AuthServer) -> None:
    """counters is the exported ServerCounters."""
    assert ServerCounters is type(server.counters)


def test_no_secret_or_token_in_logs(
    server: AuthServer,
    http: httpx.Client,
    request_token: RequestToken,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Even at DEBUG, no log line carries a client secret or an access token."""
    with caplog.at_level(logging.DEBUG):
        token = request_token().json()["access_token"]
        request_token(method="client_secret_post")
        request_token(secret="wrong-s3cret")
        http.get(server.api_url + "/read", headers={"Authorization": f"Bearer {token}"})
        http.post(server.introspection_endpoint, data={"token": token}, auth=("billing", "s3cret"))
        text = caplog.text
    assert (True, False, False, False) == (
        "Issue token" in text,
        "s3cret" in text,
        token in text,
        token.split(".")[2] in text,
    )


def test_client_repr_hides_secrets() -> None:
    """A client's repr, which Authlib logs, leaves its secrets out."""
    client = RegisteredClient(
        client_id="billing",
        scopes=("api.read",),
        auth_methods=frozenset({"client_secret_basic"}),
        token_lifetime=None,
        accepted_secrets=("s3cret",),
    )
    assert "s3cret" not in repr(client)
