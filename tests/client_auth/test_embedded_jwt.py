"""client_secret_jwt and private_key_jwt against the embedded Authlib server (sync and async)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from credflow import ClientConfig, SecretValue
from credflow.client_auth._methods import ClientAuthenticator, Credential
from credflow.engine._acquisition import PostToken
from credflow.errors import ConfigError, CredentialsRejectedError
from credflow.protocol import TokenRequest, build_token_request
from credflow.testing import AuditRecorder, AuthServer

from .conftest import EngineFactory
from .keys import new_key


def _claims(assertion: str) -> dict[str, object]:
    """The claims of an assertion, read without verifying (the server verifies)."""
    payload = assertion.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def test_client_secret_jwt_gets_a_token(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An HS256 assertion keyed by the client secret is accepted."""
    server.add_client("hmac", "a-long-shared-secret-of-32-bytes!", scopes=["api.read"])
    monkeypatch.setenv("HMAC_SECRET", "a-long-shared-secret-of-32-bytes!")
    engine = make_engine(client_id="hmac", client_secret="env:HMAC_SECRET", auth_method="client_secret_jwt")
    assert "api.read" == engine.get_token().scope


@pytest.mark.parametrize("kind", ["RSA", "EC", "OKP"])
def test_private_key_jwt_with_a_pem_file(
    kind: str, server: AuthServer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """A PEM key in a file signs with its default algorithm (RS256, ES256, EdDSA) and is accepted."""
    key = new_key(kind)  # type: ignore[arg-type]
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", key.public_set())
    (tmp_path / "key.pem").write_text(key.pem)
    engine = make_engine(
        client_id="signer", auth_method="private_key_jwt", private_key=f"file:{tmp_path}/key.pem"
    )
    assert "api.read" == engine.get_token().scope


async def test_private_key_jwt_with_a_jwk_async(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A private JWK from the environment works on the async path."""
    key = new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", key.public_set())
    monkeypatch.setenv("SIGNER_JWK", key.jwk_text)
    engine = make_engine(client_id="signer", auth_method="private_key_jwt", private_key="env:SIGNER_JWK")
    assert "api.read" == (await engine.aget_token()).scope


def test_wrong_key_is_refused_with_a_clear_error(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key the server does not know is refused; the error names the client and the key's reference."""
    registered, other = new_key("EC"), new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", registered.public_set())
    monkeypatch.setenv("SIGNER_JWK", other.jwk_text)
    engine = make_engine(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:SIGNER_JWK",
        key_id=registered.thumbprint,
    )
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    message = str(caught.value)
    assert ("invalid_client", True, True) == (
        caught.value.error,
        "matches no registered key" in message,
        "env:SIGNER_JWK" in message,
    )
    assert other.private_jwk["d"] not in message


def test_key_rotation_two_keys_registered_then_the_old_removed(
    server: AuthServer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """The key file is replaced while both keys are registered, then the old key removed: tokens come."""
    old, new = new_key("EC"), new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", old.public_set())
    key_file = tmp_path / "key.pem"
    key_file.write_text(old.pem)
    engine = make_engine(client_id="signer", auth_method="private_key_jwt", private_key=f"file:{key_file}")
    first = engine.get_token()
    server.set_public_keys("signer", old.public_set(new))
    key_file.write_text(new.pem)
    server.set_public_keys("signer", new.public_set())
    engine.invalidate(first)  # as a 401 from the API would
    second = engine.get_token()
    assert first.access_token != second.access_token


def test_replayed_assertion_is_refused(server: AuthServer) -> None:
    """The embedded server refuses a jti it has seen (what a retry with the same assertion would meet)."""
    key = new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", key.public_set())
    config = ClientConfig(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:UNUSED",
        token_endpoint=server.token_endpoint,
    )
    auth = ClientAuthenticator(config).authenticate(
        Credential(SecretValue(key.pem)), token_endpoint=server.token_endpoint, issuer=None, now=_now()
    )
    assert auth is not None
    form = {"grant_type": "client_credentials", **dict(auth.form)}
    first = httpx.post(server.token_endpoint, data=form)
    replay = httpx.post(server.token_endpoint, data=form)
    # RFC 6749 §5.2: invalid_client is a 400 when no Authorization header was sent.
    assert (200, 400, "invalid_client", "replay") == (
        first.status_code,
        replay.status_code,
        replay.json()["error"],
        _replay_word(replay.json()),
    )


def _replay_word(body: dict[str, str]) -> str:
    """'replay' when the server's error_description says so."""
    return "replay" if "replay" in body.get("error_description", "") else body.get("error_description", "")


def _now() -> datetime:
    """Now, aware."""
    return datetime.now(UTC)


def test_every_retry_sends_a_new_assertion() -> None:
    """The request of each attempt carries a new jti, so a retry never replays an assertion."""
    key = new_key("EC")
    config = ClientConfig(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:K",
        token_endpoint="https://as.example/token",
    )
    authenticator = ClientAuthenticator(config)

    def build() -> TokenRequest:
        """One attempt's request."""
        auth = authenticator.authenticate(
            Credential(SecretValue(key.pem)),
            token_endpoint=config.token_endpoint or "",
            issuer=None,
            now=_now(),
        )
        return build_token_request(config, SecretValue(key.pem), config.token_endpoint or "", auth)

    attempts = PostToken(build(), build).attempts()
    jtis = [_claims(dict(next(attempts).form)["client_assertion"])["jti"] for _ in range(3)]
    assert 3 == len(set(jtis))


def test_assertion_claims_follow_rfc_7523() -> None:
    """iss = sub = client id, aud = the issuer when known, exp = iat + assertion_lifetime, nbf on request."""
    key = new_key("EC")
    config = ClientConfig(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:K",
        issuer="https://as.example",
        assertion_lifetime=30,
        assertion_not_before=True,
    )
    auth = ClientAuthenticator(config).authenticate(
        Credential(SecretValue(key.pem)),
        token_endpoint="https://as.example/token",
        issuer="https://as.example",
        now=_now(),
    )
    assert auth is not None
    claims = _claims(dict(auth.form)["client_assertion"])
    assert ("signer", "signer", "https://as.example", 30, claims["iat"]) == (
        claims["iss"],
        claims["sub"],
        claims["aud"],
        int(claims["exp"]) - int(claims["iat"]),  # type: ignore[call-overload]
        claims["nbf"],
    )


def test_token_endpoint_audience_when_chosen() -> None:
    """assertion_audience = "token_endpoint" puts the endpoint in aud even when the issuer is known."""
    key = new_key("EC")
    config = ClientConfig(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:K",
        issuer="https://as.example",
        assertion_audience="token_endpoint",
    )
    auth = ClientAuthenticator(config).authenticate(
        Credential(SecretValue(key.pem)),
        token_endpoint="https://as.example/token",
        issuer="https://as.example",
        now=_now(),
    )
    assert auth is not None
    assert "https://as.example/token" == _claims(dict(auth.form)["client_assertion"])["aud"]


def test_a_public_key_as_private_key_is_a_config_error() -> None:
    """A public JWK where the private key belongs fails with the config key named, the key not shown."""
    key = new_key("EC")
    config = ClientConfig(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:K",
        token_endpoint="https://as.example/t",
    )
    with pytest.raises(ConfigError, match="private_key: .* is a public key") as caught:
        ClientAuthenticator(config).authenticate(
            Credential(SecretValue(str(key.public_jwk).replace("'", '"'))),
            token_endpoint="https://as.example/t",
            issuer=None,
            now=_now(),
        )
    assert key.public_jwk["x"] not in str(caught.value)


def test_audit_events_name_the_key_fingerprint_never_the_key(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder, tmp_path: Path
) -> None:
    """The token request event carries the key's fingerprint, never its PEM."""
    key = new_key("EC")
    server.add_client("signer", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.set_public_keys("signer", key.public_set())
    (tmp_path / "key.pem").write_text(key.pem)
    engine = make_engine(
        client_id="signer", auth_method="private_key_jwt", private_key=f"file:{tmp_path}/key.pem"
    )
    engine.get_token()
    shown = repr(recorder.events)
    # The file source strips the final newline.
    assert (True, False) == (
        SecretValue(key.pem.strip()).fingerprint in shown,
        key.pem.splitlines()[1] in shown,
    )


def test_signing_alg_the_server_does_not_list_is_a_config_error(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signing_alg missing from token_endpoint_auth_signing_alg_values_supported fails at discovery."""
    monkeypatch.setenv("SIGNER_JWK", new_key("RSA").jwk_text)
    engine = make_engine(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:SIGNER_JWK",
        signing_alg="RS512",
        token_endpoint=None,
        issuer=server.issuer,
    )
    with pytest.raises(ConfigError, match=r"^signing_alg: the authorization server at .* not 'RS512'"):
        engine.get_token()


def test_client_assertion_passes_discovery_listed_as_private_key_jwt(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server listing private_key_jwt lets client_assertion pass discovery (it refuses the JWT later)."""
    monkeypatch.setenv("ASSERTION", "not.a.jwt")
    engine = make_engine(
        client_id="nobody",
        auth_method="client_assertion",
        client_assertion="env:ASSERTION",
        token_endpoint=None,
        issuer=server.issuer,
    )
    with pytest.raises(CredentialsRejectedError):
        engine.get_token()
