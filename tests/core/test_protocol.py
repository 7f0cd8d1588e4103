"""The pure protocol functions: building token requests, parsing every kind of answer."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import pytest

from credflow import ClientConfig, OAuthError, SecretValue, TokenResponseError
from credflow.protocol import (
    RawResponse,
    build_token_request,
    metadata_urls,
    parse_retry_after,
    parse_server_metadata,
    parse_token_response,
)

ENDPOINT = "https://auth.example.com/oauth2/token"
NOW = datetime(2030, 1, 1, tzinfo=UTC)


def config(**changes: object) -> ClientConfig:
    settings: dict[str, object] = {
        "token_endpoint": ENDPOINT,
        "client_id": "billing svc",
        "client_secret": "env:BILLING_SECRET",
    }
    settings.update(changes)
    return ClientConfig(**settings)  # type: ignore[arg-type]


def response(body: object, status: int = 200, content_type: str = "application/json") -> RawResponse:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return RawResponse(status=status, headers={"content-type": content_type}, body=raw)


def parse(raw: RawResponse, **kwargs: object) -> object:
    return parse_token_response(raw, endpoint=ENDPOINT, issued_at=NOW, **kwargs)  # type: ignore[arg-type]


# --- building -----------------------------------------------------------------


def test_basic_auth_form_encodes_id_and_secret_before_base64() -> None:
    """client_secret_basic form-urlencodes id and secret first (RFC 6749 §2.3.1)."""
    request = build_token_request(config(), SecretValue("p@ss:w rd+/"), ENDPOINT)
    header = dict(request.headers)["Authorization"]
    assert "Basic " + base64.b64encode(b"billing+svc:p%40ss%3Aw+rd%2B%2F").decode() == header
    assert (("grant_type", "client_credentials"),) == request.form


def test_basic_auth_raw_switch_sends_values_unencoded() -> None:
    """basic_auth_encoding='raw' sends id and secret as they are."""
    request = build_token_request(config(basic_auth_encoding="raw"), SecretValue("p@ss w"), ENDPOINT)
    assert (
        "Basic " + base64.b64encode(b"billing svc:p@ss w").decode() == dict(request.headers)["Authorization"]
    )


def test_post_auth_puts_credentials_in_the_form() -> None:
    """client_secret_post sends client_id and client_secret in the body, no Authorization header."""
    request = build_token_request(config(auth_method="client_secret_post"), SecretValue("s3cret-x"), ENDPOINT)
    assert "Authorization" not in dict(request.headers)
    assert ("client_id", "billing svc") in request.form
    assert ("client_secret", "s3cret-x") in request.form


def test_scope_audience_resource_and_extra_params() -> None:
    """Scopes are space-joined; audience once; resource repeated; extra parameters appended."""
    request = build_token_request(
        config(
            scopes=["api.read", "api.write"],
            audience="https://api.example.com",
            resource=["https://a.example.com", "https://b.example.com"],
            extra_params={"tenant": "t1"},
        ),
        SecretValue("s3cret-x"),
        ENDPOINT,
    )
    assert [
        ("grant_type", "client_credentials"),
        ("scope", "api.read api.write"),
        ("audience", "https://api.example.com"),
        ("resource", "https://a.example.com"),
        ("resource", "https://b.example.com"),
        ("tenant", "t1"),
    ] == list(request.form)


def test_token_request_repr_hides_credentials() -> None:
    """The repr of a token request shows the URL only."""
    request = build_token_request(config(auth_method="client_secret_post"), SecretValue("s3cret-x"), ENDPOINT)
    assert f"TokenRequest(url={ENDPOINT!r})" == repr(request)


# --- parsing success --------------------------------------------------------------


def test_parses_a_complete_response() -> None:
    """access_token, token_type, expires_in and scope become a Token."""
    parsed = parse(
        response({"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "scope": "a b"})
    )
    token = parsed.token  # type: ignore[attr-defined]
    assert ("at-1", "Bearer", NOW + timedelta(seconds=300), "a b") == (
        token.access_token,
        token.token_type,
        token.expires_at,
        token.scope,
    )
    assert parsed.lifetime_defaulted is False  # type: ignore[attr-defined]


@pytest.mark.parametrize("token_type", ["bearer", "BEARER", "Bearer"])
def test_token_type_is_case_insensitive(token_type: str) -> None:
    """token_type is compared case-insensitively."""
    parsed = parse(response({"access_token": "at", "token_type": token_type, "expires_in": 60}))
    assert token_type == parsed.token.token_type  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "seconds"), [(3600, 3600), ("3600", 3600), (" 90 ", 90), (12.5, 12.5)])
def test_expires_in_as_integer_or_numeric_string(value: object, seconds: float) -> None:
    """expires_in may be a number or a numeric string."""
    parsed = parse(response({"access_token": "at", "token_type": "Bearer", "expires_in": value}))
    assert seconds == parsed.token.lifetime_seconds  # type: ignore[attr-defined]


def test_missing_expires_in_uses_the_default_lifetime() -> None:
    """Without expires_in the configured default applies and the response says so."""
    parsed = parse(response({"access_token": "at", "token_type": "Bearer"}), default_lifetime=120.0)
    assert (120.0, True) == (parsed.token.lifetime_seconds, parsed.lifetime_defaulted)  # type: ignore[attr-defined]


def test_refresh_in_hint_is_kept() -> None:
    """A server's refresh_in hint becomes Token.refresh_at."""
    parsed = parse(
        response({"access_token": "at", "token_type": "Bearer", "expires_in": 600, "refresh_in": 60})
    )
    assert NOW + timedelta(seconds=60) == parsed.token.refresh_at  # type: ignore[attr-defined]


def test_other_token_type_when_configured() -> None:
    """A non-Bearer type is accepted when the client expects it."""
    parsed = parse(
        response({"access_token": "at", "token_type": "DPoP", "expires_in": 60}), expected_token_type="dpop"
    )
    assert "DPoP" == parsed.token.token_type  # type: ignore[attr-defined]


# --- parsing failures -------------------------------------------------------------

MALFORMED = [
    pytest.param(
        response(b"<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        "an HTML page, not JSON",
        id="html-page",
    ),
    pytest.param(
        response(b'{"access_token": "at", "token_ty'), "truncated or malformed JSON", id="truncated"
    ),
    pytest.param(response(b""), "an empty body", id="empty"),
    pytest.param(response(b"hello"), "a body that is not JSON", id="plain-text"),
    pytest.param(response(b"\xff\xfe\xfa"), "not UTF-8", id="binary"),
    pytest.param(response([{"access_token": "at"}]), "a JSON list, expected an object", id="json-array"),
    pytest.param(response("at"), "a JSON str, expected an object", id="json-string"),
    pytest.param(
        response({"token_type": "Bearer", "expires_in": 60}), "without an access_token", id="no-token"
    ),
    pytest.param(
        response({"access_token": "", "token_type": "Bearer"}), "without an access_token", id="empty-token"
    ),
    pytest.param(
        response({"access_token": 7, "token_type": "Bearer"}), "without an access_token", id="number-token"
    ),
    pytest.param(response({"access_token": "at", "expires_in": 60}), "without a token_type", id="no-type"),
    pytest.param(
        response({"access_token": "at", "token_type": "mac", "expires_in": 60}),
        "of type 'mac', expected 'Bearer'",
        id="wrong-type",
    ),
    pytest.param(
        response({"access_token": "at", "token_type": "Bearer", "expires_in": -5}),
        "must live a positive number of seconds",
        id="negative-expiry",
    ),
    pytest.param(
        response({"access_token": "at", "token_type": "Bearer", "expires_in": 0}),
        "must live a positive number of seconds",
        id="zero-expiry",
    ),
    pytest.param(
        response({"access_token": "at", "token_type": "Bearer", "expires_in": 10**12}),
        "absurd expires_in",
        id="absurd-expiry",
    ),
    pytest.param(
        response({"access_token": "at", "token_type": "Bearer", "expires_in": "soon"}),
        "expires_in='soon', expected a number of seconds",
        id="word-expiry",
    ),
    pytest.param(
        response({"access_token": "at", "token_type": "Bearer", "expires_in": True}),
        "expires_in=True, expected a number of seconds",
        id="bool-expiry",
    ),
    pytest.param(
        response(b'{"access_token": "at", "token_type": "Bearer", "expires_in": NaN}'),
        "expected a number of seconds",
        id="nan-expiry",
    ),
    pytest.param(
        response(b"<html>oops</html>", status=403, content_type="text/html"),
        "HTTP 403 without an OAuth2 error body: an HTML page",
        id="html-error",
    ),
    pytest.param(
        response({"message": "nope"}, status=400),
        "HTTP 400 with JSON that has no 'error' field",
        id="error-without-code",
    ),
]


@pytest.mark.parametrize(("raw", "expected"), MALFORMED)
def test_malformed_responses_raise_a_clear_error(raw: RawResponse, expected: str) -> None:
    """Each malformed answer raises TokenResponseError naming the endpoint and the fault."""
    with pytest.raises(TokenResponseError) as caught:
        parse(raw)
    assert expected in str(caught.value)
    assert ENDPOINT in str(caught.value)
    assert raw.status == caught.value.status


def test_error_response_becomes_oauth_error_with_all_fields() -> None:
    """An RFC 6749 §5.2 error carries error, description, uri and status."""
    raw = response(
        {"error": "invalid_scope", "error_description": "no such scope", "error_uri": "https://e/x"},
        status=400,
    )
    with pytest.raises(OAuthError) as caught:
        parse(raw)
    error = caught.value
    assert ("invalid_scope", "no such scope", "https://e/x", 400, ENDPOINT) == (
        error.error,
        error.error_description,
        error.error_uri,
        error.status,
        error.endpoint,
    )


# --- Retry-After and metadata -------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("Tue, 01 Jan 2030 00:00:30 GMT", 30.0),
        ("Mon, 31 Dec 2029 23:59:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_seconds_or_http_date(header: str | None, seconds: float | None) -> None:
    """Retry-After is delta-seconds or an HTTP date; junk is ignored."""
    assert seconds == parse_retry_after(header, NOW)


def test_metadata_without_token_endpoint_is_refused() -> None:
    """Discovery metadata must name a token endpoint."""
    with pytest.raises(TokenResponseError, match="names no token_endpoint"):
        parse_server_metadata(
            response({"issuer": "https://a"}), url="https://a/.well-known/x", issuer="https://a"
        )


@pytest.mark.parametrize(
    ("issuer", "urls"),
    [
        (
            "https://a.example/tenant1",
            (
                "https://a.example/.well-known/oauth-authorization-server/tenant1",
                "https://a.example/tenant1/.well-known/oauth-authorization-server",
                "https://a.example/tenant1/.well-known/openid-configuration",
            ),
        ),
        (
            "https://a.example:8443/realms/x/",
            (
                "https://a.example:8443/.well-known/oauth-authorization-server/realms/x",
                "https://a.example:8443/realms/x/.well-known/oauth-authorization-server",
                "https://a.example:8443/realms/x/.well-known/openid-configuration",
            ),
        ),
        (
            "https://a.example/",
            (
                "https://a.example/.well-known/oauth-authorization-server",
                "https://a.example/.well-known/openid-configuration",
            ),
        ),
    ],
)
def test_discovery_tries_the_rfc8414_path_insertion_form_first(issuer: str, urls: tuple[str, ...]) -> None:
    """RFC 8414 §3.1: for an issuer with a path, the well-known segment goes before the path, tried first."""
    assert urls == metadata_urls(issuer)


def test_form_values_roundtrip_through_urlencoding() -> None:
    """What build_token_request produces survives form encoding unchanged."""
    from urllib.parse import urlencode

    request = build_token_request(config(scopes=["a:b", "c/d"]), SecretValue("s3cret-x"), ENDPOINT)
    assert {"grant_type": ["client_credentials"], "scope": ["a:b c/d"]} == parse_qs(urlencode(request.form))
