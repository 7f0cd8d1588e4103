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


@dataclass(frozen=True)
class SelfSigned:
    """A self-signed client certificate, its key, and the JWK a server registers for it (x5c)."""

    certificate_pem: str
    key_pem: str
    jwk: dict[str, Any]


def self_signed_certificate(common_name: str = "billing") -> SelfSigned:
    """A fresh EC P-256 key and a self-signed certificate for it, valid one day."""
    import base64
    import datetime
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    private = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    key_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = import_key(key_pem, "EC").as_dict(private=False)
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    jwk = {**public, "x5c": [base64.b64encode(der).decode()], "x5t#S256": thumbprint}
    return SelfSigned(certificate.public_bytes(serialization.Encoding.PEM).decode(), key_pem, jwk)
