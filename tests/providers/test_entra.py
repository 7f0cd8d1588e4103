"""The entra profile against the Entra ID imitation: tokens, every mapped AADSTS error, rotation."""

from __future__ import annotations

from typing import Any

import pytest

from credflow import ConfigError, CredentialsRejectedError, OAuthError
from credflow.events import TokenIssued, TokenRetried
from credflow.testing import AuditRecorder
from credflow.testing.providers import EntraImitation

from .conftest import SECRET, SECRET_ENV, EngineFactory

RESOURCE = "api://billing"


@pytest.fixture
def entra(credflow_entra: EntraImitation) -> EntraImitation:
    """The imitation with client `billing-app` (secret SECRET, role Invoices.Read, resource api://billing)."""
    credflow_entra.add_client("billing-app", SECRET, scopes=("Invoices.Read",), resources=(RESOURCE,))
    return credflow_entra


def settings(entra: EntraImitation, **changes: Any) -> dict[str, Any]:
    """The entra profile's settings, pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "entra",
        "tenant": entra.tenant,
        "client_id": "billing-app",
        "scopes": (f"{RESOURCE}/.default",),
        "token_endpoint": entra.token_endpoint,
    }
    return {**base, **changes}


def test_token_from_the_v2_endpoint(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """The profile's request is accepted: secret in Basic, one /.default scope, no resource."""
    token = make_engine(**settings(entra)).get_token()
    assert 3599 == round(token.lifetime_seconds)
    [seen] = entra.requests
    assert ("basic", {"grant_type": "client_credentials", "scope": "api://billing/.default"}) == (
        seen.client_auth,
        dict(seen.params),
    )


async def test_token_from_the_v2_endpoint_async(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """The async path gets the same token shape."""
    token = await make_engine(**settings(entra, auth_method="client_secret_post")).aget_token()
    assert 3599 == round(token.lifetime_seconds)
    assert "post" == entra.requests[0].client_auth


def test_secret_id_instead_of_value(
    entra: EntraImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AADSTS7000215: the hint names the client, client_secret and its reference, then Entra's text."""
    monkeypatch.setenv(SECRET_ENV, "0b1c2d3e-aaaa-bbbb-cccc-123456789012")
    with pytest.raises(CredentialsRejectedError) as caught:
        make_engine(**settings(entra)).get_token()
    error = caught.value
    message = str(error)
    assert message.index("client_id 'billing-app'") < message.index("AADSTS7000215")
    assert f"env:{SECRET_ENV} (config key client_secret)" in message
    assert "secret's ID" in message
    assert ("invalid_client", (7000215,), "entra") == (error.error, error.error_codes, error.provider)
    assert error.trace_id is not None
    assert error.correlation_id is not None
    assert error.trace_id in message


def test_expired_secret_points_at_rotation(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """AADSTS7000222: an expired secret gets the rotation hint."""
    entra.expire_secrets("billing-app")
    with pytest.raises(
        CredentialsRejectedError, match=r"secret has expired.*docs/providers/entra\.md.*AADSTS7000222"
    ):
        make_engine(**settings(entra)).get_token()


def test_rotation_with_a_second_secret(
    entra: EntraImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An app registration holds two secrets: the new value works once stored, after the old expired."""
    entra.add_secret("billing-app", "new-secret-value")
    entra.expire_secrets("billing-app", SECRET)
    monkeypatch.setenv(SECRET_ENV, "new-secret-value")
    assert make_engine(**settings(entra)).get_token().access_token


def test_unknown_application(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """AADSTS700016 (unauthorized_client): client_id and tenant are named."""
    with pytest.raises(
        OAuthError,
        match=r"no application with client_id 'other-app' in tenant "
        r"'contoso\.onmicrosoft\.com'.*AADSTS700016",
    ) as caught:
        make_engine(**settings(entra, client_id="other-app")).get_token()
    assert "unauthorized_client" == caught.value.error


def test_resource_not_in_tenant(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """AADSTS500011: the resource named in scopes is not in the tenant."""
    with pytest.raises(
        OAuthError, match=r"resource in scopes \(api://unknown/\.default\) is not found.*AADSTS500011"
    ):
        make_engine(**settings(entra, scopes=("api://unknown/.default",))).get_token()


def test_tenant_not_found(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """AADSTS90002: the tenant key is named."""
    endpoint = entra.token_endpoint.replace(entra.tenant, "fabrikam.onmicrosoft.com")
    with pytest.raises(
        OAuthError,
        match=r"tenant 'fabrikam\.onmicrosoft\.com' \(config key tenant\) was not found.*AADSTS90002",
    ):
        make_engine(**settings(entra, tenant="fabrikam.onmicrosoft.com", token_endpoint=endpoint)).get_token()


def test_roles_granted_are_not_reported_as_excess(
    entra: EntraImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """/.default asks for every consented permission: the roles claim cannot be broader than asked."""
    make_engine(**settings(entra)).get_token()
    [issued] = recorder.of_type(TokenIssued)
    assert () == issued.excess_scopes


def test_discovery_document(entra: EntraImitation, make_engine: EngineFactory) -> None:
    """With an explicit issuer (the tenant-id form Entra publishes) the token endpoint is discovered."""
    engine = make_engine(**settings(entra, token_endpoint=None, issuer=entra.issuer))
    assert engine.get_token().access_token
    assert entra.requests[0].path == f"/{entra.tenant}/oauth2/v2.0/token"


def test_issuer_in_the_domain_form_is_refused_with_the_published_value(
    entra: EntraImitation, make_engine: EngineFactory
) -> None:
    """Entra publishes the tenant-id issuer; a domain-form issuer is a config error naming it."""
    issuer = f"{entra.base_url}/{entra.tenant}/v2.0"
    with pytest.raises(ConfigError, match=rf"says its issuer is '{entra.issuer}'"):
        make_engine(**settings(entra, token_endpoint=None, issuer=issuer)).get_token()


def test_refresh_in_is_honoured(credflow_signing_key: Any, make_engine: EngineFactory) -> None:
    """A long-lived Entra token's refresh_in sets when credflow renews it."""
    with EntraImitation(signing_key=credflow_signing_key, token_lifetime=86400) as entra:
        entra.add_client("billing-app", SECRET, scopes=("Invoices.Read",), resources=(RESOURCE,))
        token = make_engine(**settings(entra)).get_token()
    assert token.refresh_at is not None
    assert 43200 == round((token.refresh_at - token.issued_at).total_seconds())


def test_429_with_retry_after_is_honoured(
    entra: EntraImitation, make_engine: EngineFactory, recorder: AuditRecorder, no_retry_waits: None
) -> None:
    """Entra's 429 carries Retry-After, which the retry waits out."""
    entra.rate_limit_next(1, reset_in=7)
    assert make_engine(**settings(entra)).get_token().access_token
    [retried] = recorder.of_type(TokenRetried)
    assert 7.0 == retried.delay_seconds
