"""What `credflow check` says when the server refuses a key, an assertion or a certificate.

Servers answer most client-authentication failures with a bare `invalid_client`
("client authentication failed"), so the explanation is built from what can be
seen here: the server's own words when it gives them, the key's id and
thumbprint, the certificate's subject, issuer and validity, the claims of a
workload's assertion, and the clock skew measured against the server's `Date`
header. It names settings and public facts (key ids, thumbprints, subjects,
claims of a token someone else issued), never a key, an assertion or a secret.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..client_auth._methods import TLS_METHODS, ClientAuthenticator, Credential, assertion_audience
from ..config._client import ClientConfig
from ..errors import CredentialsRejectedError, CredflowError
from ..secret._value import SecretValue

__all__ = ["ENTRA_FEDERATION_AUDIENCE", "clock_skew", "explain_refusal"]

#: The audience Entra ID requires of a federated credential's token.
ENTRA_FEDERATION_AUDIENCE = "api://AzureADTokenExchange"
# Below this much skew a clock difference cannot explain a refusal (servers allow a few seconds).
_SKEW_THAT_MATTERS = 5.0


def clock_skew(date_header: str | None, now: datetime) -> float | None:
    """Seconds the server's clock is ahead of ours (negative: behind), from its `Date` header."""
    if not date_header:
        return None
    try:
        server_time = parsedate_to_datetime(date_header)
    except (TypeError, ValueError, IndexError):
        return None
    if server_time.tzinfo is None:
        server_time = server_time.replace(tzinfo=UTC)
    return (server_time - now).total_seconds()


def explain_refusal(
    client: ClientConfig,
    error: CredentialsRejectedError,
    *,
    credential: SecretValue | None,
    certificate: SecretValue | None,
    skew: float | None,
    token_endpoint: str,
) -> str | None:
    """The fix for a refused credential of a method beyond the secret ones; None for those."""
    method = client.auth_method
    said = (error.error_description or "").lower()
    skew_text = _skew_text(skew)
    if method in ("client_secret_jwt", "private_key_jwt"):
        return _signed_assertion(client, said, credential, certificate, skew_text, token_endpoint)
    if method == "client_assertion":
        return _federated(client, credential, skew, skew_text)
    if method in TLS_METHODS:
        return _certificate(client, certificate)
    return None


def _skew_text(skew: float | None) -> str:
    if skew is None:
        return "the server sent no Date header, so the clock skew could not be measured"
    direction = "behind" if skew > 0 else "ahead of"
    return f"this host's clock is {abs(skew):.0f} s {direction} the server's (measured from its Date header)"


def _signed_assertion(  # noqa: PLR0917 - a private helper of explain_refusal, called once
    client: ClientConfig,
    said: str,
    credential: SecretValue | None,
    certificate: SecretValue | None,
    skew_text: str,
    token_endpoint: str,
) -> str:
    identity = _key_identity(client, credential, certificate, token_endpoint)
    if "exp" in said or "nbf" in said or "iat" in said or "not yet valid" in said:
        return (
            f"the server found the assertion expired or not yet valid: {skew_text}; synchronise this "
            f"host's clock (NTP), or raise assertion_lifetime (now {client.assertion_lifetime:g} s)"
        )
    if "aud" in said:
        audience = assertion_audience(client, token_endpoint, client.issuer)
        other = "issuer" if audience == token_endpoint else "token_endpoint"
        return (
            f"the server does not accept the assertion's aud {audience!r}: set token_endpoint to exactly "
            f"the URL the server publishes, or assertion_audience = '{other}'"
        )
    if "jti" in said or "used once" in said or "replay" in said:
        return "the server saw this assertion's jti before; report it: credflow signs a new one per request"
    where = client.private_key if client.auth_method == "private_key_jwt" else client.client_secret
    if client.auth_method == "client_secret_jwt":
        return (
            f"the server does not accept an HMAC assertion keyed by the secret from {where} "
            f"({identity}): update the secret in its source or at the server; {skew_text}"
        )
    return (
        f"the key from {where} ({identity}) does not match a public key registered for client "
        f"{client.client_id!r}, or its kid is not the one registered: register this public key (or set "
        f"key_id to the registered kid), or point private_key at the registered key's private half; "
        f"{skew_text}"
    )


def _key_identity(
    client: ClientConfig, credential: SecretValue | None, certificate: SecretValue | None, token_endpoint: str
) -> str:
    """kid and alg of the assertion credflow signs (public facts), or why they are unknown."""
    if credential is None:
        return "the key could not be read"
    try:
        authentication = ClientAuthenticator(client).authenticate(
            Credential(credential, certificate),
            token_endpoint=token_endpoint,
            issuer=client.issuer,
            now=datetime.now(UTC),
        )
    except CredflowError as exc:
        return str(exc)
    assert authentication is not None
    header = _jose_part(dict(authentication.form)["client_assertion"], 0)
    parts = [f"kid {header.get('kid')!r}", f"alg {header.get('alg')}"]
    if "x5t#S256" in header:
        parts.append(f"x5t#S256 {header['x5t#S256']}")
    return ", ".join(parts)


def _federated(
    client: ClientConfig, credential: SecretValue | None, skew: float | None, skew_text: str
) -> str:
    if credential is None:
        return f"the assertion from {client.client_assertion} could not be read"
    claims = _jose_part(credential.reveal().strip(), 1)
    if not claims:
        return (
            f"the value from {client.client_assertion} is not a JWT: point client_assertion at the token file"
        )
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    now = datetime.now(UTC).timestamp() + (skew or 0.0)
    expires = claims.get("exp")
    facts = f"iss {claims.get('iss')!r}, sub {claims.get('sub')!r}, aud {audience!r}"
    if isinstance(expires, int | float) and expires <= now:
        return (
            f"the assertion from {client.client_assertion} ({facts}) expired {now - expires:.0f} s ago by "
            f"the server's clock: the file is not being refreshed (is the projected volume mounted?); "
            f"{skew_text}"
        )
    hint = ""
    entra = "login.microsoftonline.com" in (client.issuer or client.token_endpoint or "")
    if entra and ENTRA_FEDERATION_AUDIENCE not in audiences:
        hint = f" Entra ID expects aud {ENTRA_FEDERATION_AUDIENCE!r}: set the projected token's audience."
    return (
        f"the server does not trust the assertion from {client.client_assertion} ({facts}) for client "
        f"{client.client_id!r}: its federated credential must name exactly this issuer, subject and "
        f"audience.{hint}"
    )


def _certificate(client: ClientConfig, certificate: SecretValue | None) -> str:
    if certificate is None:
        return f"the certificate from {client.client_certificate} could not be read"
    from cryptography import x509

    try:
        parsed = x509.load_pem_x509_certificate(certificate.reveal().encode())
    except ValueError:
        return f"the value from {client.client_certificate} is not a PEM certificate"
    now = datetime.now(UTC)
    facts = (
        f"subject {parsed.subject.rfc4514_string()!r}, issuer {parsed.issuer.rfc4514_string()!r}, "
        f"valid {parsed.not_valid_before_utc:%Y-%m-%d} to {parsed.not_valid_after_utc:%Y-%m-%d}"
    )
    if not parsed.not_valid_before_utc <= now <= parsed.not_valid_after_utc:
        return f"the certificate from {client.client_certificate} ({facts}) is not valid now: renew it"
    if client.auth_method == "tls_client_auth":
        return (
            f"the server did not accept the certificate from {client.client_certificate} ({facts}): it must "
            "be issued by a CA the server trusts, and its subject (or SAN) must be the one registered "
            f"for client {client.client_id!r}"
        )
    return (
        f"the server did not accept the self-signed certificate from {client.client_certificate} ({facts}): "
        f"register it (its JWK with x5c) for client {client.client_id!r}"
    )


def _jose_part(token: str, index: int) -> dict[str, Any]:
    """The header (0) or claims (1) of a compact JWT, unverified (for explaining only), or {}."""
    try:
        part = token.split(".")[index]
        decoded = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    except (IndexError, ValueError):
        return {}
    return decoded if isinstance(decoded, dict) else {}
