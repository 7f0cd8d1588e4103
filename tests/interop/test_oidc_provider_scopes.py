"""The least-privilege comparison on the generic path, against oidc-provider (no provider profile)."""

from __future__ import annotations

import pytest

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.events import TokenIssued
from credflow.testing import AuditRecorder

from .oidc_provider_server import OidcProviderServer

CLIENT_ID = "scopes-client"
SECRET = "scopes-secret-5d1e"


def test_exact_grant_from_oidc_provider_reports_nothing(
    oidc_provider: OidcProviderServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client allowed api.read and api.write asking for api.read gets it, and no warning."""
    oidc_provider.upsert_client(CLIENT_ID, [SECRET], scope="api.read api.write")
    monkeypatch.setenv("SCOPES_CLIENT_SECRET", SECRET)
    recorder = AuditRecorder()
    config = ClientConfig(
        client_id=CLIENT_ID,
        client_secret="env:SCOPES_CLIENT_SECRET",
        token_endpoint=oidc_provider.token_endpoint,
        scopes=("api.read",),
    )
    with TokenEngine(config, plugins=PluginHost(plugins=(recorder,), load_entry_points=False)) as engine:
        token = engine.get_token()
    [issued] = recorder.of_type(TokenIssued)
    assert ("api.read", ()) == (token.scope, issued.excess_scopes)
