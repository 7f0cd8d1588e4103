"""The oidc-provider interop server behaves as the interop tests and the rotation drill need."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from credflow.testing import wait_until

from .oidc_provider_server import (
    INSTALL_COMMAND,
    OidcProviderAdminError,
    OidcProviderServer,
    OidcProviderStartupError,
    missing_prerequisites,
)

CLIENT_ID = "interop-client"
OLD_SECRET = "old-secret-3f9c"
NEW_SECRET = "new-secret-8a21"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain HTTP client that ignores proxy settings from the environment."""
    with httpx.Client(timeout=10.0, trust_env=False) as client:
        yield client


def request_token_basic(
    http: httpx.Client, server: OidcProviderServer, client_id: str, secret: str
) -> httpx.Response:
    """Ask for a token authenticating with client_secret_basic."""
    return http.post(
        server.token_endpoint,
        data={"grant_type": "client_credentials", "scope": "api.read"},
        auth=(client_id, secret),
    )


def request_token_post(
    http: httpx.Client, server: OidcProviderServer, client_id: str, secret: str
) -> httpx.Response:
    """Ask for a token authenticating with client_secret_post."""
    return http.post(
        server.token_endpoint,
        data={
            "grant_type": "client_credentials",
            "scope": "api.read",
            "client_id": client_id,
            "client_secret": secret,
        },
    )


def status_and_error(response: httpx.Response) -> tuple[int, str | None]:
    """The HTTP status and the OAuth ``error`` code, if any."""
    body = response.json()
    return response.status_code, body.get("error")


def test_token_via_client_secret_basic(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(200, Bearer, api.read) == a basic-auth token response."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET], auth_method="client_secret_basic")

    response = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET)

    body = response.json()
    assert (200, "Bearer", "api.read") == (response.status_code, body["token_type"], body["scope"])


def test_token_via_client_secret_post(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(200, Bearer) == a form-post token response."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET], auth_method="client_secret_post")

    response = request_token_post(http, oidc_provider, CLIENT_ID, OLD_SECRET)

    assert (200, "Bearer") == (response.status_code, response.json()["token_type"])


def test_basic_client_using_post_is_rejected(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(401, invalid_client) == a basic client authenticating in the body."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET], auth_method="client_secret_basic")

    response = request_token_post(http, oidc_provider, CLIENT_ID, OLD_SECRET)

    assert (401, "invalid_client") == status_and_error(response)


def test_post_client_using_basic_is_rejected(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(401, invalid_client) == a post client authenticating with a Basic header."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET], auth_method="client_secret_post")

    response = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET)

    assert (401, "invalid_client") == status_and_error(response)


def test_wrong_secret_is_rejected(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(401, invalid_client) == a token request with a secret never registered."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])

    response = request_token_basic(http, oidc_provider, CLIENT_ID, "not-the-secret")

    assert (401, "invalid_client") == status_and_error(response)


def test_unknown_client_is_rejected(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(401, invalid_client) == a token request from a client never registered."""
    response = request_token_basic(http, oidc_provider, "nobody", OLD_SECRET)

    assert (401, "invalid_client") == status_and_error(response)


def test_rotation_window_accepts_both_secrets_then_only_the_new(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """[200, 200, 401, 200] == old and new during the window, then old and new after it."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])

    oidc_provider.set_secrets(CLIENT_ID, [OLD_SECRET, NEW_SECRET])
    during_window = [
        request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).status_code,
        request_token_basic(http, oidc_provider, CLIENT_ID, NEW_SECRET).status_code,
    ]
    oidc_provider.set_secrets(CLIENT_ID, [NEW_SECRET])
    after_window = [
        request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).status_code,
        request_token_basic(http, oidc_provider, CLIENT_ID, NEW_SECRET).status_code,
    ]

    assert [200, 200, 401, 200] == during_window + after_window


def test_rotation_by_add_then_revoke(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """[200, 200, 401, 200] == add keeps the old secret, revoke drops only it."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET], auth_method="client_secret_post")

    oidc_provider.add_secret(CLIENT_ID, NEW_SECRET)
    during_window = [
        request_token_post(http, oidc_provider, CLIENT_ID, OLD_SECRET).status_code,
        request_token_post(http, oidc_provider, CLIENT_ID, NEW_SECRET).status_code,
    ]
    oidc_provider.revoke_secret(CLIENT_ID, OLD_SECRET)
    after_window = [
        request_token_post(http, oidc_provider, CLIENT_ID, OLD_SECRET).status_code,
        request_token_post(http, oidc_provider, CLIENT_ID, NEW_SECRET).status_code,
    ]

    assert [200, 200, 401, 200] == during_window + after_window


def test_revoking_the_last_secret_is_refused(
    oidc_provider: OidcProviderServer,
) -> None:
    """'cannot revoke the last accepted secret' == the admin error for an empty secret set."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])

    with pytest.raises(OidcProviderAdminError) as raised:
        oidc_provider.revoke_secret(CLIENT_ID, OLD_SECRET)

    assert "cannot revoke the last accepted secret" == str(raised.value).rpartition(": ")[2]


def test_api_accepts_a_valid_token(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(200, client id, path) == an API call with a fresh access token."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])
    token = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).json()["access_token"]

    response = http.get(f"{oidc_provider.api_url}/things", headers={"Authorization": f"Bearer {token}"})

    body = response.json()
    assert (200, CLIENT_ID, "/api/things") == (response.status_code, body["client_id"], body["path"])


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer garbage-token", "Basic Zm9vOmJhcg=="],
    ids=["no-header", "garbage-token", "wrong-scheme"],
)
def test_api_rejects_a_missing_or_garbage_token(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
    authorization: str | None,
) -> None:
    """(401, invalid_token, Bearer challenge) == an API call without a live token."""
    headers = {} if authorization is None else {"Authorization": authorization}

    response = http.post(f"{oidc_provider.api_url}/things", headers=headers)

    assert (401, "invalid_token", 'Bearer error="invalid_token"') == (
        response.status_code,
        response.json()["error"],
        response.headers["WWW-Authenticate"],
    )


def test_counters_count_tokens_failures_and_api_calls(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """The expected counts == counters after two good, one bad token request and two API calls."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])
    token = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).json()["access_token"]
    request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET)
    request_token_basic(http, oidc_provider, CLIENT_ID, "not-the-secret")
    http.get(f"{oidc_provider.api_url}/ok", headers={"Authorization": f"Bearer {token}"})
    http.get(f"{oidc_provider.api_url}/bad", headers={"Authorization": "Bearer garbage"})

    expected = {
        "token_requests": 3,
        "tokens_issued": 2,
        "invalid_client": 1,
        "api_calls": 2,
        "api_calls_rejected": 1,
    }
    assert expected == oidc_provider.counters()


def test_reset_counters_zeroes_every_counter(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """All zeros == counters after some traffic and a reset."""
    request_token_basic(http, oidc_provider, "nobody", OLD_SECRET)
    http.get(f"{oidc_provider.api_url}/bad")

    oidc_provider.reset_counters()

    assert dict.fromkeys(oidc_provider.counters(), 0) == oidc_provider.counters()


def test_expires_in_equals_the_configured_ttl(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """[60, 5] == expires_in at the start-up TTL, then after set_token_ttl(5)."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])
    at_startup_ttl = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).json()
    oidc_provider.set_token_ttl(5)
    at_drill_ttl = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).json()

    assert [60, 5] == [at_startup_ttl["expires_in"], at_drill_ttl["expires_in"]]


def test_api_rejects_a_token_once_it_expired(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """The API accepts a one-second token (200), then rejects it (401) once it expired."""
    oidc_provider.upsert_client(CLIENT_ID, [OLD_SECRET])
    oidc_provider.set_token_ttl(1)
    token = request_token_basic(http, oidc_provider, CLIENT_ID, OLD_SECRET).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}

    def status() -> int:
        return http.get(f"{oidc_provider.api_url}/things", headers=headers).status_code

    fresh = status()
    # exp is whole seconds: the token expires within two seconds of issuance, on the provider's clock.
    wait_until(lambda: status() == 401, timeout=10, interval=0.2, message="the API rejects the token")

    assert 200 == fresh


def test_discovery_publishes_the_token_endpoint(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """(issuer, token endpoint, client_credentials offered) == the discovery document's."""
    discovery = http.get(f"{oidc_provider.issuer}/.well-known/openid-configuration").json()

    assert (oidc_provider.issuer, oidc_provider.token_endpoint, True) == (
        discovery["issuer"],
        discovery["token_endpoint"],
        "client_credentials" in discovery["grant_types_supported"],
    )


def test_admin_api_requires_the_admin_token(
    oidc_provider: OidcProviderServer,
    http: httpx.Client,
) -> None:
    """[401, 401] == admin calls without the admin token and with a wrong one."""
    statuses = [
        http.get(f"{oidc_provider.issuer}/admin/counters").status_code,
        http.get(
            f"{oidc_provider.issuer}/admin/counters",
            headers={"Authorization": "Bearer not-the-admin-token"},
        ).status_code,
    ]

    assert [401, 401] == statuses


def test_unsupported_auth_method_is_refused(
    oidc_provider: OidcProviderServer,
) -> None:
    """The server refuses to register a method it does not offer ('none': a public client)."""
    with pytest.raises(OidcProviderAdminError, match="token_endpoint_auth_method must be one of"):
        oidc_provider.upsert_client(
            CLIENT_ID,
            [OLD_SECRET],
            auth_method="none",  # type: ignore[arg-type]
        )


def test_startup_failure_reports_node_stderr() -> None:
    """The server's own complaint in the error == a start with an invalid token TTL."""
    server = OidcProviderServer(token_ttl_seconds=0)

    with pytest.raises(OidcProviderStartupError) as raised:
        server.start()

    assert "token-ttl must be an integer >= 1" in str(raised.value)


def test_missing_node_modules_names_the_install_command(tmp_path: Path) -> None:
    """The npm ci command in the message == what a server directory without node_modules says."""
    problem = missing_prerequisites(server_dir=tmp_path)

    assert problem is not None
    assert INSTALL_COMMAND == "npm ci --prefix tests/interop/oidc_provider"
    assert INSTALL_COMMAND in problem
