"""Redirects: a token reaches only the origin it was attached to (httpx sync and async, requests)."""

from __future__ import annotations

import httpx
import requests

from credflow.testing import AuthServer

from .conftest import EngineFactory
from .redirect_servers import RecordingApi, api, elsewhere

__all__ = ["api", "elsewhere"]  # fixtures used by name


def test_httpx_sends_no_token_to_a_rejecting_redirect_target_elsewhere(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi, elsewhere: RecordingApi
) -> None:
    """A 401 from another origin reached by a 307 is returned; no token goes there, none is refetched."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = client.get(api.redirect_to(f"{elsewhere.url}/reject"))
    assert (401, [False]) == (response.status_code, elsewhere.tokens_received)
    assert 1 == server.counters.token_requests


async def test_async_httpx_sends_no_token_to_a_rejecting_redirect_target_elsewhere(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi, elsewhere: RecordingApi
) -> None:
    """The same on httpx.AsyncClient: the 401 is returned, one token request in all."""
    engine = make_engine()
    async with httpx.AsyncClient(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = await client.get(api.redirect_to(f"{elsewhere.url}/reject"))
    assert (401, [False]) == (response.status_code, elsewhere.tokens_received)
    assert 1 == server.counters.token_requests


def test_requests_sends_no_token_to_a_rejecting_redirect_target_elsewhere(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi, elsewhere: RecordingApi
) -> None:
    """requests strips the header on the redirect; the renewal hook must not send a fresh token there."""
    engine = make_engine()
    with requests.Session() as session:
        response = session.get(api.redirect_to(f"{elsewhere.url}/reject"), auth=engine.requests_auth())
    assert (401, [False]) == (response.status_code, elsewhere.tokens_received)
    assert 1 == server.counters.token_requests


def test_httpx_same_origin_redirect_keeps_the_token(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi
) -> None:
    """A 307 within the origin carries the token to the target."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = client.get(api.redirect_to(f"{api.url}/whoami"))
    sent = response.json()["authorization"]
    assert (200, [sent, sent]) == (response.status_code, api.authorizations)
    assert sent.startswith("Bearer ")


async def test_async_httpx_same_origin_redirect_keeps_the_token(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi
) -> None:
    """A 307 within the origin carries the token to the target (async client)."""
    engine = make_engine()
    async with httpx.AsyncClient(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = await client.get(api.redirect_to(f"{api.url}/whoami"))
    sent = response.json()["authorization"]
    assert (200, [sent, sent]) == (response.status_code, api.authorizations)
    assert sent.startswith("Bearer ")


def test_requests_same_origin_redirect_keeps_the_token(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi
) -> None:
    """A 307 within the origin carries the token to the target (requests)."""
    engine = make_engine()
    with requests.Session() as session:
        response = session.get(api.redirect_to(f"{api.url}/whoami"), auth=engine.requests_auth())
    sent = response.json()["authorization"]
    assert (200, [sent, sent]) == (response.status_code, api.authorizations)
    assert sent.startswith("Bearer ")


def test_httpx_same_origin_redirect_rejection_renews_once(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi
) -> None:
    """A 401 from a target within the origin still renews the token and resends once."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = client.get(api.redirect_to(f"{api.url}/reject"))
    assert 401 == response.status_code
    assert 2 == server.counters.token_requests


async def test_async_httpx_same_origin_redirect_rejection_renews_once(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi
) -> None:
    """A 401 from a target within the origin renews once (async client)."""
    engine = make_engine()
    async with httpx.AsyncClient(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = await client.get(api.redirect_to(f"{api.url}/reject"))
    assert 401 == response.status_code
    assert 2 == server.counters.token_requests


def test_requests_same_origin_redirect_rejection_renews_once(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi
) -> None:
    """A 401 from a target within the origin renews once and resends there (requests)."""
    engine = make_engine()
    with requests.Session() as session:
        response = session.get(api.redirect_to(f"{api.url}/reject"), auth=engine.requests_auth())
    assert 401 == response.status_code
    assert 2 == server.counters.token_requests
    assert [True, True, True] == api.tokens_received


def test_httpx_rejection_back_home_without_the_token_does_not_renew(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi, elsewhere: RecordingApi
) -> None:
    """A → elsewhere → A: httpx does not restore the header, so A's 401 is not about our token."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = client.get(api.redirect_to(elsewhere.redirect_to(f"{api.url}/reject")))
    assert (401, [True, False], [False]) == (
        response.status_code,
        api.tokens_received,
        elsewhere.tokens_received,
    )
    assert 1 == server.counters.token_requests


async def test_async_httpx_rejection_back_home_without_the_token_does_not_renew(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi, elsewhere: RecordingApi
) -> None:
    """A → elsewhere → A on httpx.AsyncClient: one token request, the 401 returned."""
    engine = make_engine()
    async with httpx.AsyncClient(auth=engine.httpx_auth(), follow_redirects=True) as client:
        response = await client.get(api.redirect_to(elsewhere.redirect_to(f"{api.url}/reject")))
    assert (401, [True, False], [False]) == (
        response.status_code,
        api.tokens_received,
        elsewhere.tokens_received,
    )
    assert 1 == server.counters.token_requests


def test_requests_rejection_back_home_without_the_token_does_not_renew(
    server: AuthServer, make_engine: EngineFactory, api: RecordingApi, elsewhere: RecordingApi
) -> None:
    """A → elsewhere → A with requests: the header stays stripped; no renewal, no token sent."""
    engine = make_engine()
    with requests.Session() as session:
        response = session.get(
            api.redirect_to(elsewhere.redirect_to(f"{api.url}/reject")), auth=engine.requests_auth()
        )
    assert (401, [True, False], [False]) == (
        response.status_code,
        api.tokens_received,
        elsewhere.tokens_received,
    )
    assert 1 == server.counters.token_requests
