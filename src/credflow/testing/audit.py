"""`AuditRecorder`: a plugin that keeps every audit event, for tests to read.

    recorder = AuditRecorder()
    host = PluginHost(plugins=(recorder,), load_entry_points=False)
    ...
    [issued] = recorder.of_type(TokenIssued)
    recorder.wait_for(lambda events: any(isinstance(e, SecretRotation) for e in events))

It implements every audit hook (`credflow_token_*`, `credflow_secret_*`,
`credflow_cache_backend`) and none of the telemetry hooks. Engines emit events
from many threads and tasks, so every read and write holds a lock; the lists
handed out are copies.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..hookspecs import hookimpl

if TYPE_CHECKING:
    # Types only: importing the engine's events at run time would load them before any engine exists.
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

__all__ = ["AuditRecorder"]

EventT = TypeVar("EventT", bound="AuditEvent")
T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0


class AuditRecorder:
    """Every audit event a plugin host emitted, in order; register it as a plugin."""

    def __init__(self) -> None:
        self._events: list[AuditEvent] = []
        self._changed = threading.Condition()

    @property
    def events(self) -> list[AuditEvent]:
        """A copy of the events so far, in the order they were emitted."""
        with self._changed:
            return list(self._events)

    def of_type(self, kind: type[EventT]) -> list[EventT]:
        """The events that are instances of `kind`, in order."""
        with self._changed:
            return [event for event in self._events if isinstance(event, kind)]

    def clear(self) -> None:
        """Forget the events so far."""
        with self._changed:
            self._events.clear()

    def wait_for(
        self,
        predicate: Callable[[list[AuditEvent]], T],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        message: str = "",
    ) -> T:
        """Wait until `predicate(events)` is true and return its value; `AssertionError` after `timeout` s.

        The predicate is called with a copy of the events each time one arrives
        (and once at once), never while the lock is held.
        """
        deadline = time.monotonic() + timeout
        while True:
            with self._changed:
                snapshot = list(self._events)
            value = predicate(snapshot)
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                what = message or getattr(predicate, "__qualname__", repr(predicate))
                # Event type names only: an event's fields are safe, but a long dump hides the point.
                seen = [type(event).__name__ for event in snapshot]
                raise AssertionError(f"still not true after {timeout:g} s: {what}; events: {seen}")
            with self._changed:
                if len(self._events) == len(snapshot):
                    self._changed.wait(remaining)

    def _keep(self, event: AuditEvent) -> None:
        with self._changed:
            self._events.append(event)
            self._changed.notify_all()

    # --- the audit hooks ---------------------------------------------------------

    @hookimpl
    def credflow_token_requested(self, event: TokenRequested) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_token_issued(self, event: TokenIssued) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_token_failed(self, event: TokenFailed) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_token_retried(self, event: TokenRetried) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_secret_fetched(self, event: SecretFetched) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_secret_failed(self, event: SecretFailed) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_secret_rotation(self, event: SecretRotation) -> None:
        """Keep the event."""
        self._keep(event)

    @hookimpl
    def credflow_cache_backend(self, event: CacheBackendEvent) -> None:
        """Keep the event."""
        self._keep(event)
