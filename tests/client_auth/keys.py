"""Keys and certificates for the client-authentication tests: made with `cryptography` and joserfc."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from joserfc.jwk import import_key

KeyKind = Literal["RSA", "EC", "OKP"]


@dataclass(frozen=True)
class TestKey:
    """A private key as PEM and as a private JWK, and its public JWK (what a server registers)."""

    pem: str
    private_jwk: dict[str, Any]
    public_jwk: dict[str, Any]
    thumbprint: str

    @property
    def jwk_text(self) -> str:
        """The private JWK as JSON text (what a secret source holds)."""
        return json.dumps(self.private_jwk)

    def public_set(self, *others: TestKey) -> dict[str, Any]:
        """A JWK Set of this key's public half and the others', each with its thumbprint as kid."""
        return {"keys": [{**key.public_jwk, "kid": key.thumbprint} for key in (self, *others)]}


def new_key(kind: KeyKind = "EC") -> TestKey:
    """A fresh private key of `kind` (RSA 2048, EC P-256, Ed25519)."""
    private: Any
    if kind == "RSA":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif kind == "EC":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    key = import_key(pem, kind)
    return TestKey(pem, key.as_dict(private=True), key.as_dict(private=False), key.thumbprint())
