"""Registered clients, their accepted secrets, and secret rotation.

The registry is the mutable, locked store. Each request gets a frozen
`RegisteredClient` snapshot (Authlib's client model) so that a rotation
running in another thread never changes a client half-way through a request.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import (  # type: ignore[import-untyped, unused-ignore]
    ClientMixin,
)

from .clock import WallClock

__all__ = ["SUPPORTED_AUTH_METHODS", "ClientRegistry", "RegisteredClient"]

#: Token endpoint authentication methods (RFC 7591 names) the server speaks.
SUPPORTED_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt")
#: The methods that authenticate with the secret (a client without any may be registered with no secret).
SECRET_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "client_secret_jwt")

CLIENT_CREDENTIALS = "client_credentials"


@dataclass(frozen=True, slots=True)
class RegisteredClient(ClientMixin):  # type: ignore[misc, unused-ignore]  # Authlib is untyped
    """A client as one request sees it: Authlib's `ClientMixin` over a snapshot."""

    client_id: str
    scopes: tuple[str, ...]
    auth_methods: frozenset[str]
    token_lifetime: int | None
    # Authlib logs clients with %r; the secrets must never show there.
    accepted_secrets: tuple[str, ...] = field(repr=False)

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """Grant the requested scopes if all are allowed, else None (`invalid_scope`).

        No scope requested means every scope the client is allowed.
        """
        if not scope:
            return " ".join(self.scopes)
        requested = list(dict.fromkeys(scope.split()))
        if not set(requested) <= set(self.scopes):
            return None
        return " ".join(requested)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        offered = client_secret.encode()
        matches = [secrets.compare_digest(offered, s.encode()) for s in self.accepted_secrets]
        return any(matches)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # The same methods serve the token and the introspection endpoint.
        return method in self.auth_methods

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == CLIENT_CREDENTIALS


@dataclass(slots=True)
class _ClientRecord:
    scopes: tuple[str, ...]
    auth_methods: frozenset[str]
    token_lifetime: int | None
    # secret -> clock time until which it is accepted (None: no end)
    secrets: dict[str, float | None]


class ClientRegistry:
    """Thread-safe store of clients and the secrets each one is accepted with."""

    def __init__(self, clock: WallClock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._records: dict[str, _ClientRecord] = {}

    def add(
        self,
        client_id: str,
        secret: str | None,
        *,
        scopes: Iterable[str],
        auth_methods: Iterable[str],
        token_lifetime: int | None,
    ) -> None:
        """Register a client; a client id can be registered only once."""
        scope_list = tuple(scopes)
        methods = frozenset(auth_methods)
        _check_client_fields(client_id, secret, scope_list, methods, token_lifetime)
        with self._lock:
            if client_id in self._records:
                raise ValueError(f"client {client_id!r} is already registered")
            accepted: dict[str, float | None] = {} if secret is None else {secret: None}
            self._records[client_id] = _ClientRecord(scope_list, methods, token_lifetime, accepted)

    def remove(self, client_id: str) -> None:
        """Forget a client; its tokens stay valid until they expire."""
        with self._lock:
            self._record(client_id)
            del self._records[client_id]

    def rotate_secret(self, client_id: str, new_secret: str, grace_seconds: float) -> None:
        """Accept `new_secret`; every other secret ends `grace_seconds` from now."""
        if not new_secret:
            raise ValueError("a client secret cannot be empty")
        if grace_seconds < 0:
            raise ValueError("grace_seconds cannot be negative")
        ends_at = self._clock() + grace_seconds
        with self._lock:
            record = self._record(client_id)
            for secret, until in list(record.secrets.items()):
                if secret == new_secret:
                    continue
                if grace_seconds == 0:
                    del record.secrets[secret]
                else:
                    record.secrets[secret] = ends_at if until is None else min(until, ends_at)
            record.secrets[new_secret] = None

    def revoke_secret(self, client_id: str, secret: str) -> None:
        """Stop accepting `secret` now; revoking a secret not accepted does nothing."""
        with self._lock:
            self._record(client_id).secrets.pop(secret, None)

    def get(self, client_id: str) -> RegisteredClient | None:
        """The client as it is now, with only the secrets accepted now."""
        now = self._clock()
        with self._lock:
            record = self._records.get(client_id)
            if record is None:
                return None
            accepted = tuple(
                secret for secret, until in record.secrets.items() if until is None or now < until
            )
            return RegisteredClient(
                client_id=client_id,
                scopes=record.scopes,
                auth_methods=record.auth_methods,
                token_lifetime=record.token_lifetime,
                accepted_secrets=accepted,
            )

    def all_scopes(self) -> list[str]:
        """Every scope some client may ask for, sorted."""
        with self._lock:
            return sorted({scope for record in self._records.values() for scope in record.scopes})

    def _record(self, client_id: str) -> _ClientRecord:
        try:
            return self._records[client_id]
        except KeyError:
            raise KeyError(f"no client {client_id!r} is registered") from None


def _check_client_fields(
    client_id: str,
    secret: str | None,
    scopes: tuple[str, ...],
    auth_methods: frozenset[str],
    token_lifetime: int | None,
) -> None:
    if not client_id:
        raise ValueError("a client id cannot be empty")
    if secret == "" or (secret is None and auth_methods & set(SECRET_AUTH_METHODS)):
        raise ValueError("a client secret cannot be empty (only a private_key_jwt client has none)")
    if any(not scope or " " in scope for scope in scopes):
        raise ValueError(f"scopes must be non-empty and contain no spaces: {scopes!r}")
    unknown = auth_methods - set(SUPPORTED_AUTH_METHODS)
    if unknown or not auth_methods:
        raise ValueError(
            f"auth_methods must be a non-empty subset of {SUPPORTED_AUTH_METHODS}, got {sorted(auth_methods)}"
        )
    if token_lifetime is not None and token_lifetime <= 0:
        raise ValueError("token_lifetime must be a positive number of seconds")
