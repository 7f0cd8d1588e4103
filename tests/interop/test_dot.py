"""Interop with django-oauth-toolkit as shipped: discovery, 403 on a revoked token, Basic decoding."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.cli import ExitCode, main
from credflow.doctor import diagnose

from .dot_server import DotServer, dot, dot_session

__all__ = ["dot", "dot_session"]  # fixtures used by name

EngineFactory = Callable[..., TokenEngine]


@pytest.fixture
def make_engine(dot: DotServer) -> Iterator[EngineFactory]:
    """Engines for DOT's client, found by discovery from the issuer; keywords change the config."""
    engines: list[TokenEngine] = []

    def make(**changes: Any) -> TokenEngine:
        settings: dict[str, Any] = {
            "issuer": dot.issuer,
            "client_id": dot.client_id,
            "client_secret": "env:DOT_CLIENT_SECRET",
            "scopes": ("read",),
            **changes,
        }
        engine = TokenEngine(ClientConfig(**settings), plugins=PluginHost(load_entry_points=False))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()


def test_token_from_dot_found_by_path_insertion_discovery(dot: DotServer, make_engine: EngineFactory) -> None:
    """DOT publishes metadata only at /.well-known/oauth-authorization-server/tenant1; credflow finds it."""
    engine = make_engine()
    with httpx.Client(auth=engine.httpx_auth()) as client:
        response = client.get(dot.api_url)
    assert (200, {"hello": "world"}) == (response.status_code, response.json())
    assert {"token": 1, "api": 1} == dot.counts()


async def test_token_from_dot_found_by_path_insertion_discovery_async(
    dot: DotServer, make_engine: EngineFactory
) -> None:
    """The same discovery through the asynchronous path."""
    engine = make_engine()
    token = await engine.aget_token()
    async with httpx.AsyncClient(auth=engine.httpx_auth()) as client:
        response = await client.get(dot.api_url)
    assert (200, "read") == (response.status_code, token.scope)
    assert {"token": 1, "api": 1} == dot.counts()


def test_httpx_renews_a_revoked_token_on_dot_403_with_renew_on(
    dot: DotServer, make_engine: EngineFactory
) -> None:
    """renew_on = [401, 403]: DOT's 403 for a revoked token renews it and resends once."""
    engine = make_engine(renew_on=(401, 403))
    with httpx.Client(auth=engine.httpx_auth()) as client:
        assert 200 == client.get(dot.api_url).status_code
        dot.revoke(engine.get_token().access_token)
        response = client.get(dot.api_url)
    assert 200 == response.status_code
    assert {"token": 2, "api": 3} == dot.counts()


async def test_async_httpx_renews_a_revoked_token_on_dot_403_with_renew_on(
    dot: DotServer, make_engine: EngineFactory
) -> None:
    """renew_on = [401, 403] on httpx.AsyncClient: renewed, one resend."""
    engine = make_engine(renew_on=(401, 403))
    async with httpx.AsyncClient(auth=engine.httpx_auth()) as client:
        assert 200 == (await client.get(dot.api_url)).status_code
        dot.revoke((await engine.aget_token()).access_token)
        response = await client.get(dot.api_url)
    assert 200 == response.status_code
    assert {"token": 2, "api": 3} == dot.counts()


def test_requests_renews_a_revoked_token_on_dot_403_with_renew_on(
    dot: DotServer, make_engine: EngineFactory
) -> None:
    """renew_on = [401, 403] with requests: renewed, one resend."""
    engine = make_engine(renew_on=(401, 403))
    auth = engine.requests_auth()
    with requests.Session() as session:
        assert 200 == session.get(dot.api_url, auth=auth).status_code
        dot.revoke(engine.get_token().access_token)
        response = session.get(dot.api_url, auth=auth)
    assert (200, [403]) == (response.status_code, [earlier.status_code for earlier in response.history])
    assert {"token": 2, "api": 3} == dot.counts()


def test_a_403_that_renewal_does_not_cure_is_resent_only_once(
    dot: DotServer, make_engine: EngineFactory
) -> None:
    """DOT's scoped view refuses a read-only token with 403 every time: one renewal, one resend, then 403."""
    engine = make_engine(renew_on=(401, 403))
    with httpx.Client(auth=engine.httpx_auth()) as client:
        response = client.get(dot.write_api_url)
    assert 403 == response.status_code
    assert {"token": 2, "api": 2} == dot.counts()


@pytest.mark.parametrize("client_kind", ["httpx", "requests"])
def test_default_renew_on_returns_dot_403_unchanged(
    dot: DotServer, make_engine: EngineFactory, client_kind: str
) -> None:
    """With the default renew_on = [401], DOT's 403 reaches the caller: no new token, no resend."""
    engine = make_engine()
    if client_kind == "httpx":
        with httpx.Client(auth=engine.httpx_auth()) as client:
            client.get(dot.api_url)
            dot.revoke(engine.get_token().access_token)
            status = client.get(dot.api_url).status_code
    else:
        with requests.Session() as session:
            session.get(dot.api_url, auth=engine.requests_auth())
            dot.revoke(engine.get_token().access_token)
            status = session.get(dot.api_url, auth=engine.requests_auth()).status_code
    assert 403 == status
    assert {"token": 1, "api": 2} == dot.counts()


async def test_default_renew_on_returns_dot_403_unchanged_async(
    dot: DotServer, make_engine: EngineFactory
) -> None:
    """The same on httpx.AsyncClient: the 403 reaches the caller, one token request in all."""
    engine = make_engine()
    async with httpx.AsyncClient(auth=engine.httpx_auth()) as client:
        await client.get(dot.api_url)
        dot.revoke((await engine.aget_token()).access_token)
        status = (await client.get(dot.api_url)).status_code
    assert 403 == status
    assert {"token": 1, "api": 2} == dot.counts()


def _config_file(tmp_path: Path, dot: DotServer, encoding: str) -> Path:
    path = tmp_path / "credflow.toml"
    path.write_text(
        f'[clients.dot]\nissuer = "{dot.issuer}"\nclient_id = "{dot.client_id}"\n'
        f'client_secret = "env:DOT_CLIENT_SECRET"\nscopes = ["read"]\nbasic_auth_encoding = "{encoding}"\n'
        "[clients.dot.retry]\nattempts = 2\ndeadline = 5\n"
    )
    return path


def test_check_names_basic_auth_encoding_when_dot_rejects_a_raw_secret_with_percent_and_plus(
    dot: DotServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DOT form-decodes Basic credentials: a raw '%'/'+' secret is refused; check names the setting."""
    path = _config_file(tmp_path, dot, "raw")

    failure = diagnose(path, env={}).first_failure
    code = main(["check", "--config", str(path)])
    out = capsys.readouterr().out

    assert failure is not None
    assert ("token issued", ExitCode.CREDENTIALS_REJECTED) == (failure.step, code)
    assert failure.fix is not None
    assert "set basic_auth_encoding = 'form-urlencoded' on this client" in failure.fix
    assert "basic_auth_encoding = 'form-urlencoded'" in out
    for part in (dot.client_secret, dot.client_secret[:12], "%2B+x"):
        assert part not in out
        assert part not in failure.fix


def test_check_passes_with_form_urlencoded_basic_credentials(dot: DotServer, tmp_path: Path) -> None:
    """The same secret under the default form-urlencoded encoding: DOT issues a token."""
    diagnosis = diagnose(_config_file(tmp_path, dot, "form-urlencoded"), env={})
    assert None is diagnosis.first_failure
    assert 1 == dot.counts()["token"]
