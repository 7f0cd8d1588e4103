"""httpx.Auth on the synchronous client: attach, refuse plain HTTP, renew once on 401."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from credflow import InsecureTransportError
from credflow.testing import AuthServer

from .auth_fixtures import MovableTime, server, server_time
from .conftest import EngineFactory

__all__ = ["server", "server_time"]  # fixtures used by name


def test_bearer_token_is_attached(server: AuthServer, make_engine: EngineFactory) -> None:
    """Requests carry the engine's token; the API accepts it."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth()) as client:
        response = client.get(f"{server.api_url}/read/report")
    assert (200, server.test_client_id) == (response.status_code, response.json()["client_id"])
    assert 1 == server.counters.token_requests


def test_401_renews_the_token_once_and_resends(
    server: AuthServer, server_time: MovableTime, make_engine: EngineFactory
) -> None:
    """A token the API rejects is dropped, a new one fetched, and the request sent again."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth()) as client:
        assert 200 == client.post(f"{server.api_url}/read/x", json={"n": 1}).status_code
        server_time.offset += 7200  # the API now sees the cached token as expired
        response = client.post(f"{server.api_url}/read/x", json={"n": 2})
    assert (200, {"n": 2}) == (response.status_code, response.json()["json"])
    assert (2, 1) == (server.counters.token_requests, server.counters.api_rejected)


def test_401_with_a_streamed_body_is_not_resent(
    server: AuthServer, server_time: MovableTime, make_engine: EngineFactory
) -> None:
    """A body that cannot be replayed is not sent twice; the 401 reaches the caller."""
    engine = make_engine()

    def chunks() -> Iterator[bytes]:
        yield b"once"

    with httpx.Client(auth=engine.httpx_auth()) as client:
        client.get(f"{server.api_url}/read/x")
        server_time.offset += 7200
        response = client.post(f"{server.api_url}/read/x", content=chunks())
    assert 401 == response.status_code
    assert 1 == server.counters.token_requests


def test_403_is_returned_without_renewal(server: AuthServer, make_engine: EngineFactory) -> None:
    """A request refused for lack of scope (403) is not a token problem: no new token, no resend."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth()) as client:
        response = client.get(f"{server.api_url}/write/x")
    assert 403 == response.status_code
    assert 1 == server.counters.token_requests


def test_an_allowed_loopback_origin_does_not_let_a_remote_one_through(
    make_engine: EngineFactory, server: AuthServer
) -> None:
    """Allowed http hosts are remembered only once they passed: a remote one is refused every time."""
    engine = make_engine()
    auth = engine.httpx_auth()
    with httpx.Client(auth=auth) as client:
        statuses = [client.get(f"{server.api_url}/read/x").status_code for _ in range(2)]
        refusals = 0
        for _ in range(2):
            with pytest.raises(InsecureTransportError, match="API request"):
                client.get("http://api.example.com/x")
            refusals += 1

    assert ([200, 200], 2, 1) == (statuses, refusals, server.counters.token_requests)


def test_plain_http_to_a_remote_api_is_refused(make_engine: EngineFactory) -> None:
    """The auth refuses to send a token over plain HTTP to a non-loopback host."""
    engine = make_engine()
    with (
        httpx.Client(auth=engine.httpx_auth()) as client,
        pytest.raises(InsecureTransportError, match="API request"),
    ):
        client.get("http://api.example.com/x")
