"""JWT client assertions at the embedded server: client_secret_jwt, private_key_jwt, federated.

RFC 7523 §3 (the checks: `iss`, `sub`, `aud`, `exp`, `jti` not replayed, the
signature) and RFC 7521 §4.2 (`client_assertion_type`). JOSE is joserfc's, as
in Authlib's own `JWTBearerClientAssertion`; this module chooses the key:

- `client_secret_jwt`: an HMAC with one of the client's accepted secrets;
- `private_key_jwt`: a public key the client registered (`set_public_keys`);
- a federated assertion (workload identity, as Entra ID's federated
  credentials): `iss` is an issuer trusted for the client (`trust`), `sub`
  and `aud` are the ones registered with that trust; sent under
  `private_key_jwt`, which is how Entra ID and Keycloak list it.

What it proves: credflow's assertions pass a server that checks every claim
and refuses replays. What it cannot: the quirks of one vendor's checks.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped, unused-ignore]
    InvalidClientError,
)
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, KeySetSerialization, OctKey

from ..client_auth._methods import jws_registry
from .clients import RegisteredClient
from .clock import WallClock

__all__ = ["ASSERTION_ALGORITHMS", "ASSERTION_TYPE", "ClientAssertions", "Federation", "JWTClientAssertion"]

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_ALGORITHMS = ("HS256", "HS384", "HS512", "RS256", "PS256", "ES256", "ES384", "EdDSA")
# Seconds of clock skew allowed on exp / nbf / iat (RFC 7519 §4.1.4 "a few minutes" at most).
LEEWAY = 5


@dataclass(frozen=True, slots=True)
class Federation:
    """A foreign issuer trusted to vouch for a client: its keys, and the `sub`/`aud` it must assert."""

    issuer: str
    jwks: dict[str, Any]
    subject: str
    audience: str


class ClientAssertions:
    """The clients' public keys and federations, and the `jti`s seen (thread-safe)."""

    def __init__(self, clock: WallClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, dict[str, Any]] = {}
        self._federations: dict[str, tuple[Federation, ...]] = {}
        self._seen: dict[tuple[str, str], float] = {}

    def set_public_keys(self, client_id: str, jwks: dict[str, Any]) -> None:
        """Replace the public keys (a JWK Set) `client_id`'s assertions may be signed with."""
        KeySet.import_key_set(
            cast(KeySetSerialization, jwks)
        )  # refuse a malformed set now, not at the first request
        with self._lock:
            self._keys[client_id] = jwks

    def public_keys(self, client_id: str) -> KeySet | None:
        with self._lock:
            jwks = self._keys.get(client_id)
        return None if jwks is None else KeySet.import_key_set(cast(KeySetSerialization, jwks))

    def trust(self, client_id: str, federation: Federation) -> None:
        """Accept assertions from `federation.issuer` as `client_id`; replaces that issuer's earlier trust.

        Calling it again for the same issuer is the server refreshing the issuer's JWKS (a key rotation).
        """
        with self._lock:
            others = tuple(f for f in self._federations.get(client_id, ()) if f.issuer != federation.issuer)
            self._federations[client_id] = (*others, federation)

    def federation(self, client_id: str, issuer: str) -> Federation | None:
        with self._lock:
            return next((f for f in self._federations.get(client_id, ()) if f.issuer == issuer), None)

    def first_use(self, issuer: str, jti: str, expires: float) -> bool:
        """Record `jti` of `issuer` until `expires`; False if it was seen before (a replay)."""
        now = self._clock()
        with self._lock:
            for seen, until in list(self._seen.items()):
                if until + LEEWAY < now:
                    del self._seen[seen]
            if (issuer, jti) in self._seen:
                return False
            self._seen[(issuer, jti)] = expires
            return True


class JWTClientAssertion:
    """Authlib client-authentication method for `client_secret_jwt` or `private_key_jwt`."""

    def __init__(
        self,
        method: str,
        assertions: ClientAssertions,
        audiences: Callable[[], list[str]],
        clock: WallClock,
    ) -> None:
        self.method = method
        self._assertions = assertions
        self._audiences = audiences
        self._clock = clock

    def __call__(self, query_client: Callable[[str], RegisteredClient | None], request: Any) -> Any:
        form = request.form
        assertion = form.get("client_assertion")
        if form.get("client_assertion_type") != ASSERTION_TYPE or not assertion:
            return None
        try:
            compact = jws.extract_compact(assertion.encode())
            # Read before verifying, to find the client and its keys; verified below.
            header, claims = compact.headers(), json.loads(compact.payload)
            if not isinstance(claims, dict):
                raise ValueError("not an object")
        except (JoseError, ValueError):
            raise InvalidClientError(description="client_assertion is not a JWT") from None
        algorithm = str(header.get("alg", ""))
        if algorithm.startswith("HS") != (self.method == "client_secret_jwt"):
            return None  # the other JWT method's
        if algorithm not in ASSERTION_ALGORITHMS:
            raise InvalidClientError(description=f"unsupported assertion alg {algorithm!r}")
        client_id = form.get("client_id") or claims.get("sub")
        if not isinstance(client_id, str):
            raise InvalidClientError(description="the assertion names no client (sub)")
        client = query_client(client_id)
        if client is None:
            raise InvalidClientError(description=f"unknown client {client_id!r}")
        issuer = claims.get("iss")
        federation = None
        if issuer != client_id:
            federation = self._assertions.federation(client_id, str(issuer))
            if federation is None or self.method != "private_key_jwt":
                raise InvalidClientError(
                    description=f"assertion issuer {issuer!r} is neither the client nor trusted for it"
                )
        keys = self._keys(client, federation, header)
        verified = None
        for key in keys:
            try:
                verified = jwt.decode(assertion, key, registry=jws_registry(algorithm))
                break
            except JoseError:
                continue
        if verified is None:
            kid = header.get("kid")
            raise InvalidClientError(
                description=f"assertion signature matches no registered key (kid {kid!r})"
                if keys
                else f"no registered key with kid {kid!r}"
            )
        self._check_claims(verified.claims, client_id, federation)
        if not client.check_endpoint_auth_method(self.method, "token"):
            raise InvalidClientError(description=f"client {client_id!r} may not use {self.method}")
        return client

    def _keys(
        self, client: RegisteredClient, federation: Federation | None, header: dict[str, Any]
    ) -> list[Any]:
        if self.method == "client_secret_jwt":
            return [OctKey.import_key(secret.encode()) for secret in client.accepted_secrets]
        key_set = (
            KeySet.import_key_set(cast(KeySetSerialization, federation.jwks))
            if federation is not None
            else self._assertions.public_keys(client.client_id)
        )
        if key_set is None:
            return []
        kid = header.get("kid")
        return [key for key in key_set.keys if kid is None or key.kid == kid]

    def _check_claims(self, claims: dict[str, Any], client_id: str, federation: Federation | None) -> None:
        if federation is None:
            expected_sub, audiences = client_id, self._audiences()
        else:
            expected_sub, audiences = federation.subject, [federation.audience]
        registry = jwt.JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            leeway=LEEWAY,
            iss={"essential": True},
            sub={"essential": True, "value": expected_sub},
            aud={"essential": True, "values": audiences},
            exp={"essential": True},
            jti={"essential": federation is None},
        )
        try:
            registry.validate(claims)
        except JoseError as exc:
            raise InvalidClientError(
                description=f"assertion refused: {exc.description or exc.error}"
            ) from None
        if federation is not None:
            # A platform's token (a projected service-account token) is presented for as long as it
            # lives, by every replica: Entra ID and Keycloak accept it again, and so does this server.
            return
        if not self._assertions.first_use(str(claims["iss"]), str(claims["jti"]), float(claims["exp"])):
            raise InvalidClientError(description="assertion jti was used before (a replay)")
