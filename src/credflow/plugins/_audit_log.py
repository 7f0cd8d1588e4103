"""The built-in audit plugin: one structured log record per event on `credflow.audit`.

Each record's message is a short human sentence; the event's fields are in
`record.credflow_event` (the frozen event) and flattened into the record as
`credflow_<field>` attributes for structured formatters. Events never hold a
secret or a token, so nothing here can leak one.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    # Annotations only: the engine's events are loaded when an engine first emits one.
    from ..events import (
        AuditEvent,
        CacheBackendEvent,
        SecretFailed,
        SecretFetched,
        SecretRotation,
        TokenFailed,
        TokenIssued,
        TokenRequested,
        TokenRetried,
    )

__all__ = ["AuditLogPlugin"]

logger = logging.getLogger("credflow.audit")


def _log(level: int, event: AuditEvent, message: str, *args: object) -> None:
    if not logger.isEnabledFor(level):
        return
    extra: dict[str, object] = {"credflow_event": event, "credflow_event_type": type(event).__name__}
    for field in dataclasses.fields(event):
        extra[f"credflow_{field.name}"] = getattr(event, field.name)
    logger.log(level, message, *args, extra=extra)


class AuditLogPlugin:
    """Writes every audit event to the `credflow.audit` logger."""

    @hookimpl
    def credflow_token_requested(self, event: TokenRequested) -> None:
        _log(
            logging.INFO,
            event,
            "token requested client_id=%s endpoint=%s scopes=%s reason=%s secret=%s",
            event.client_id,
            event.token_endpoint,
            " ".join(event.scopes),
            event.reason,
            event.secret_fingerprint,
        )

    @hookimpl
    def credflow_token_issued(self, event: TokenIssued) -> None:
        _log(
            logging.INFO,
            event,
            "token issued client_id=%s scopes=%s lifetime=%ss%s token=%s",
            event.client_id,
            " ".join(event.scopes),
            round(event.lifetime_seconds),
            " (default lifetime: no expires_in)" if event.lifetime_defaulted else "",
            event.token_fingerprint,
        )
        if event.excess_scopes:
            # Least privilege: one warning per issued token that grants more than was asked for.
            _log(
                logging.WARNING,
                event,
                "token grants more than requested client_id=%s extra scopes=%s: remove them at %s",
                event.client_id,
                " ".join(event.excess_scopes),
                event.excess_scopes_fix,
            )

    @hookimpl
    def credflow_token_failed(self, event: TokenFailed) -> None:
        _log(
            logging.WARNING,
            event,
            "token request failed client_id=%s endpoint=%s error=%s: %s",
            event.client_id,
            event.token_endpoint,
            event.oauth_error or event.error_type,
            event.message,
        )

    @hookimpl
    def credflow_token_retried(self, event: TokenRetried) -> None:
        _log(
            logging.INFO,
            event,
            "token request retry client_id=%s attempt=%d in %.2fs: %s",
            event.client_id,
            event.attempt,
            event.delay_seconds,
            event.reason,
        )

    @hookimpl
    def credflow_secret_fetched(self, event: SecretFetched) -> None:
        source = "stale cache" if event.stale else "cache" if event.cached else "backend"
        _log(
            logging.WARNING if event.stale else logging.INFO,
            event,
            "secret fetched reference=%s from=%s fresh=%s secret=%s%s",
            event.reference,
            source,
            event.fresh,
            event.secret_fingerprint,
            " (backend failing; serving the last good value)" if event.stale else "",
        )

    @hookimpl
    def credflow_secret_failed(self, event: SecretFailed) -> None:
        _log(logging.WARNING, event, "secret fetch failed reference=%s: %s", event.reference, event.message)

    @hookimpl
    def credflow_secret_rotation(self, event: SecretRotation) -> None:
        _log(
            logging.WARNING if event.kind in ("candidate-fallback", "last-known-good") else logging.INFO,
            event,
            "secret rotation %s reference=%s candidate=%s secret=%s",
            event.kind,
            event.reference,
            event.candidate or "-",
            event.secret_fingerprint,
        )

    @hookimpl
    def credflow_cache_backend(self, event: CacheBackendEvent) -> None:
        _log(
            logging.WARNING if event.kind == "degraded" else logging.INFO,
            event,
            "token cache %s %s: %s",
            event.backend,
            event.kind,
            event.message,
        )
