"""The requests auth: attach, refuse plain HTTP, renew once on 401."""

from __future__ import annotations

import pytest
import requests

from credflow import InsecureTransportError
from credflow.testing import AuthServer

from .auth_fixtures import MovableTime, server, server_time
from .conftest import EngineFactory

__all__ = ["server", "server_time"]  # fixtures used by name


def test_bearer_token_is_attached(server: AuthServer, make_engine: EngineFactory) -> None:
    """Requests carry the engine's token; the API accepts it."""
    engine = make_engine()
    with requests.Session() as session:
        response = session.get(f"{server.api_url}/read/report", auth=engine.requests_auth())
    assert (200, server.test_client_id) == (response.status_code, response.json()["client_id"])


def test_401_renews_the_token_once_and_resends(
    server: AuthServer, server_time: MovableTime, make_engine: EngineFactory
) -> None:
    """A token the API rejects is dropped, a new one fetched, and the request sent again."""
    engine = make_engine()
    auth = engine.requests_auth()
    with requests.Session() as session:
        assert 200 == session.post(f"{server.api_url}/read/x", json={"n": 1}, auth=auth).status_code
        server_time.offset += 7200
        response = session.post(f"{server.api_url}/read/x", json={"n": 2}, auth=auth)
    assert (200, {"n": 2}) == (response.status_code, response.json()["json"])
    assert [401] == [earlier.status_code for earlier in response.history]
    assert (2, 1) == (server.counters.token_requests, server.counters.api_rejected)


def test_401_with_a_streamed_body_is_not_resent(
    server: AuthServer, server_time: MovableTime, make_engine: EngineFactory
) -> None:
    """A generator body cannot be replayed; the 401 reaches the caller."""
    engine = make_engine()
    auth = engine.requests_auth()
    with requests.Session() as session:
        session.get(f"{server.api_url}/read/x", auth=auth)
        server_time.offset += 7200
        response = session.post(f"{server.api_url}/read/x", data=(chunk for chunk in [b"once"]), auth=auth)
    assert 401 == response.status_code
    assert 1 == server.counters.token_requests


def test_plain_http_to_a_remote_api_is_refused(make_engine: EngineFactory) -> None:
    """The auth refuses to send a token over plain HTTP to a non-loopback host."""
    engine = make_engine()
    with pytest.raises(InsecureTransportError, match="API request"):
        requests.get("http://api.example.com/x", auth=engine.requests_auth(), timeout=5)
