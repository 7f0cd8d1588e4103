"""The server's notion of "now", and a clock that tests move by hand."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Clock", "ManualClock"]

#: Seconds since the Unix epoch. Token `iat`/`exp` claims and secret grace
#: windows are read from it, so it must be wall-clock time, not monotonic.
Clock = Callable[[], float]


class ManualClock:
    """A clock that stands still until `advance` is called.

    Starts at the current wall-clock time so the `iat` and `exp` claims of the
    tokens it stamps still look plausible to clients that read them.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        with self._lock:
            self._now += seconds
