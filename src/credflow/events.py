"""Audit events: frozen, slotted records handed to the audit hooks.

They carry names, counts and fingerprints, never a secret or a token value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

__all__ = [
    "AuditEvent",
    "CacheBackendEvent",
    "SecretFailed",
    "SecretFetched",
    "SecretRotation",
    "TokenFailed",
    "TokenIssued",
    "TokenRequested",
    "TokenRetried",
]

TokenRequestReason = Literal["cold", "renewal", "expired", "invalidated"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """Base of every audit event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRequested(AuditEvent):
    """A token request is about to be sent to the token endpoint."""

    client_id: str
    token_endpoint: str
    scopes: tuple[str, ...]
    reason: TokenRequestReason
    secret_fingerprint: str


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenIssued(AuditEvent):
    """The token endpoint issued a token."""

    client_id: str
    token_endpoint: str
    scopes: tuple[str, ...]
    lifetime_seconds: float
    expires_at: datetime
    token_fingerprint: str
    lifetime_defaulted: bool = False
    #: Rate-limit and quota headers of the answer (x-ratelimit-*, X-Rate-Limit-*, Auth0-Client-Quota-Limit).
    rate_limit: Mapping[str, str] | None = None
    #: Scopes granted beyond those requested (least privilege); the audit log warns when non-empty.
    excess_scopes: tuple[str, ...] = ()
    #: Where to remove `excess_scopes` at the provider.
    excess_scopes_fix: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenFailed(AuditEvent):
    """Getting a token failed for good (after retries and any secret re-read)."""

    client_id: str
    token_endpoint: str
    error_type: str
    message: str
    oauth_error: str | None = None
    status: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRetried(AuditEvent):
    """A token request failed transiently and will be sent again after `delay_seconds`."""

    client_id: str
    token_endpoint: str
    attempt: int
    delay_seconds: float
    reason: str
    #: Rate-limit and quota headers of the refused answer (a 429's X-Rate-Limit-Reset, Auth0 quotas).
    rate_limit: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretFetched(AuditEvent):
    """A secret was read from its source.

    `cached` is true when the source answered from its own cache, `stale` when
    it served a value past its TTL because the backend was failing.
    """

    reference: str
    scheme: str
    secret_fingerprint: str
    fresh: bool
    cached: bool = False
    stale: bool = False
    version: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretFailed(AuditEvent):
    """Reading a secret from its source failed."""

    reference: str
    scheme: str
    error_type: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretRotation(AuditEvent):
    """A rotation happened: the secret value changed, or credflow switched candidates.

    `kind` is `changed` (a fresh read returned a new value), `candidate-fallback`
    (a non-primary candidate worked), `fallback-ended` (the primary works again),
    `last-known-good` (the source's value was refused and the value the server
    last accepted worked instead) or `last-known-good-ended` (the source's value
    is accepted again).
    """

    reference: str
    kind: Literal[
        "changed", "candidate-fallback", "fallback-ended", "last-known-good", "last-known-good-ended"
    ]
    secret_fingerprint: str
    candidate: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheBackendEvent(AuditEvent):
    """A shared token cache became unavailable (`degraded`) or came back (`recovered`)."""

    backend: str
    kind: Literal["degraded", "recovered"]
    message: str
