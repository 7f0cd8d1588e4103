"""The token endpoint: client authentication, scopes, lifetimes and extras."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote_plus

import httpx
import pytest

from credflow.testing import AuthServer

RequestToken = Callable[..., httpx.Response]


def _claims(token_response: httpx.Response) -> dict[str, Any]:
    # Reads the claims without verifying: verification has its own tests.
    payload = token_response.json()["access_token"].split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "==="))
    return decoded


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_token_issued(request_token: RequestToken, method: str) -> None:
    """Both client auth methods get a Bearer token with every allowed scope."""
    response = request_token(method=method)
    body = response.json()
    expected = (200, "Bearer", 3600, "api.read api.write")
    assert expected == (response.status_code, body["token_type"], body["expires_in"], body["scope"])


def test_token_response_not_cached(request_token: RequestToken) -> None:
    """The token response forbids caching (RFC 6749 §5.1)."""
    assert "no-store" == request_token().headers["Cache-Control"]


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_wrong_secret_is_invalid_client(request_token: RequestToken, method: str) -> None:
    """A wrong secret is refused with 401 invalid_client."""
    response = request_token(secret="wrong", method=method)
    assert (401, "invalid_client") == (response.status_code, response.json()["error"])


def test_unknown_client_is_invalid_client(request_token: RequestToken) -> None:
    """An unregistered client id is refused with 401 invalid_client."""
    response = request_token(client_id="nobody")
    assert (401, "invalid_client") == (response.status_code, response.json()["error"])


@pytest.mark.parametrize(
    ("registered", "used"),
    [("client_secret_basic", "client_secret_post"), ("client_secret_post", "client_secret_basic")],
)
def test_auth_method_not_registered_is_invalid_client(
    server: AuthServer, request_token: RequestToken, registered: str, used: str
) -> None:
    """A client registered with one auth method is refused when it uses the other."""
    server.add_client("single", "pw", auth_methods=(registered,))
    response = request_token("single", "pw", method=used)
    assert (401, "invalid_client") == (response.status_code, response.json()["error"])


def test_requested_scope_subset_is_granted(request_token: RequestToken) -> None:
    """A requested subset of the allowed scopes is granted as asked."""
    assert "api.read" == request_token(scope="api.read").json()["scope"]


def test_scope_outside_allowed_is_invalid_scope(request_token: RequestToken) -> None:
    """A scope the client is not allowed is refused with 400 invalid_scope."""
    response = request_token(scope="api.read api.admin")
    assert (400, "invalid_scope") == (response.status_code, response.json()["error"])


def test_scope_lands_in_jwt(request_token: RequestToken) -> None:
    """The granted scope is the JWT's `scope` claim."""
    assert "api.write" == _claims(request_token(scope="api.write"))["scope"]


def test_unsupported_grant_type(server: AuthServer, http: httpx.Client) -> None:
    """A grant type other than client_credentials is refused."""
    response = http.post(server.token_endpoint, data={"grant_type": "password"}, auth=("billing", "s3cret"))
    assert (400, "unsupported_grant_type") == (response.status_code, response.json()["error"])


def test_basic_credentials_are_form_urlencoded(server: AuthServer, http: httpx.Client) -> None:
    """HTTP Basic id and secret are form-urlencoded before base64 (RFC 6749 §2.3.1)."""
    client_id, secret = "odd:id", "p@ss w+rd%:é"
    server.add_client(client_id, secret)
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
    response = http.post(server.token_endpoint, data={"grant_type": "client_credentials"}, headers=headers)
    assert 200 == response.status_code


def test_raw_basic_credentials_when_asked(server: AuthServer, request_token: RequestToken) -> None:
    """With basic_auth_decoding="raw", Basic credentials are taken as sent."""
    server.basic_auth_decoding = "raw"
    server.add_client("raw-client", "a+b%20c")
    assert 200 == request_token("raw-client", "a+b%20c").status_code


def test_raw_secret_refused_when_form_urlencoded_expected(
    server: AuthServer, request_token: RequestToken
) -> None:
    """By default a raw "+" in a Basic secret decodes to a space, so it does not match."""
    server.add_client("plus-client", "a+b")
    assert 401 == request_token("plus-client", "a+b").status_code


def test_audience_becomes_aud(request_token: RequestToken) -> None:
    """The `audience` parameter becomes the JWT's `aud` claim."""
    assert "https://api.example" == _claims(request_token(audience="https://api.example"))["aud"]


def test_resource_becomes_aud(request_token: RequestToken) -> None:
    """The RFC 8707 `resource` parameter becomes the JWT's `aud` claim."""
    assert "https://rs.example/" == _claims(request_token(resource="https://rs.example/"))["aud"]


def test_default_aud_is_client_id(request_token: RequestToken) -> None:
    """Without audience or resource, `aud` is the client id (RFC 9068 default)."""
    assert "billing" == _claims(request_token())["aud"]


def test_token_lifetime_settable_at_runtime(server: AuthServer, request_token: RequestToken) -> None:
    """A new server-wide lifetime applies to the next token, in expires_in and exp."""
    server.token_lifetime = 5
    response = request_token()
    claims = _claims(response)
    assert (5, 5) == (response.json()["expires_in"], claims["exp"] - claims["iat"])


def test_per_client_lifetime_overrides_server(server: AuthServer, request_token: RequestToken) -> None:
    """A client's own token_lifetime wins over the server's."""
    server.add_client("short", "pw", token_lifetime=30)
    assert 30 == request_token("short", "pw").json()["expires_in"]


def test_refresh_in_absent_by_default(request_token: RequestToken) -> None:
    """Token responses carry no refresh_in unless asked."""
    assert "refresh_in" not in request_token().json()


def test_refresh_in_when_set(server: AuthServer, request_token: RequestToken) -> None:
    """With refresh_in set, token responses carry it."""
    server.refresh_in = 120
    assert 120 == request_token().json()["refresh_in"]


def test_token_lifetime_must_be_positive(server: AuthServer) -> None:
    """A zero lifetime is refused."""
    with pytest.raises(ValueError, match="positive"):
        server.token_lifetime = 0


def test_duplicate_client_refused(server: AuthServer) -> None:
    """A client id can be registered only once."""
    with pytest.raises(ValueError, match="already registered"):
        server.add_client("billing", "other")


def test_unknown_auth_method_refused(server: AuthServer) -> None:
    """A method the server does not speak (mutual TLS) cannot be registered."""
    with pytest.raises(ValueError, match="auth_methods"):
        server.add_client("mtls-client", "pw", auth_methods=("tls_client_auth",))


def test_removed_client_is_invalid_client(server: AuthServer, request_token: RequestToken) -> None:
    """A removed client can no longer get tokens."""
    server.remove_client("billing")
    assert 401 == request_token().status_code
