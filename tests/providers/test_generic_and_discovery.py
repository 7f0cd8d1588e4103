"""The generic path's least-privilege check, audit warnings, and each imitation's discovery document."""

from __future__ import annotations

import logging

import pytest

from credflow import ExcessScopesError
from credflow.events import TokenIssued, TokenRetried
from credflow.testing import AuditRecorder
from credflow.testing.providers import (
    Auth0Imitation,
    CognitoImitation,
    KeycloakImitation,
    OktaImitation,
)

from .conftest import SECRET, EngineFactory


@pytest.fixture
def cognito(credflow_cognito: CognitoImitation) -> CognitoImitation:
    """A Cognito imitation whose client may get two scopes."""
    credflow_cognito.add_client("app-client", SECRET, scopes=("billing-api/read", "billing-api/write"))
    return credflow_cognito


def test_generic_path_reports_broader_grants(
    cognito: CognitoImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Without a provider the comparison runs too, pointing at the authorization server."""
    make_engine(client_id="app-client", token_endpoint=cognito.token_endpoint).get_token()
    [issued] = recorder.of_type(TokenIssued)
    assert ("billing-api/read", "billing-api/write") == issued.excess_scopes
    assert "the authorization server's client settings" == issued.excess_scopes_fix


def test_generic_path_exact_grant_is_quiet(
    cognito: CognitoImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """A token granting what was asked reports nothing."""
    make_engine(
        client_id="app-client", token_endpoint=cognito.token_endpoint, scopes=("billing-api/read",)
    ).get_token()
    [issued] = recorder.of_type(TokenIssued)
    assert () == issued.excess_scopes


async def test_generic_path_strict_scopes(cognito: CognitoImitation, make_engine: EngineFactory) -> None:
    """strict_scopes refuses a broader token on the generic (async) path as well."""
    engine = make_engine(client_id="app-client", token_endpoint=cognito.token_endpoint, strict_scopes=True)
    with pytest.raises(
        ExcessScopesError, match=r"client_id 'app-client' was granted scopes it did not ask for"
    ):
        await engine.aget_token()


def test_one_audit_warning_per_broader_token(
    cognito: CognitoImitation, make_engine: EngineFactory, caplog: pytest.LogCaptureFixture
) -> None:
    """The audit log warns once for the token, not on every cached use of it."""
    engine = make_engine(client_id="app-client", token_endpoint=cognito.token_endpoint)
    with caplog.at_level(logging.WARNING, logger="credflow.audit"):
        engine.get_token()
        engine.get_token()
    warnings = [record for record in caplog.records if "grants more than requested" in record.getMessage()]
    assert 1 == len(warnings)
    assert "billing-api/read billing-api/write" in warnings[0].getMessage()


def test_auth0_429_headers_reach_the_audit_hooks(
    credflow_auth0: Auth0Imitation, make_engine: EngineFactory, recorder: AuditRecorder, no_retry_waits: None
) -> None:
    """Auth0's 429 has x-ratelimit-reset and no Retry-After: waited for, and audited."""
    credflow_auth0.apis.add("https://api")
    credflow_auth0.add_client("m2m", SECRET, grants={"https://api": ("read:x",)})
    credflow_auth0.rate_limit_next(1, reset_in=5)
    engine = make_engine(
        provider="auth0",
        domain="acme.auth0.com",
        audience="https://api",
        client_id="m2m",
        scopes=("read:x",),
        token_endpoint=credflow_auth0.token_endpoint,
    )
    assert engine.get_token().access_token
    [retried] = recorder.of_type(TokenRetried)
    assert retried.rate_limit is not None
    assert "0" == retried.rate_limit["x-ratelimit-remaining"]
    assert 4 <= retried.delay_seconds <= 7


def test_discovery_documents(
    credflow_okta: OktaImitation,
    credflow_keycloak: KeycloakImitation,
    credflow_auth0: Auth0Imitation,
    make_engine: EngineFactory,
) -> None:
    """Each imitation's discovery document leads credflow to its token endpoint (issuer only)."""
    credflow_okta.add_client("svc", SECRET)
    credflow_keycloak.add_client("billing-svc", SECRET, scopes=("billing",))
    credflow_auth0.apis.add("https://api")
    credflow_auth0.add_client("m2m", SECRET, grants={"https://api": ("read:x",)})
    okta = make_engine(
        provider="okta",
        domain="acme.okta.com",
        authorization_server="default",
        client_id="svc",
        scopes=("billing.read",),
        issuer=f"{credflow_okta.base_url}/oauth2/default",
    )
    keycloak = make_engine(
        provider="keycloak",
        base_url="https://sso.acme.example",
        realm="services",
        client_id="billing-svc",
        scopes=("billing",),
        issuer=credflow_keycloak.issuer,
    )
    auth0 = make_engine(
        provider="auth0",
        domain="acme.auth0.com",
        audience="https://api",
        client_id="m2m",
        issuer=credflow_auth0.issuer,
    )
    for engine in (okta, keycloak, auth0):
        assert engine.get_token().access_token
    assert (1, 1, 1) == (
        credflow_okta.token_requests,
        credflow_keycloak.token_requests,
        credflow_auth0.token_requests,
    )
