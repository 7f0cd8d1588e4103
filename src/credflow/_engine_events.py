"""The audit events only an engine emits (token requests, rotations, flights, cache outages).

Import them from `credflow.events`, which loads this module on first use: a
process that builds no engine (a `credflow token` answered from the file
cache) never creates these classes, which is a good part of its start-up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from .events import AuditEvent, Outcome, TokenAttemptReason, TokenRequestReason

__all__ = [
    "AcquisitionEnded",
    "AcquisitionStarted",
    "CacheBackendEvent",
    "EngineStarted",
    "SecretRotation",
    "TokenEndpointCalled",
    "TokenFailed",
    "TokenIssued",
    "TokenRequestEnded",
    "TokenRequested",
    "TokenRetried",
]


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
    status: int | None = None  # the HTTP status that is retried (429, 5xx); None for a connection error
    #: Rate-limit and quota headers of the refused answer (a 429's X-Rate-Limit-Reset, Auth0 quotas).
    rate_limit: Mapping[str, str] | None = None


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
    client_id: str | None = None  # the client whose acquisition saw it


@dataclass(frozen=True, slots=True, kw_only=True)
class CacheBackendEvent(AuditEvent):
    """A shared token cache became unavailable (`degraded`) or came back (`recovered`)."""

    backend: str
    kind: Literal["degraded", "recovered"]
    message: str


# --- telemetry: the events a metrics or tracing plugin needs beyond the audit trail ---------------


@dataclass(frozen=True, slots=True, kw_only=True)
class EngineStarted(AuditEvent):
    """A `TokenEngine` was created for `client_id`.

    `cache_hits()` returns how many `get_token()` / `aget_token()` calls of
    this engine were answered from its in-process token so far. The engine
    counts them without a lock or an event per call (the hot path); a metrics
    plugin reads the count when its exporter collects.
    """

    client_id: str
    cache_hits: Callable[[], int]


@dataclass(frozen=True, slots=True, kw_only=True)
class AcquisitionStarted(AuditEvent):
    """A flight began: one acquisition that every waiting caller shares.

    `acquisition_id` pairs it with its `AcquisitionEnded`, which is emitted on
    the same thread (sync) or in the same asyncio task (async), so a tracing
    plugin may make its span current in between.
    """

    acquisition_id: int
    client_id: str
    reason: TokenRequestReason


@dataclass(frozen=True, slots=True, kw_only=True)
class AcquisitionEnded(AuditEvent):
    """A flight ended: with a token (`outcome` issued) or an error (`rejected`, `error`).

    `token_source` says where the token came from: `endpoint` (a token
    request) or `shared` (another process's token, from the shared token
    cache); None on failure. `callers` counts the `get_token()` calls that
    waited for this flight (0 for a background renewal nobody waited for).
    """

    acquisition_id: int
    client_id: str
    reason: TokenRequestReason
    outcome: Outcome
    token_source: Literal["endpoint", "shared"] | None
    callers: int
    duration_seconds: float
    error_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenRequestEnded(AuditEvent):
    """The token endpoint answered one token request (after its retries), or it failed for good.

    One per value of the secret sent: `issued` (a token), `rejected` (the
    endpoint refused the client's credentials, `invalid_client`) or `error`
    (another OAuth error, an unreadable answer, retries exhausted);
    `error_type` is the OAuth error code or the exception's class name.
    """

    client_id: str
    token_endpoint: str
    reason: TokenAttemptReason
    outcome: Outcome
    error_type: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenEndpointCalled(AuditEvent):
    """One HTTP request to the token endpoint completed or failed (each retry is one).

    `url` is the endpoint without its query or fragment. `status` is the HTTP
    status, None when no answer came (then `error_type` names the failure).
    `ratelimit_remaining` is what the server's rate-limit or quota headers
    said was left (`x-ratelimit-remaining`, `x-rate-limit-remaining`,
    `Auth0-Client-Quota-Limit`'s `r=`), when it sent any.
    """

    client_id: str
    method: str
    url: str
    status: int | None
    error_type: str | None
    duration_seconds: float
    ratelimit_remaining: int | None = None
