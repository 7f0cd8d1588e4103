"""RFC 7523 client assertions as the imitations read them: unverified read, signature, time, audience.

Each imitation picks the key the way its provider does (Entra ID by the
certificate's thumbprint, Okta by `kid`) and words each refusal its own way;
what is shared is here. JOSE is joserfc's, X.509 is `cryptography`'s.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization

from ...client_auth._methods import ASSERTION_TYPE, jws_registry

__all__ = [
    "ASSERTION_TYPE",
    "ReadAssertion",
    "RegisteredCertificate",
    "audiences",
    "key_set",
    "read_assertion",
    "signature_valid",
    "time_valid",
]

#: Seconds of clock skew allowed on exp / nbf: Microsoft's libraries allow five minutes, so do these.
LEEWAY = 300


@dataclass(frozen=True, slots=True)
class ReadAssertion:
    """A compact JWS's header and claims, read WITHOUT verifying: to find the client and its keys."""

    header: dict[str, Any]
    claims: dict[str, Any]

    @property
    def algorithm(self) -> str:
        """The header's `alg`, or ''."""
        return str(self.header.get("alg", ""))

    @property
    def key_id(self) -> str | None:
        """The header's `kid`, if it is a string."""
        kid = self.header.get("kid")
        return kid if isinstance(kid, str) else None


@dataclass(frozen=True, slots=True)
class RegisteredCertificate:
    """A certificate uploaded to an app: its public key and both thumbprints an assertion may name."""

    key: Any  # a joserfc public key
    x5t_s256: str
    x5t: str

    @classmethod
    def from_pem(cls, certificate_pem: str) -> RegisteredCertificate:
        """Read a PEM certificate (its public key and the SHA-256 / SHA-1 thumbprints of its DER)."""
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import ec, rsa
        from cryptography.hazmat.primitives.serialization import Encoding
        from joserfc.jwk import ECKey, RSAKey

        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        der = certificate.public_bytes(Encoding.DER)
        public = certificate.public_key()
        key: Any
        if isinstance(public, rsa.RSAPublicKey):
            key = RSAKey.import_key(public)
        elif isinstance(public, ec.EllipticCurvePublicKey):
            key = ECKey.import_key(public)
        else:
            raise ValueError("only RSA and EC certificates can be registered")
        return cls(key, _b64url(hashlib.sha256(der).digest()), _b64url(hashlib.sha1(der).digest()))  # noqa: S324 - x5t is SHA-1 by definition (RFC 7515 §4.1.7)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def read_assertion(assertion: str) -> ReadAssertion | None:
    """The header and claims of `assertion`, unverified; None unless a compact JWS of a JSON object."""
    try:
        compact = jws.extract_compact(assertion.encode())
        header, claims = dict(compact.headers()), json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeDecodeError):
        return None
    return ReadAssertion(header, claims) if isinstance(claims, dict) else None


def signature_valid(assertion: str, key: Any, algorithm: str) -> bool:
    """Whether `assertion` is signed by `key` with `algorithm` (and only that algorithm)."""
    try:
        jws.deserialize_compact(assertion, key, registry=jws_registry(algorithm))
    except (JoseError, ValueError, TypeError, KeyError):
        return False
    return True


def time_valid(claims: dict[str, Any], now: float, leeway: float = LEEWAY) -> bool:
    """Whether `exp` is present and not past, and `nbf` (if any) is reached, within `leeway`."""
    expires, not_before = claims.get("exp"), claims.get("nbf")
    if isinstance(expires, bool) or not isinstance(expires, int | float) or now > expires + leeway:
        return False
    return not (isinstance(not_before, int | float) and now + leeway < not_before)


def audiences(claims: dict[str, Any]) -> list[str]:
    """The `aud` claim as a list (RFC 7519 §4.1.3 allows a string or an array)."""
    audience = claims.get("aud")
    if isinstance(audience, str):
        return [audience]
    return [item for item in audience if isinstance(item, str)] if isinstance(audience, list) else []


def key_set(jwks: dict[str, Any]) -> KeySet:
    """A JWK Set as joserfc keys (refuses a malformed set at registration, not at a request)."""
    return KeySet.import_key_set(cast(KeySetSerialization, jwks))
