"""The clock the engine reads, injectable so expiry tests need no sleeping."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "ManualClock", "SystemClock"]


class Clock(Protocol):
    """`monotonic()` for deadlines inside the process, `now()` (aware UTC) for token expiry."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    """The real clocks."""

    monotonic = staticmethod(time.monotonic)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to: for the engine, the test server, and users' tests.

    The engine reads `monotonic()` and `now()`; `credflow.testing.AuthServer`
    calls it for seconds since the epoch (token `iat`/`exp`, secret grace
    windows). `advance` moves all three together. It starts at `start` (a
    datetime or epoch seconds), by default at the current wall-clock time, so
    the claims of tokens it stamps look plausible to clients that read them.
    """

    def __init__(self, start: datetime | float | None = None) -> None:
        if start is None:
            start = datetime.now(UTC)
        elif not isinstance(start, datetime):
            start = datetime.fromtimestamp(start, UTC)
        self._now = start
        self._monotonic = 1000.0
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        return self._monotonic

    def now(self) -> datetime:
        return self._now

    def __call__(self) -> float:
        """Seconds since the epoch, as `time.time()` answers."""
        return self._now.timestamp()

    def advance(self, seconds: float) -> None:
        """Move every reading forward by `seconds`."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._monotonic += seconds
            self._now += timedelta(seconds=seconds)
