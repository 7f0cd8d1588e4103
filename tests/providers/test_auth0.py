"""The auth0 profile against the Auth0 imitation: audience, grants, 401, quotas, rotation delay."""

from __future__ import annotations

from typing import Any

import pytest

from credflow import CredentialsRejectedError, ExcessScopesError, OAuthError, RotationPolicy
from credflow.events import TokenIssued
from credflow.testing import AuditRecorder
from credflow.testing.providers import Auth0Imitation

from .conftest import SECRET, SECRET_ENV, EngineFactory

API = "https://api.acme.example"
OLD_ENV = "PROVIDER_TEST_OLD_SECRET"


@pytest.fixture
def auth0(credflow_auth0: Auth0Imitation) -> Auth0Imitation:
    """The tenant with API `API` and client `m2m` granted read:invoices and write:invoices on it."""
    credflow_auth0.apis.add(API)
    credflow_auth0.quota_per_hour = 10
    credflow_auth0.add_client("m2m", SECRET, grants={API: ("read:invoices", "write:invoices")})
    return credflow_auth0


def settings(auth0: Auth0Imitation, **changes: Any) -> dict[str, Any]:
    """The auth0 profile's settings, pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "auth0",
        "domain": "acme.eu.auth0.com",
        "audience": API,
        "client_id": "m2m",
        "scopes": ("read:invoices",),
        "token_endpoint": auth0.token_endpoint,
    }
    return {**base, **changes}


def test_token_with_audience_and_quota_headers(
    auth0: Auth0Imitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """audience is sent; the 24 h lifetime and the quota header reach the audit event."""
    token = make_engine(**settings(auth0)).get_token()
    assert 86400 == round(token.lifetime_seconds)
    assert API == auth0.requests[0].params["audience"]
    [issued] = recorder.of_type(TokenIssued)
    assert issued.rate_limit is not None
    assert "b=per_hour;q=10;r=9;t=3600" == issued.rate_limit["auth0-client-quota-limit"]
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(issued.rate_limit)


async def test_token_async(auth0: Auth0Imitation, make_engine: EngineFactory) -> None:
    """The async path sends the same request."""
    assert (await make_engine(**settings(auth0, organization="org_1")).aget_token()).access_token
    assert "org_1" == auth0.requests[0].params["organization"]


def test_unknown_audience(auth0: Auth0Imitation, make_engine: EngineFactory) -> None:
    """403 "Service not enabled within domain" → the audience is wrong."""
    with pytest.raises(
        OAuthError,
        match=r"Auth0: the API identifier in audience \('https://other'\) is not registered.*Service "
        r"not enabled",
    ):
        make_engine(**settings(auth0, audience="https://other")).get_token()


def test_missing_client_grant(auth0: Auth0Imitation, make_engine: EngineFactory) -> None:
    """403 "is not authorized to access" → the client grant is missing."""
    auth0.apis.add("https://reports")
    with pytest.raises(
        OAuthError, match=r"client_id 'm2m' has no client grant for the API 'https://reports'.*client-grant"
    ):
        make_engine(**settings(auth0, audience="https://reports")).get_token()


def test_rejected_secret(
    auth0: Auth0Imitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """401 "Unauthorized" → a rejected secret naming client_secret's reference."""
    monkeypatch.setenv(SECRET_ENV, "wrong")
    with pytest.raises(
        CredentialsRejectedError,
        match=rf"Auth0 rejected the secret of client_id 'm2m' read from env:{SECRET_ENV}.*Unauthorized",
    ):
        make_engine(**settings(auth0)).get_token()


def test_rotation_delay_bridged_by_fallback_secrets(
    auth0: Auth0Imitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After rotate-secret the new value is not yet accepted: the fallback (old) value bridges the delay."""
    auth0.rotate_secret("m2m", "rotated-secret", propagation=30)
    monkeypatch.setenv(SECRET_ENV, "rotated-secret")
    monkeypatch.setenv(OLD_ENV, SECRET)
    engine = make_engine(**settings(auth0, rotation=RotationPolicy(fallback_secrets=(f"env:{OLD_ENV}",))))
    assert engine.get_token().access_token
    assert 2 == auth0.token_requests  # the new value refused, then the old one accepted


def test_no_scope_asked_grants_everything_and_warns(
    auth0: Auth0Imitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Without scopes Auth0 grants every scope of the client grant: one least-privilege warning."""
    make_engine(**settings(auth0, scopes=())).get_token()
    [issued] = recorder.of_type(TokenIssued)
    assert ("read:invoices", "write:invoices") == issued.excess_scopes
    assert issued.excess_scopes_fix is not None
    assert "Machine to Machine Applications" in issued.excess_scopes_fix


def test_strict_scopes_refuses_the_broader_token(auth0: Auth0Imitation, make_engine: EngineFactory) -> None:
    """strict_scopes = true turns the warning into an error naming the extra scopes."""
    with pytest.raises(
        ExcessScopesError, match=r"read:invoices write:invoices.*strict_scopes = true"
    ) as caught:
        make_engine(**settings(auth0, scopes=(), strict_scopes=True)).get_token()
    assert ("read:invoices", "write:invoices") == caught.value.extra_scopes
