"""Failures injected into the token endpoint on demand."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

__all__ = ["FaultInjector", "InjectedFailure"]

# The OAuth error code an injected status answers with, unless told otherwise.
_ERROR_FOR_STATUS = {
    400: "invalid_request",
    401: "invalid_client",
    429: "temporarily_unavailable",
    503: "temporarily_unavailable",
}


@dataclass(frozen=True, slots=True)
class InjectedFailure:
    """One canned token endpoint answer.

    `body`, when set, replaces the JSON error body verbatim (to test clients
    against a proxy's HTML error page, say); with a body the status may also be
    a 2xx (a success answer that is broken).
    """

    status: int
    error: str
    retry_after: str | None = None
    body: str | None = None

    @classmethod
    def build(
        cls,
        status: int,
        *,
        error: str | None = None,
        retry_after: str | int | datetime | None = None,
        body: str | None = None,
    ) -> InjectedFailure:
        """An `InjectedFailure` with the error code and Retry-After spelt out."""
        # A 2xx is a failure only with a body of its own: a broken success answer.
        if not (400 <= status <= 599 or (body is not None and 200 <= status <= 299)):
            raise ValueError(
                f"an injected failure needs a 4xx or 5xx status, or a 2xx with a body, got {status}"
            )
        if error is None:
            error = _ERROR_FOR_STATUS.get(status, "server_error")
        return cls(status, error, _retry_after_header(retry_after), body)


def _retry_after_header(retry_after: str | int | datetime | None) -> str | None:
    if retry_after is None or isinstance(retry_after, str):
        return retry_after
    if isinstance(retry_after, datetime):
        # RFC 9110 HTTP-date: always GMT.
        return format_datetime(retry_after.astimezone(UTC), usegmt=True)
    return str(retry_after)


class FaultInjector:
    """A thread-safe queue of failures, one taken by each token request."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: deque[InjectedFailure] = deque()

    def add(self, count: int, failure: InjectedFailure) -> None:
        """Queue `failure` for the next `count` requests, after those already queued."""
        if count < 0:
            raise ValueError("count cannot be negative")
        with self._lock:
            self._pending.extend([failure] * count)

    def take(self) -> InjectedFailure | None:
        """The failure this request answers with, if one is queued."""
        with self._lock:
            return self._pending.popleft() if self._pending else None

    def clear(self) -> None:
        """Drop every queued failure."""
        with self._lock:
            self._pending.clear()

    @property
    def pending(self) -> int:
        """How many requests will still fail."""
        with self._lock:
            return len(self._pending)
