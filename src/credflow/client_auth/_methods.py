"""Client authentication at the token endpoint beyond a shared secret: one encoder per method.

RFC 7523 §2.2 and RFC 7521 §4.2 (`client_secret_jwt`, `private_key_jwt`,
`client_assertion`: a JWT in `client_assertion`), RFC 8705 §2 (`tls_client_auth`,
`self_signed_tls_client_auth`: the client certificate of the TLS connection,
`client_id` in the body), RFC 7638 (the key id when none is given). The
secret methods (`client_secret_basic`, `client_secret_post`) stay in
`protocol.build_token_request`.

No I/O here: the acquisition reads the credential through the secret sources
and hands it in with the time and a `jti` source; what comes out is the form
fields to add and, for the mutual-TLS methods, the certificate the transport
presents. JOSE is joserfc's and X.509 is `cryptography`'s (imported on first
use: only clients with these methods pay for them); nothing here formats a
key, an assertion or a certificate's private half into a message.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ..secret._value import SecretValue

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..secret._reference import SecretReference

__all__ = [
    "ASSERTION_TYPE",
    "HMAC_ALGS",
    "JWT_METHODS",
    "METADATA_NAMES",
    "SIGNING_ALGS",
    "TLS_METHODS",
    "AssertionRequest",
    "ClientAuthentication",
    "ClientAuthenticator",
    "ClientCertificate",
    "Credential",
    "certificate_thumbprint",
    "identity",
    "jws_registry",
    "key_matches_certificate",
]

#: RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion.
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
#: Methods that send a JWT assertion.
JWT_METHODS = ("client_secret_jwt", "private_key_jwt", "client_assertion")
#: RFC 8705 methods: the TLS client certificate authenticates.
TLS_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")
#: The name a server's metadata lists for a method, where it is not the method's own.
METADATA_NAMES = {"client_assertion": "private_key_jwt"}
HMAC_ALGS = ("HS256", "HS384", "HS512")
SIGNING_ALGS = (
    "RS256",
    "RS384",
    "RS512",
    "PS256",
    "PS384",
    "PS512",
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
)
_EC_ALGS = {"P-256": "ES256", "P-384": "ES384", "P-521": "ES512"}


def _new_jti() -> str:
    return secrets.token_urlsafe(24)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class AssertionRequest:
    """What a plugin providing assertions is asked for (`credflow_client_assertion`); nothing secret.

    `reference` is the client's `client_assertion` setting: the plugin answers for the schemes
    it owns (a `spiffe:` or `gcp-metadata:` reference; its query may carry an `audience`).
    It is asked at every acquisition: answer with an assertion valid now, never a stale one.
    """

    client_id: str
    reference: SecretReference
    token_endpoint: str | None
    issuer: str | None


@dataclass(frozen=True, slots=True)
class Credential:
    """What one attempt authenticates with: the method's main value and, if configured, a certificate.

    `value` is the client secret, the private key, the client key (mTLS) or the
    assertion; `certificate` is `certificate` (private_key_jwt) or
    `client_certificate` (mTLS), read alongside it.
    """

    value: SecretValue
    certificate: SecretValue | None = None


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A TLS client certificate (PEM chain) and its private key, for the transport to present."""

    certificate_pem: str = field(repr=False)
    key: SecretValue = field(repr=False)

    @property
    def thumbprint(self) -> str:
        """RFC 8705 §3.1 `x5t#S256` of the leaf certificate: what identifies it, safe to log."""
        return certificate_thumbprint(self.certificate_pem)

    def __repr__(self) -> str:
        return f"ClientCertificate(x5t#S256={self.thumbprint}, key=<redacted {self.key.fingerprint}>)"


@dataclass(frozen=True, slots=True)
class ClientAuthentication:
    """What a method adds to the token request: form fields and, for mTLS, the client certificate."""

    form: tuple[tuple[str, str], ...] = field(repr=False)
    client_certificate: ClientCertificate | None = field(default=None, repr=False)


def certificate_thumbprint(certificate_pem: str) -> str:
    """The base64url SHA-256 of the first certificate's DER (`x5t#S256`)."""
    from cryptography import x509

    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
    except ValueError:
        raise ConfigError("certificate: the value read is not a PEM certificate") from None
    from cryptography.hazmat.primitives.serialization import Encoding

    return _b64url(hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest())


def key_matches_certificate(certificate_pem: str, key: SecretValue) -> bool:
    """Whether `key` (PEM) is the private half of the first certificate in `certificate_pem`.

    Also true when either cannot be parsed: loading them into the TLS context reports that, with
    the error naming the settings. Only the public halves are compared.
    """
    from cryptography import x509
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.serialization import (
        Encoding,
        PublicFormat,
        load_pem_private_key,
    )

    try:
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        private = load_pem_private_key(key.reveal().encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return True
    spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return bool(certificate.public_key().public_bytes(*spki) == private.public_key().public_bytes(*spki))


def assertion_audience(config: ClientConfig, token_endpoint: str, issuer: str | None) -> str:
    """RFC 7523 `aud`: the issuer when known and chosen (the current update says so), else the endpoint.

    An explicit `assertion_audience` decides. Absent, a provider profile says what its provider
    documents (Entra ID: the v2.0 token endpoint, never the issuer); the generic path takes the issuer.
    """
    choice = config.assertion_audience
    if choice is None and config.provider is not None:
        from ..providers import PROFILES

        return PROFILES[config.provider].assertion_audience_default(
            config, token_endpoint=token_endpoint, issuer=issuer
        )
    if choice != "token_endpoint" and issuer is not None:
        return issuer
    return token_endpoint


def identity(config: ClientConfig) -> ClientAuthentication | None:
    """What the cache key sees of a method's authentication: who, with which key, never the credential.

    A signed assertion differs at every request; what decides the tokens is its
    subject, audience choice, algorithm and key id. The key material itself is
    bound to each cache entry separately (the credential fingerprint).
    """
    method = config.auth_method
    if method in TLS_METHODS:
        return ClientAuthentication(form=(("client_id", config.client_id),))
    if method not in JWT_METHODS:
        return None
    described = (
        f"<{method} assertion sub={config.client_id} aud={_audience_choice(config)} "
        f"alg={config.signing_alg or 'from the key'} kid={config.key_id or 'from the key'}>"
    )
    return ClientAuthentication(
        form=(
            ("client_id", config.client_id),
            ("client_assertion_type", ASSERTION_TYPE),
            ("client_assertion", described),
        )
    )


def _audience_choice(config: ClientConfig) -> str:
    """The `aud` rule in words (for the cache key): as before the profiles on the generic path."""
    if config.assertion_audience is not None:
        return config.assertion_audience
    return "issuer" if config.provider is None else f"{config.provider} default"


@dataclass(frozen=True, slots=True)
class _SigningKey:
    key: Any  # a joserfc key
    algorithm: str
    key_id: str | None


class ClientAuthenticator:
    """The encoder of one client's `auth_method`: pure but for a memo of the last parsed key.

    `authenticate` is called for every HTTP attempt (retries included), so each
    assertion has its own `jti`, `iat` and `exp`. Parsing a key is the costly
    part: the last one is kept, keyed by the value's fingerprint, so a rotated
    key is parsed anew and the old one dropped.
    """

    def __init__(self, config: ClientConfig, *, new_jti: Callable[[], str] | None = None) -> None:
        self.config = config
        self._new_jti = new_jti if new_jti is not None else _new_jti
        self._parsed: tuple[str, _SigningKey] | None = None

    @property
    def signs(self) -> bool:
        """Whether each attempt needs a new assertion (then the request is rebuilt on every retry)."""
        return self.config.auth_method in ("client_secret_jwt", "private_key_jwt")

    def authenticate(
        self,
        credential: Credential,
        *,
        token_endpoint: str,
        issuer: str | None,
        now: datetime,
        supported_algs: Sequence[str] | None = None,
    ) -> ClientAuthentication | None:
        """The authentication to add for `credential`; `None` for the secret methods (protocol.py's)."""
        method = self.config.auth_method
        client_id = self.config.client_id
        if method in TLS_METHODS:
            if credential.certificate is None:
                raise ConfigError(f"client_certificate: {method} needs a client certificate")
            return ClientAuthentication(
                form=(("client_id", client_id),),
                client_certificate=ClientCertificate(credential.certificate.reveal(), credential.value),
            )
        if method == "client_assertion":
            # Issued to this workload by someone else (a kubelet, SPIRE, a cloud): sent as it is.
            return self._assertion_form(credential.value.reveal().strip())
        if method not in ("client_secret_jwt", "private_key_jwt"):
            return None
        signing = self._signing_key(credential, supported_algs)
        issued = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": client_id,
            "sub": client_id,
            "aud": assertion_audience(self.config, token_endpoint, issuer),
            "jti": self._new_jti(),
            "iat": issued,
            "exp": issued + int(self.config.assertion_lifetime),
        }
        if self.config.assertion_not_before:
            claims["nbf"] = issued
        header: dict[str, Any] = {"alg": signing.algorithm, "typ": "JWT"}
        if signing.key_id is not None:
            header["kid"] = signing.key_id
        if method == "private_key_jwt" and credential.certificate is not None:
            header["x5t#S256"] = certificate_thumbprint(credential.certificate.reveal())
        from joserfc import jwt

        assertion = jwt.encode(header, claims, signing.key, registry=jws_registry(signing.algorithm))
        return self._assertion_form(assertion)

    def _assertion_form(self, assertion: str) -> ClientAuthentication:
        return ClientAuthentication(
            form=(
                # RFC 7521 §4.2: client_id is optional beside an assertion; sent, as most servers like it.
                ("client_id", self.config.client_id),
                ("client_assertion_type", ASSERTION_TYPE),
                ("client_assertion", assertion),
            )
        )

    def _signing_key(self, credential: Credential, supported_algs: Sequence[str] | None) -> _SigningKey:
        memo = self._parsed
        tag = credential.value.fingerprint
        if memo is not None and memo[0] == tag:
            return memo[1]
        if self.config.auth_method == "client_secret_jwt":
            signing = self._hmac_key(credential.value)
        else:
            signing = self._private_key(credential.value, supported_algs)
        self._parsed = (tag, signing)
        return signing

    def _hmac_key(self, secret: SecretValue) -> _SigningKey:
        from joserfc.jwk import OctKey

        algorithm = self.config.signing_alg or "HS256"
        return _SigningKey(OctKey.import_key(secret.reveal().encode()), algorithm, self.config.key_id)

    def _private_key(self, value: SecretValue, supported_algs: Sequence[str] | None) -> _SigningKey:
        from joserfc.jwk import import_key

        where = f"private_key: the value read from {self.config.private_key}"
        text = value.reveal().strip()
        data: str | dict[str, Any] = text
        if text.startswith("{"):
            try:
                data = json.loads(text)
            except ValueError:
                raise ConfigError(f"{where} starts like a JWK but is not valid JSON") from None
        elif "-----BEGIN" not in text:
            raise ConfigError(f"{where} is neither a PEM private key nor a JWK (JSON)")
        elif "ENCRYPTED" in text:
            raise ConfigError(f"{where} is an encrypted PEM key; store it unencrypted in the secret source")
        try:
            key = import_key(data) if isinstance(data, dict) else import_key(data, _pem_key_type(text))
        except ConfigError:
            raise
        except Exception:
            # joserfc's and cryptography's messages may quote the input: never shown.
            raise ConfigError(f"{where} could not be read as a private key (PEM or JWK)") from None
        if not key.is_private or key.key_type == "oct":
            raise ConfigError(f"{where} is a public key; private_key must name the private key")
        algorithm = self.config.signing_alg or _default_alg(key, supported_algs)
        _check_alg_fits(algorithm, key.key_type, where)
        key_id = self.config.key_id
        if key_id is None:
            kid = key.as_dict(private=False).get("kid") if isinstance(data, dict) else None
            key_id = kid if isinstance(kid, str) and kid else key.thumbprint()
        return _SigningKey(key, algorithm, key_id)


@functools.cache
def jws_registry(algorithm: str) -> Any:
    """joserfc's JWS registry allowing `algorithm` alone; `EdDSA` without its deprecation warning.

    RFC 9864 deprecates the name `EdDSA` in favour of `Ed25519`, not the signature (the same
    bytes): most servers (oidc-provider, Entra ID, Keycloak) still list only `EdDSA`. joserfc warns
    at each use; a warning per acquisition says nothing the configuration reference does not.
    """
    import copy

    from joserfc.jws import JWSRegistry

    eddsa = copy.copy(JWSRegistry.algorithms["EdDSA"])
    eddsa.security_warning = None

    class _Registry(JWSRegistry):
        algorithms = {**JWSRegistry.algorithms, "EdDSA": eddsa}  # noqa: RUF012 - a class-level table, as joserfc's

    return _Registry(algorithms=[algorithm])


def _pem_key_type(text: str) -> Any:
    """joserfc's key type of a PEM private key, told by `cryptography` (joserfc will not guess)."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(text.encode(), password=None)
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "EC"
    if isinstance(key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey):
        return "OKP"
    raise ConfigError(
        f"private_key: a {type(key).__name__} cannot sign a client assertion (RSA, EC or Ed25519)"
    )


def _default_alg(key: Any, supported: Sequence[str] | None) -> str:
    """RS256 / ES256 (by curve) / EdDSA from the key; PS256 for RSA when the server lists only PS*."""
    if key.key_type == "RSA":
        if supported is not None and "RS256" not in supported and "PS256" in supported:
            return "PS256"
        return "RS256"
    if key.key_type == "EC":
        return _EC_ALGS.get(str(key.as_dict(private=False).get("crv")), "ES256")
    if supported is not None and "EdDSA" not in supported and "Ed25519" in supported:
        return "Ed25519"
    return "EdDSA"


def _check_alg_fits(algorithm: str, key_type: str, where: str) -> None:
    family = {"R": "RSA", "P": "RSA", "E": "EC"}.get(algorithm[0], "")
    edwards = algorithm in ("EdDSA", "Ed25519")
    fits = (edwards and key_type == "OKP") or (not edwards and family == key_type)
    if not fits:
        raise ConfigError(f"signing_alg: {algorithm} cannot be used with the {key_type} key ({where})")
