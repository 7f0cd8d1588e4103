"""Audit events: frozen, slotted records handed to the audit hooks.

They carry names, counts and fingerprints, never a secret or a token value.
The events only an engine emits are defined in `_engine_events` and loaded
from here on first use, so a process that builds no engine does not create them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from ._engine_events import (
        AcquisitionEnded,
        AcquisitionStarted,
        CacheBackendEvent,
        EngineStarted,
        SecretRotation,
        TokenEndpointCalled,
        TokenFailed,
        TokenIssued,
        TokenRequested,
        TokenRequestEnded,
        TokenRetried,
    )

__all__ = [
    "AcquisitionEnded",
    "AcquisitionStarted",
    "AuditEvent",
    "CacheBackendEvent",
    "EngineStarted",
    "SecretFailed",
    "SecretFetched",
    "SecretRotation",
    "TokenEndpointCalled",
    "TokenFailed",
    "TokenIssued",
    "TokenRequestEnded",
    "TokenRequested",
    "TokenRetried",
]

TokenRequestReason = Literal["cold", "renewal", "expired", "invalidated"]
# Why one token request (one value of the secret tried) was sent: the acquisition's reason, or
# `rotation` for the requests sent after the endpoint refused a value (re-read, candidates, last good).
TokenAttemptReason = Literal["cold", "renewal", "expired", "invalidated", "rotation"]
Outcome = Literal["issued", "rejected", "error"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """Base of every audit event."""


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
    duration_seconds: float = 0.0  # how long the read took, caches included


@dataclass(frozen=True, slots=True, kw_only=True)
class SecretFailed(AuditEvent):
    """Reading a secret from its source failed."""

    reference: str
    scheme: str
    error_type: str
    message: str
    duration_seconds: float = 0.0  # how long the read took before it failed


# The engine's events are defined in `_engine_events` and loaded when first asked for.
_ENGINE_EVENTS = frozenset(
    {
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
    }
)


def __getattr__(name: str) -> object:
    if name in _ENGINE_EVENTS:
        from . import _engine_events

        value = getattr(_engine_events, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_ENGINE_EVENTS})
