"""The keycloak and cognito profiles against their imitations."""

from __future__ import annotations

from typing import Any

import pytest

from credflow import CredentialsRejectedError, OAuthError
from credflow.events import TokenIssued
from credflow.testing import AuditRecorder
from credflow.testing.providers import CognitoImitation, KeycloakImitation

from .conftest import SECRET, SECRET_ENV, EngineFactory

COGNITO_DOMAIN = "acme.auth.eu-west-1.amazoncognito.com"


def keycloak_settings(keycloak: KeycloakImitation, **changes: Any) -> dict[str, Any]:
    """The keycloak profile's settings, pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "keycloak",
        "base_url": "https://sso.acme.example",
        "realm": keycloak.realm,
        "client_id": "billing-svc",
        "scopes": ("billing",),
        "token_endpoint": keycloak.token_endpoint,
    }
    return {**base, **changes}


def cognito_settings(cognito: CognitoImitation, **changes: Any) -> dict[str, Any]:
    """The cognito profile's settings, pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "cognito",
        "domain": COGNITO_DOMAIN,
        "client_id": "app-client",
        "scopes": ("billing-api/read",),
        "token_endpoint": cognito.token_endpoint,
    }
    return {**base, **changes}


def test_keycloak_token_reports_default_client_scopes(
    credflow_keycloak: KeycloakImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Keycloak adds its default client scopes: 300 s token, one least-privilege warning naming them."""
    credflow_keycloak.add_client(
        "billing-svc", SECRET, scopes=("billing",), default_scopes=("profile", "email")
    )
    token = make_engine(**keycloak_settings(credflow_keycloak)).get_token()
    assert 300 == round(token.lifetime_seconds)
    [issued] = recorder.of_type(TokenIssued)
    assert ("profile", "email") == issued.excess_scopes
    assert issued.excess_scopes_fix is not None
    assert "Client scopes" in issued.excess_scopes_fix


def test_keycloak_service_account_switch(
    credflow_keycloak: KeycloakImitation, make_engine: EngineFactory
) -> None:
    """ "Client not enabled to retrieve service account" → the exact switch to turn on."""
    credflow_keycloak.add_client("billing-svc", SECRET, scopes=("billing",), service_accounts=False)
    with pytest.raises(
        OAuthError,
        match=r"turn on 'Service accounts roles'.*client 'billing-svc' in realm 'services'.*Client not "
        r"enabled",
    ):
        make_engine(**keycloak_settings(credflow_keycloak)).get_token()


def test_keycloak_wrong_secret_is_a_rejected_secret(
    credflow_keycloak: KeycloakImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Keycloak's 401 unauthorized_client "Invalid client credentials" behaves as invalid_client."""
    credflow_keycloak.add_client("billing-svc", SECRET, scopes=("billing",))
    monkeypatch.setenv(SECRET_ENV, "wrong")
    with pytest.raises(
        CredentialsRejectedError, match=r"Keycloak rejected the secret.*Clients > billing-svc > Credentials"
    ):
        make_engine(**keycloak_settings(credflow_keycloak)).get_token()


async def test_keycloak_rotation_policy_keeps_the_old_secret(
    credflow_keycloak: KeycloakImitation, make_engine: EngineFactory
) -> None:
    """With a rotation policy the old secret still works after Regenerate (async path)."""
    credflow_keycloak.add_client("billing-svc", SECRET, scopes=("billing",))
    credflow_keycloak.regenerate_secret("billing-svc", "regenerated", rotated_valid_for=3600)
    assert (await make_engine(**keycloak_settings(credflow_keycloak)).aget_token()).access_token


def test_cognito_basic_only_and_scope_claim(
    credflow_cognito: CognitoImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Cognito gets Basic; with no scope it grants every allowed scope, read from the JWT's scope claim."""
    credflow_cognito.add_client("app-client", SECRET, scopes=("billing-api/read", "billing-api/write"))
    make_engine(**cognito_settings(credflow_cognito, scopes=())).get_token()
    assert "basic" == credflow_cognito.requests[0].client_auth
    [issued] = recorder.of_type(TokenIssued)
    assert ("billing-api/read", "billing-api/write") == issued.excess_scopes


@pytest.mark.parametrize(
    ("client_options", "scopes", "expected"),
    [
        (
            {"client_credentials": False},
            ("billing-api/read",),
            r"not allowed the client credentials flow.*'unauthorized_client'",
        ),
        (
            {},
            ("billing-api/delete",),
            r"scopes \['billing-api/delete'\] are not all allowed custom scopes.*'invalid_scope'",
        ),
    ],
)
def test_cognito_errors_get_descriptions(
    credflow_cognito: CognitoImitation,
    make_engine: EngineFactory,
    client_options: dict[str, Any],
    scopes: tuple[str, ...],
    expected: str,
) -> None:
    """Cognito's bare error bodies get a description each."""
    credflow_cognito.add_client("app-client", SECRET, scopes=("billing-api/read",), **client_options)
    with pytest.raises(OAuthError, match=expected):
        make_engine(**cognito_settings(credflow_cognito, scopes=scopes)).get_token()


def test_cognito_rejected_secret(
    credflow_cognito: CognitoImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """{"error":"invalid_client"} names the reference and the two-secret rotation."""
    credflow_cognito.add_client("app-client", SECRET, scopes=("billing-api/read",))
    monkeypatch.setenv(SECRET_ENV, "wrong")
    with pytest.raises(
        CredentialsRejectedError,
        match=rf"Amazon Cognito rejected the secret.*env:{SECRET_ENV}.*add-user-pool-client-secret",
    ):
        make_engine(**cognito_settings(credflow_cognito)).get_token()


async def test_cognito_two_secrets(
    credflow_cognito: CognitoImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two active secrets: the new one works before the old is deleted (async path)."""
    credflow_cognito.add_client("app-client", SECRET, scopes=("billing-api/read",))
    credflow_cognito.add_secret("app-client", "second-secret-value-24chars")
    monkeypatch.setenv(SECRET_ENV, "second-secret-value-24chars")
    credflow_cognito.delete_secret("app-client", SECRET)
    assert (await make_engine(**cognito_settings(credflow_cognito)).aget_token()).access_token
