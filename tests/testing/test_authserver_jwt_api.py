"""JWT access tokens, JWKS, introspection and the protected API."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from credflow.testing import AuthServer, ManualClock
from credflow.testing.app import required_scope
from credflow.testing.pytest_plugin import AuthServerFactory
from credflow.testing.tokens import generate_signing_key

RequestToken = Callable[..., httpx.Response]


@pytest.fixture
def token(request_token: RequestToken) -> str:
    """An access token of "billing" with every allowed scope."""
    value: str = request_token().json()["access_token"]
    return value


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_jwt_verifies_against_jwks(server: AuthServer, http: httpx.Client, token: str) -> None:
    """The token's signature verifies with the published JWKS, as RFC 9068 at+jwt."""
    keys = KeySet.import_key_set(http.get(server.jwks_uri).json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    claims = decoded.claims
    expected = ("at+jwt", server.issuer, "billing", "billing", 3600)
    actual = (
        decoded.header["typ"],
        claims["iss"],
        claims["sub"],
        claims["client_id"],
        claims["exp"] - claims["iat"],
    )
    assert expected == actual


def test_jwt_header_names_published_key(server: AuthServer, http: httpx.Client, token: str) -> None:
    """The token's `kid` is the published key's."""
    published_kid = http.get(server.jwks_uri).json()["keys"][0]["kid"]
    assert published_kid == extract_compact(token.encode()).headers()["kid"]


def test_jwks_has_no_private_parts(server: AuthServer, http: httpx.Client) -> None:
    """The JWKS publishes only the public key."""
    key = http.get(server.jwks_uri).json()["keys"][0]
    assert set() == {"d", "p", "q", "dp", "dq", "qi"} & key.keys()


def test_introspection_of_active_token(server: AuthServer, http: httpx.Client, token: str) -> None:
    """Introspection reports an issued token active, with its client and scope."""
    response = http.post(server.introspection_endpoint, data={"token": token}, auth=("billing", "s3cret"))
    body = response.json()
    expected = (200, True, "billing", "api.read api.write", "Bearer")
    assert expected == (
        response.status_code,
        body["active"],
        body["client_id"],
        body["scope"],
        body["token_type"],
    )


def test_introspection_of_garbage(server: AuthServer, http: httpx.Client) -> None:
    """A token the server did not issue is inactive."""
    response = http.post(
        server.introspection_endpoint, data={"token": "not-a-jwt"}, auth=("billing", "s3cret")
    )
    assert {"active": False} == response.json()


def test_introspection_of_expired_token(
    server: AuthServer, clock: ManualClock, http: httpx.Client, token: str
) -> None:
    """A token past its `exp` on the server's clock is inactive."""
    clock.advance(3600)
    response = http.post(server.introspection_endpoint, data={"token": token}, auth=("billing", "s3cret"))
    assert {"active": False} == response.json()


def test_introspection_needs_client_auth(server: AuthServer, http: httpx.Client, token: str) -> None:
    """Introspection without client credentials is refused with invalid_client."""
    response = http.post(server.introspection_endpoint, data={"token": token})
    assert (401, "invalid_client") == (response.status_code, response.json()["error"])


def test_introspection_auth_failure_not_counted_as_token_request(
    server: AuthServer, http: httpx.Client, token: str
) -> None:
    """counters.invalid_client counts token requests only, not introspection."""
    http.post(server.introspection_endpoint, data={"token": token}, auth=("billing", "wrong"))
    assert (1, 0) == (server.counters.introspections, server.counters.invalid_client)


def test_introspection_with_post_auth(server: AuthServer, http: httpx.Client, token: str) -> None:
    """A client may introspect with client_secret_post too."""
    data = {"token": token, "client_id": "billing", "client_secret": "s3cret"}
    assert http.post(server.introspection_endpoint, data=data).json()["active"] is True


def test_api_answers_with_token_details(server: AuthServer, http: httpx.Client, token: str) -> None:
    """A valid token with the needed scope gets 200 and the call echoed."""
    response = http.post(server.api_url + "/write/items", headers=_bearer(token), json={"sku": "A-1"})
    expected = {
        "ok": True,
        "client_id": "billing",
        "scope": "api.read api.write",
        "path": "/api/write/items",
        "method": "POST",
        "json": {"sku": "A-1"},
    }
    assert (200, expected) == (response.status_code, response.json())


def test_api_root_needs_only_a_valid_token(
    server: AuthServer, http: httpx.Client, request_token: RequestToken
) -> None:
    """The API root accepts a valid token whatever its scope."""
    token = request_token(scope="api.read").json()["access_token"]
    assert 200 == http.get(server.api_url, headers=_bearer(token)).status_code


def test_api_without_token(server: AuthServer, http: httpx.Client) -> None:
    """No Authorization header: 401 with a Bearer challenge and no error code (RFC 6750 §3.1)."""
    response = http.get(server.api_url + "/read")
    assert (401, 'Bearer realm="credflow"') == (
        response.status_code,
        response.headers["WWW-Authenticate"],
    )


def test_api_with_bad_token(server: AuthServer, http: httpx.Client, token: str) -> None:
    """A tampered token: 401 invalid_token."""
    response = http.get(server.api_url + "/read", headers=_bearer(token[:-4] + "AAAA"))
    assert (401, 'Bearer realm="credflow", error="invalid_token"') == (
        response.status_code,
        response.headers["WWW-Authenticate"],
    )


def test_api_with_expired_token(
    server: AuthServer, clock: ManualClock, http: httpx.Client, token: str
) -> None:
    """A token past its `exp` on the server's clock: 401 invalid_token."""
    clock.advance(3600)
    response = http.get(server.api_url + "/read", headers=_bearer(token))
    assert (401, "invalid_token") == (response.status_code, response.json()["error"])


@pytest.mark.parametrize("own_key", [True, False])
def test_api_with_other_servers_token(
    server: AuthServer,
    http: httpx.Client,
    credflow_auth_server_factory: AuthServerFactory,
    own_key: bool,
) -> None:
    """Another server's token is refused, whether its key differs or only its issuer."""
    kwargs = {"signing_key": generate_signing_key()} if own_key else {}
    other = credflow_auth_server_factory(test_client=True, **kwargs)
    other_token = http.post(
        other.token_endpoint,
        data={"grant_type": "client_credentials"},
        auth=(other.test_client_id, other.test_client_secret),
    ).json()["access_token"]
    assert 401 == http.get(server.api_url + "/read", headers=_bearer(other_token)).status_code


def test_api_insufficient_scope(server: AuthServer, http: httpx.Client, request_token: RequestToken) -> None:
    """A token without the path's scope: 403 insufficient_scope naming the scope."""
    token = request_token(scope="api.read").json()["access_token"]
    response = http.put(server.api_url + "/write/1", headers=_bearer(token))
    assert (403, 'Bearer realm="credflow", error="insufficient_scope", scope="api.write"') == (
        response.status_code,
        response.headers["WWW-Authenticate"],
    )


def test_api_counters(server: AuthServer, http: httpx.Client, token: str) -> None:
    """API calls and rejections are counted."""
    http.get(server.api_url + "/read", headers=_bearer(token))
    http.get(server.api_url + "/read")
    http.get(server.api_url + "/admin", headers=_bearer(token))
    assert (3, 2) == (server.counters.api_calls, server.counters.api_rejected)


@pytest.mark.parametrize(
    ("subpath", "scope"),
    [("", None), ("/", None), ("read", "api.read"), ("read/x/y", "api.read"), ("write/", "api.write")],
)
def test_required_scope_rule(subpath: str, scope: str | None) -> None:
    """The first path segment under /api names the scope, prefixed "api."."""
    assert scope == required_scope(subpath)
