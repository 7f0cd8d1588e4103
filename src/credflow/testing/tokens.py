"""RFC 9068 JWT access tokens: minted with Authlib, read back for the API.

Every time in a token comes from the server's clock, so a test that moves a
`ManualClock` expires tokens without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin  # type: ignore[import-untyped, unused-ignore]
from authlib.oauth2.rfc9068 import (  # type: ignore[import-untyped, unused-ignore]
    JWTBearerTokenGenerator,
)
from flask import request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from .clients import RegisteredClient
from .clock import WallClock

__all__ = [
    "SIGNING_ALGORITHM",
    "AccessTokenGenerator",
    "IssuedAccessToken",
    "TokenResponse",
    "generate_signing_key",
    "read_access_token",
]

SIGNING_ALGORITHM = "RS256"
# RFC 9068 §2.1; §4 lets a reader accept the long form too.
_ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")


def generate_signing_key() -> RSAKey:
    """A fresh RSA key for signing access tokens, with a `kid` for the JWKS."""
    return RSAKey.generate_key(2048, parameters={"use": "sig", "alg": SIGNING_ALGORITHM}, auto_kid=True)


class TokenResponse(dict[str, Any]):
    """A token endpoint response body whose repr hides the access token.

    Authlib logs the issued token with %r at DEBUG level; this keeps the token
    value out of anyone's logs.
    """

    def __repr__(self) -> str:
        shown = {key: ("<redacted>" if key == "access_token" else value) for key, value in self.items()}
        return f"TokenResponse({shown!r})"


class AccessTokenGenerator(JWTBearerTokenGenerator):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    """Authlib's RFC 9068 generator, wired to the running server's settings.

    `lifetime_for` gives a client's token lifetime in seconds, `refresh_in`
    the optional `refresh_in` hint; both are read per request so tests can
    change them while the server runs.
    """

    def __init__(
        self,
        *,
        issuer: str,
        signing_key: RSAKey,
        clock: WallClock,
        lifetime_for: Callable[[RegisteredClient], int],
        refresh_in: Callable[[], int | None],
    ) -> None:
        super().__init__(issuer=issuer, alg=SIGNING_ALGORITHM, expires_generator=self._expires_in)
        self._signing_key = signing_key
        self._clock = clock
        self._lifetime_for = lifetime_for
        self._refresh_in = refresh_in

    def _expires_in(self, client: RegisteredClient, grant_type: str) -> int:
        return self._lifetime_for(client)

    def get_jwks(self) -> KeySet:
        # A key set, not the bare key: joserfc then names the key's `kid` in
        # the JWT header, which clients need to pick the key from the JWKS.
        return KeySet([self._signing_key])

    def get_audiences(self, client: RegisteredClient, user: object, scope: str) -> str | list[str]:
        """RFC 8707 `resource` and the common `audience` parameter, else the client id."""
        audiences = request.form.getlist("audience") + request.form.getlist("resource")
        if not audiences:
            return client.client_id
        return audiences[0] if len(audiences) == 1 else audiences

    def get_extra_claims(
        self, client: RegisteredClient, grant_type: str, user: object, scope: str
    ) -> dict[str, Any]:
        # Authlib stamps iat/exp from time.time(); extra claims are applied
        # last, so these put the server's (possibly manual) clock in charge.
        issued_at = int(self._clock())
        return {"iat": issued_at, "exp": issued_at + self._expires_in(client, grant_type)}

    def generate(  # noqa: PLR0917  # Authlib calls it with positional arguments
        self,
        grant_type: str,
        client: RegisteredClient,
        user: object = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> TokenResponse:
        token = TokenResponse(
            super().generate(grant_type, client, user, scope, expires_in, include_refresh_token)
        )
        refresh_in = self._refresh_in()
        if refresh_in is not None:
            token["refresh_in"] = refresh_in
        return token


class IssuedAccessToken(TokenMixin):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    """A verified access token as Authlib's resource and introspection code see it.

    Tokens are not tied to client secrets: rotating or revoking a secret
    leaves the tokens issued with it valid until they expire.
    """

    def __init__(self, claims: dict[str, Any], clock: WallClock) -> None:
        self.claims = claims
        self._clock = clock

    @property
    def client_id(self) -> str:
        return str(self.claims["client_id"])

    def check_client(self, client: RegisteredClient) -> bool:
        return self.client_id == client.client_id

    def get_scope(self) -> str:
        return str(self.claims.get("scope") or "")

    def get_expires_in(self) -> int:
        return int(self.claims["exp"]) - int(self.claims["iat"])

    def is_expired(self) -> bool:
        return self._clock() >= int(self.claims["exp"])

    def is_revoked(self) -> bool:
        return False

    def get_user(self) -> None:
        return None


def read_access_token(
    value: str, *, signing_key: RSAKey, issuer: str, clock: WallClock
) -> IssuedAccessToken | None:
    """Verify an access token's signature, type, issuer and claims; None if any fails.

    Expiry is checked against `clock` too, so an expired token reads as None.
    """
    try:
        decoded = jwt.decode(value, signing_key, algorithms=[SIGNING_ALGORITHM])
    except (JoseError, ValueError):
        return None
    if str(decoded.header.get("typ", "")).lower() not in _ACCESS_TOKEN_TYPES:
        return None
    registry = JWTClaimsRegistry(
        now=lambda: int(clock()),
        iss={"essential": True, "value": issuer},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        aud={"essential": True},
        client_id={"essential": True},
        jti={"essential": True},
    )
    try:
        registry.validate(decoded.claims)
    except JoseError:
        return None
    return IssuedAccessToken(decoded.claims, clock)
