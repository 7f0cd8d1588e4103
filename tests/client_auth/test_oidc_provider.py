"""Every client-authentication method gets a real token from oidc-provider; each refusal is clear.

oidc-provider (OpenID-certified) checks RFC 7523 assertions (iss, sub, aud, exp, jti replay, the
signature against the registered JWKS) and RFC 8705 certificates (its mTLS feature, with the
certificate read from the TLS socket of the fixture's HTTPS listener).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from credflow import ClientConfig, PluginHost, RetryPolicy, TokenEngine
from credflow.clock import SystemClock
from credflow.errors import CredentialsRejectedError

from ..interop.oidc_provider_server import MutualTlsPki, OidcProviderServer
from .keys import new_key, self_signed_certificate

HMAC_SECRET = "a-shared-secret-long-enough-for-hs256-0123456789"

Engines = Callable[..., TokenEngine]


@pytest.fixture
def engines() -> Iterator[Engines]:
    """Engines with `settings` (closed after the test)."""
    made: list[TokenEngine] = []

    def make(*, clock: Any = None, **settings: Any) -> TokenEngine:
        config = ClientConfig(**{"scopes": ("api.read",), "retry": RetryPolicy(attempts=2), **settings})
        engine = TokenEngine(config, plugins=PluginHost(load_entry_points=False), clock=clock)
        made.append(engine)
        return engine

    yield make
    for engine in made:
        engine.close()


def _write(directory: Path, name: str, text: str) -> str:
    """Write `text` to a 0600 file; its `file:` reference."""
    path = directory / name
    path.write_text(text)
    path.chmod(0o600)
    return f"file:{path}"


def test_client_secret_jwt(oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path) -> None:
    """An HS256 assertion keyed by the secret gets a token."""
    oidc_provider.upsert_client("hs", [HMAC_SECRET], auth_method="client_secret_jwt")
    engine = engines(
        client_id="hs",
        client_secret=_write(tmp_path, "secret", HMAC_SECRET),
        auth_method="client_secret_jwt",
        issuer=oidc_provider.issuer,
    )
    assert "api.read" == engine.get_token().scope


@pytest.mark.parametrize("kind", ["RSA", "EC", "OKP"])
def test_private_key_jwt(
    kind: str, oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path
) -> None:
    """A key of each kind, discovered issuer as audience, gets a token."""
    key = new_key(kind)  # type: ignore[arg-type]
    oidc_provider.upsert_client("pk", None, auth_method="private_key_jwt", jwks=key.public_set())
    engine = engines(
        client_id="pk",
        auth_method="private_key_jwt",
        private_key=_write(tmp_path, "key.pem", key.pem),
        issuer=oidc_provider.issuer,
    )
    assert "api.read" == engine.get_token().scope


async def test_private_key_jwt_async(
    oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path
) -> None:
    """The async path signs and sends the same way."""
    key = new_key("EC")
    oidc_provider.upsert_client("pk", None, auth_method="private_key_jwt", jwks=key.public_set())
    engine = engines(
        client_id="pk",
        auth_method="private_key_jwt",
        private_key=_write(tmp_path, "key.jwk", key.jwk_text),
        token_endpoint=oidc_provider.token_endpoint,
    )
    assert "api.read" == (await engine.aget_token()).scope


def test_tls_client_auth(
    oidc_provider: OidcProviderServer, oidc_provider_pki: MutualTlsPki, engines: Engines, tmp_path: Path
) -> None:
    """A CA-issued certificate on the mTLS alias (from discovery) gets a token."""
    certificate, key = oidc_provider_pki.client_certificate("billing.example")
    oidc_provider.upsert_client(
        "mtls", None, auth_method="tls_client_auth", tls_client_auth_san_dns="billing.example"
    )
    engine = engines(
        client_id="mtls",
        auth_method="tls_client_auth",
        client_certificate=_write(tmp_path, "cert.pem", certificate),
        client_key=_write(tmp_path, "key.pem", key),
        issuer=oidc_provider.issuer,
        ca_bundle=str(oidc_provider_pki.ca_file),
    )
    assert "api.read" == engine.get_token().scope


async def test_self_signed_tls_client_auth_async(
    oidc_provider: OidcProviderServer, oidc_provider_pki: MutualTlsPki, engines: Engines, tmp_path: Path
) -> None:
    """A self-signed certificate registered by its JWK (x5c) gets a token on the async path."""
    issued = self_signed_certificate()
    oidc_provider.upsert_client(
        "self", None, auth_method="self_signed_tls_client_auth", jwks={"keys": [issued.jwk]}
    )
    engine = engines(
        client_id="self",
        auth_method="self_signed_tls_client_auth",
        client_certificate=_write(tmp_path, "cert.pem", issued.certificate_pem),
        client_key=_write(tmp_path, "key.pem", issued.key_pem),
        issuer=oidc_provider.issuer,
        ca_bundle=str(oidc_provider_pki.ca_file),
    )
    assert "api.read" == (await engine.aget_token()).scope


def test_unregistered_certificate_is_refused(
    oidc_provider: OidcProviderServer, oidc_provider_pki: MutualTlsPki, engines: Engines, tmp_path: Path
) -> None:
    """A certificate the client did not register is refused; the error names the client key reference."""
    registered, presented = self_signed_certificate(), self_signed_certificate()
    oidc_provider.upsert_client(
        "self", None, auth_method="self_signed_tls_client_auth", jwks={"keys": [registered.jwk]}
    )
    key_reference = _write(tmp_path, "key.pem", presented.key_pem)
    engine = engines(
        client_id="self",
        auth_method="self_signed_tls_client_auth",
        client_certificate=_write(tmp_path, "cert.pem", presented.certificate_pem),
        client_key=key_reference,
        issuer=oidc_provider.issuer,
        ca_bundle=str(oidc_provider_pki.ca_file),
    )
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    assert (True, "unregistered client certificate provided") == (
        key_reference in str(caught.value),
        oidc_provider.last_client_auth_error(),
    )


# --- refusals of assertions --------------------------------------------------------------------


def _refusal(engine: TokenEngine, server: OidcProviderServer) -> tuple[str, str]:
    """(credflow's error code, the server's reason) of a refused acquisition."""
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    assert "private_key" in str(caught.value) or "key.pem" in str(caught.value)
    return caught.value.error, server.last_client_auth_error() or ""


def test_wrong_key_is_refused(oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path) -> None:
    """An assertion signed with a key the client did not register is refused."""
    registered, other = new_key("EC"), new_key("EC")
    oidc_provider.upsert_client("pk", None, auth_method="private_key_jwt", jwks=registered.public_set())
    engine = engines(
        client_id="pk",
        auth_method="private_key_jwt",
        private_key=_write(tmp_path, "key.pem", other.pem),
        key_id=registered.thumbprint,
        token_endpoint=oidc_provider.token_endpoint,
    )
    error, reason = _refusal(engine, oidc_provider)
    assert ("invalid_client", True) == (error, "signature" in reason)


def test_wrong_audience_is_refused(
    oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path
) -> None:
    """An aud the server does not answer to is refused: a token_endpoint with a slash too many.

    The server routes `/token/` to its token endpoint, but only `/token` (and the issuer) are
    audiences it accepts.
    """
    key = new_key("EC")
    oidc_provider.upsert_client("pk", None, auth_method="private_key_jwt", jwks=key.public_set())
    engine = engines(
        client_id="pk",
        auth_method="private_key_jwt",
        private_key=_write(tmp_path, "key.pem", key.pem),
        token_endpoint=oidc_provider.token_endpoint + "/",
    )
    error, reason = _refusal(engine, oidc_provider)
    assert ("invalid_client", True) == (error, "aud" in reason)


class _LateClock(SystemClock):
    """The system clock ten minutes behind: what a host with a stopped NTP daemon shows."""

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC) - timedelta(minutes=10)


def test_expired_assertion_is_refused(
    oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path
) -> None:
    """A client clock ten minutes late signs assertions already expired: refused."""
    key = new_key("EC")
    oidc_provider.upsert_client("pk", None, auth_method="private_key_jwt", jwks=key.public_set())
    engine = engines(
        clock=_LateClock(),
        client_id="pk",
        auth_method="private_key_jwt",
        private_key=_write(tmp_path, "key.pem", key.pem),
        token_endpoint=oidc_provider.token_endpoint,
    )
    error, reason = _refusal(engine, oidc_provider)
    assert ("invalid_client", True) == (error, "exp" in reason)


def test_replayed_jti_is_refused(
    oidc_provider: OidcProviderServer, engines: Engines, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A jti used before (a client that reused its assertion) is refused the second time."""
    monkeypatch.setattr("credflow.client_auth._methods._new_jti", lambda: "the-same-jti")
    key = new_key("EC")
    oidc_provider.upsert_client("pk", None, auth_method="private_key_jwt", jwks=key.public_set())
    settings = {
        "client_id": "pk",
        "auth_method": "private_key_jwt",
        "private_key": _write(tmp_path, "key.pem", key.pem),
        "token_endpoint": oidc_provider.token_endpoint,
    }
    engines(**settings).get_token()
    error, reason = _refusal(engines(**settings, scopes=("api.read", "api.write")), oidc_provider)
    assert ("invalid_client", True) == (error, "only be used once" in reason)
