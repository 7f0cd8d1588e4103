"""The leak scan knows the new credentials: a key's every line, a JWK's private members, the assertion."""

from __future__ import annotations

from datetime import UTC, datetime

from credflow import ClientConfig, SecretValue
from credflow.client_auth._methods import ClientAuthenticator, Credential
from tests.leakcheck import LEDGER

from .keys import new_key


def test_every_line_of_a_pem_private_key_is_a_canary() -> None:
    """A log line showing one line of the key's base64 would fail the scan."""
    key = new_key("EC")
    SecretValue(key.pem)
    lines = [line for line in key.pem.splitlines() if not line.startswith("-----")]
    assert [] == [line for line in lines if line not in LEDGER.canaries]


def test_private_jwk_members_are_canaries() -> None:
    """`d` of a private JWK is a canary on its own."""
    key = new_key("EC")
    SecretValue(key.jwk_text)
    assert str(key.private_jwk["d"]) in LEDGER.canaries


def test_each_signed_assertion_is_a_canary() -> None:
    """The assertion credflow signs is recorded, so an assertion in a log line fails the scan."""
    key = new_key("EC")
    config = ClientConfig(
        client_id="signer",
        auth_method="private_key_jwt",
        private_key="env:K",
        token_endpoint="https://as.example/t",
    )
    auth = ClientAuthenticator(config).authenticate(
        Credential(SecretValue(key.pem)),
        token_endpoint="https://as.example/t",
        issuer=None,
        now=datetime.now(UTC),
    )
    assert auth is not None
    assert dict(auth.form)["client_assertion"] in LEDGER.canaries
