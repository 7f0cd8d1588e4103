"""The imitations' own rules, for requests the profiles never send (the profiles refuse them first)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from credflow.testing.providers import Auth0Imitation, CognitoImitation, EntraImitation

# httpx sends Basic credentials without form-encoding them: a secret without + or % reads the same.
SECRET = "plain-secret-value-42"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client, proxies from the environment ignored."""
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        yield client


def test_entra_refuses_resource(credflow_entra: EntraImitation, http: httpx.Client) -> None:
    """The v2.0 endpoint answers `resource` with AADSTS901002."""
    credflow_entra.add_client("app", SECRET, resources=("api://billing",))
    form = {
        "grant_type": "client_credentials",
        "resource": "api://billing",
        "scope": "api://billing/.default",
    }
    response = http.post(credflow_entra.token_endpoint, data=form, auth=("app", SECRET))
    body = response.json()
    assert (400, "invalid_request", [901002]) == (response.status_code, body["error"], body["error_codes"])


def test_entra_refuses_a_scope_without_default(credflow_entra: EntraImitation, http: httpx.Client) -> None:
    """A permission scope in the client credentials flow is invalid_scope (AADSTS1002012)."""
    credflow_entra.add_client("app", SECRET, resources=("api://billing",))
    form = {"grant_type": "client_credentials", "scope": "api://billing/Invoices.Read"}
    body = http.post(credflow_entra.token_endpoint, data=form, auth=("app", SECRET)).json()
    assert ("invalid_scope", [1002012]) == (body["error"], body["error_codes"])
    assert body["trace_id"] in body["error_description"]


def test_auth0_without_audience_or_default(credflow_auth0: Auth0Imitation, http: httpx.Client) -> None:
    """No audience and no default audience is a 403."""
    credflow_auth0.add_client("m2m", SECRET)
    response = http.post(
        credflow_auth0.token_endpoint, json={"grant_type": "client_credentials"}, auth=("m2m", SECRET)
    )
    assert (403, "access_denied") == (response.status_code, response.json()["error"])


def test_auth0_accepts_json_with_the_secret_in_the_body(
    credflow_auth0: Auth0Imitation, http: httpx.Client
) -> None:
    """Auth0's documented JSON request with client_secret in the body works."""
    credflow_auth0.apis.add("https://api")
    credflow_auth0.add_client("m2m", SECRET, grants={"https://api": ("read:x",)})
    body = {
        "grant_type": "client_credentials",
        "client_id": "m2m",
        "client_secret": SECRET,
        "audience": "https://api",
    }
    response = http.post(credflow_auth0.token_endpoint, json=body)
    assert (200, "read:x", 86400) == (
        response.status_code,
        response.json()["scope"],
        response.json()["expires_in"],
    )


def test_cognito_refuses_the_secret_in_the_body(
    credflow_cognito: CognitoImitation, http: httpx.Client
) -> None:
    """Cognito takes the secret in HTTP Basic only: in the body it is invalid_client, without description."""
    credflow_cognito.add_client("app", SECRET, scopes=("res/read",))
    form = {"grant_type": "client_credentials", "client_id": "app", "client_secret": SECRET}
    response = http.post(credflow_cognito.token_endpoint, data=form)
    assert (400, {"error": "invalid_client"}) == (response.status_code, response.json())


def test_cognito_allows_two_secrets_only(credflow_cognito: CognitoImitation) -> None:
    """A third secret is refused, as AddUserPoolClientSecret refuses it."""
    credflow_cognito.add_client("app", SECRET)
    credflow_cognito.add_secret("app", "second-secret-value-0123456")
    with pytest.raises(ValueError, match="at most two secrets"):
        credflow_cognito.add_secret("app", "third-secret-value-01234567")


def test_requests_are_recorded_without_the_secret(
    credflow_cognito: CognitoImitation, http: httpx.Client
) -> None:
    """What the imitation records never holds the secret."""
    credflow_cognito.add_client("app", SECRET, scopes=("res/read",))
    http.post(
        credflow_cognito.token_endpoint, data={"grant_type": "client_credentials", "client_secret": SECRET}
    )
    assert "client_secret" not in credflow_cognito.requests[0].params
