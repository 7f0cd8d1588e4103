"""translate_error as a pure function: hints, kept identifiers, behaviour by the `error` field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from credflow import ClientConfig, CredentialsRejectedError, OAuthError
from credflow.protocol import RawResponse
from credflow.providers import translate_error

ENTRA = ClientConfig(
    client_id="billing-app",
    client_secret="vault:secret/billing#client_secret",
    provider="entra",
    tenant="contoso.onmicrosoft.com",
    scopes=("api://billing/.default",),
)
ENDPOINT = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"


def entra_error(error: str, code: int, status: int = 400) -> tuple[OAuthError, RawResponse]:
    """An Entra error body as documented, and the OAuthError the protocol parser makes of it."""
    body: dict[str, Any] = {
        "error": error,
        "error_description": f"AADSTS{code}: text.\r\nTrace ID: t-1\r\nCorrelation ID: c-1",
        "error_codes": [code],
        "trace_id": "t-1",
        "correlation_id": "c-1",
    }
    parsed = OAuthError(
        endpoint=ENDPOINT, status=status, error=error, error_description=body["error_description"]
    )
    return parsed, RawResponse(status, {"content-type": "application/json"}, json.dumps(body).encode())


@pytest.mark.parametrize(
    ("error", "code", "expected"),
    [
        (
            "invalid_client",
            7000215,
            "read from vault:secret/billing#client_secret (config key client_secret)",
        ),
        ("invalid_client", 7000222, "the secret has expired"),
        ("unauthorized_client", 700016, "no application with client_id 'billing-app'"),
        ("invalid_scope", 70011, "scopes = ['api://billing/.default'] is not valid"),
        ("invalid_resource", 500011, "is not found in tenant 'contoso.onmicrosoft.com'"),
        ("invalid_client", 700027, "client assertion of client_id 'billing-app' names no certificate"),
        ("invalid_client", 500133, "was not within its valid time range"),
        ("invalid_client", 700024, "synchronise this host's clock (NTP); assertion_lifetime is 60 s"),
        ("invalid_client", 700023, "remove assertion_audience"),
        ("invalid_client", 700021, "check client_id ('billing-app')"),
        ("invalid_request", 70021, "no federated credential of client_id 'billing-app'"),
        ("invalid_request", 90002, "tenant 'contoso.onmicrosoft.com' (config key tenant) was not found"),
        ("invalid_request", 901002, "remove resource"),
    ],
)
def test_entra_codes_map_to_hints(error: str, code: int, expected: str) -> None:
    """Each listed AADSTS code gets its hint first, Entra's own text after it."""
    translated = translate_error(ENTRA, *entra_error(error, code))
    message = str(translated)
    assert expected in message
    assert message.index(expected) < message.index(f"AADSTS{code}")
    assert (error, (code,), "t-1", "c-1") == (
        translated.error,
        translated.error_codes,
        translated.trace_id,
        translated.correlation_id,
    )


def test_behaviour_follows_the_error_field_not_the_code() -> None:
    """An AADSTS secret code under another `error` keeps that error: no rotation is triggered."""
    translated = translate_error(ENTRA, *entra_error("invalid_request", 7000215))
    assert ("invalid_request", False) == (translated.error, isinstance(translated, CredentialsRejectedError))


def test_generic_path_is_unchanged() -> None:
    """Without a provider the error is returned as it was."""
    generic = ClientConfig(client_id="a", client_secret="env:A", token_endpoint=ENDPOINT)
    parsed, raw = entra_error("invalid_client", 7000215)
    assert parsed is translate_error(generic, parsed, raw)


def test_auth0_unauthorized_is_a_rejected_secret() -> None:
    """Auth0's 401 access_denied "Unauthorized" behaves as invalid_client, its text kept."""
    auth0 = ClientConfig(
        client_id="m2m",
        client_secret="env:AUTH0_SECRET",
        provider="auth0",
        domain="acme.auth0.com",
        audience="https://api",
    )
    body = {"error": "access_denied", "error_description": "Unauthorized"}
    parsed = OAuthError(
        endpoint="https://acme.auth0.com/oauth/token",
        status=401,
        error="access_denied",
        error_description="Unauthorized",
    )
    translated = translate_error(auth0, parsed, RawResponse(401, {}, json.dumps(body).encode()))
    assert "invalid_client" == translated.error
    assert "access_denied: Unauthorized" == translated.error_description
    assert "env:AUTH0_SECRET (config key client_secret)" in str(translated)
