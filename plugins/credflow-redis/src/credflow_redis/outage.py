"""`OutageGuard`: one `degraded` event per outage, one `recovered` after, and a cool-down between.

While Redis is failing, the backend does not call it at all for `cooldown`
seconds after each failure (so a dead or stalled Redis costs one time-boxed
call per cool-down, not one per token request), and the engine carries on
without a shared cache.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from credflow.events import AuditEvent, CacheBackendEvent

__all__ = ["OutageGuard"]


class OutageGuard:
    """Tracks whether the backend is reachable and reports each change once."""

    def __init__(
        self,
        backend: str,
        emit: Callable[[AuditEvent], None],
        cooldown: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._emit = emit
        self._cooldown = cooldown
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._degraded = False
        self._retry_at = 0.0

    @property
    def degraded(self) -> bool:
        """Whether the last call failed and no call has succeeded since."""
        return self._degraded

    def allows_call(self) -> bool:
        """Whether to try the backend now (always, unless cooling down after a failure)."""
        return not self._degraded or self._monotonic() >= self._retry_at

    def failed(self, reason: str) -> None:
        """Record a failed call; emit `degraded` if this starts an outage."""
        with self._lock:
            self._retry_at = self._monotonic() + self._cooldown
            if self._degraded:
                return
            self._degraded = True
        self._emit(
            CacheBackendEvent(
                backend=self._backend,
                kind="degraded",
                message=f"{reason}; continuing without the shared token cache, "
                f"retrying it every {self._cooldown:g}s",
            )
        )

    def succeeded(self) -> None:
        """Record a successful call; emit `recovered` if this ends an outage."""
        with self._lock:
            ended, self._degraded = self._degraded, False
        if not ended:
            return
        self._emit(
            CacheBackendEvent(
                backend=self._backend, kind="recovered", message="the shared token cache answers again"
            )
        )
