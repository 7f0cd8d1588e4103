"""The test server's time: seconds since the epoch, from `time.time` or credflow's `ManualClock`."""

from __future__ import annotations

from collections.abc import Callable

from ..clock import ManualClock

__all__ = ["ManualClock", "WallClock"]

#: Seconds since the Unix epoch. Token `iat`/`exp` claims and secret grace
#: windows are read from it, so it must be wall-clock time, not monotonic:
#: `time.time`, or a `credflow.clock.ManualClock` (callable for this reading).
WallClock = Callable[[], float]
