"""The Authlib authorization server: client credentials grant and introspection.

Authlib does the protocol work (client authentication, grant and scope
validation, error responses); this module only supplies the storage hooks.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable
from typing import Any, ClassVar, Literal
from urllib.parse import unquote_plus

from authlib.integrations.flask_oauth2 import (  # type: ignore[import-untyped, unused-ignore]
    AuthorizationServer,
)
from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped, unused-ignore]
    InvalidClientError,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.grants import (  # type: ignore[import-untyped, unused-ignore]
    ClientCredentialsGrant,
)
from authlib.oauth2.rfc7662 import (  # type: ignore[import-untyped, unused-ignore]
    IntrospectionEndpoint,
)
from flask import Flask

from .assertions import ClientAssertions, JWTClientAssertion
from .clients import SUPPORTED_AUTH_METHODS, ClientRegistry, RegisteredClient
from .clock import WallClock
from .tokens import IssuedAccessToken

__all__ = ["INTROSPECTION", "BasicAuthDecoding", "CredflowAuthorizationServer"]

INTROSPECTION = IntrospectionEndpoint.ENDPOINT_NAME

#: How `client_secret_basic` credentials are read: "form-urlencoded" as
#: RFC 6749 §2.3.1 says, or "raw" like the many servers that do not decode.
BasicAuthDecoding = Literal["form-urlencoded", "raw"]


class _ClientCredentialsGrant(ClientCredentialsGrant):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    # Authlib's default is client_secret_basic alone.
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(SUPPORTED_AUTH_METHODS)


class _IntrospectionEndpoint(IntrospectionEndpoint):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    """RFC 7662 introspection of the server's own JWT access tokens.

    Any registered client may introspect any token: the server has one
    resource, its own API, so there is nothing to keep apart.
    """

    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(SUPPORTED_AUTH_METHODS)

    def __init__(self, read_token: Callable[[str], IssuedAccessToken | None]) -> None:
        super().__init__()
        self._read_token = read_token

    def query_token(self, token_string: str, token_type_hint: str | None) -> Any:
        # No refresh tokens are issued, so every token is read as an access token.
        return self._read_token(token_string)

    def check_permission(
        self, token: IssuedAccessToken, client: RegisteredClient, request: OAuth2Request
    ) -> bool:
        return True

    def introspect_token(self, token: IssuedAccessToken) -> dict[str, Any]:
        claims = token.claims
        return {
            "active": True,
            "token_type": "Bearer",
            "client_id": claims["client_id"],
            "scope": token.get_scope(),
            "sub": claims["sub"],
            "aud": claims["aud"],
            "iss": claims["iss"],
            "exp": claims["exp"],
            "iat": claims["iat"],
            "jti": claims["jti"],
        }


class CredflowAuthorizationServer(AuthorizationServer):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    """Authlib's Flask authorization server over a `ClientRegistry`.

    `on_token_issued` lets the server count tokens without Authlib knowing
    about counters.
    """

    def __init__(
        self,
        app: Flask,
        *,
        clients: ClientRegistry,
        read_token: Callable[[str], IssuedAccessToken | None],
        on_token_issued: Callable[[], None],
        basic_auth_decoding: Callable[[], BasicAuthDecoding],
        assertions: ClientAssertions | None = None,
        audiences: Callable[[], list[str]] = list,
        clock: WallClock = time.time,
    ) -> None:
        super().__init__(app, query_client=clients.get, save_token=self._save_token)
        self._on_token_issued = on_token_issued
        self.register_client_auth_method("client_secret_basic", _client_secret_basic(basic_auth_decoding))
        if assertions is not None:
            for method in ("client_secret_jwt", "private_key_jwt"):
                self.register_client_auth_method(
                    method, JWTClientAssertion(method, assertions, audiences, clock)
                )
        self.register_grant(_ClientCredentialsGrant)
        self.register_endpoint(_IntrospectionEndpoint(read_token))

    def _save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        # Tokens are self-contained JWTs: nothing to store, only to count.
        self._on_token_issued()


def _client_secret_basic(
    decoding: Callable[[], BasicAuthDecoding],
) -> Callable[[Callable[[str], RegisteredClient | None], OAuth2Request], RegisteredClient | None]:
    """`client_secret_basic` that decodes the credentials the way RFC 6749 §2.3.1 says.

    The client id and secret are form-urlencoded before base64, so "+" stands
    for a space. Authlib's own decoder uses `unquote`, which leaves "+" as is
    and would refuse a correctly encoded secret that contains a space.
    """

    def authenticate(
        query_client: Callable[[str], RegisteredClient | None], request: OAuth2Request
    ) -> RegisteredClient | None:
        client_id, client_secret = _basic_credentials(request.headers.get("Authorization"))
        if client_id is None or client_secret is None:
            return None
        if decoding() == "form-urlencoded":
            client_id, client_secret = unquote_plus(client_id), unquote_plus(client_secret)
        client = query_client(client_id)
        if client is None:
            raise InvalidClientError(status_code=401, description="The client does not exist on this server.")
        return client if client.check_client_secret(client_secret) else None

    return authenticate


def _basic_credentials(authorization: str | None) -> tuple[str | None, str | None]:
    """The id and secret of a Basic Authorization header, still encoded."""
    if not authorization or " " not in authorization:
        return None, None
    scheme, encoded = authorization.split(None, 1)
    if scheme.lower() != "basic":
        return None, None
    try:
        decoded = base64.b64decode(encoded, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    if ":" not in decoded:
        return None, None
    # Split before decoding: an encoded ":" (%3A) belongs to the id or secret.
    client_id, client_secret = decoded.split(":", 1)
    return client_id, client_secret
