"""A per-reference cache for secret sources: TTL, fresh reads and stale-if-error.

Secret-source plugins wrap their backend read in a `SecretCache` so that a
token acquisition does not hit the secret manager every time, a forced fresh
read after a rejected secret bypasses the cache, concurrent readers of one
reference share one backend read, and a backend outage does not become a
token outage while the last good value is recent enough.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .errors import SecretSourceUnavailableError
from .reference import SecretReference
from .secret import SecretValue

__all__ = ["SecretCache", "seconds"]


def seconds(value: float | timedelta) -> float:
    """Accept a duration as seconds or a `timedelta`."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass(slots=True)
class _Entry:
    value: SecretValue
    read_at: float
    serial: int


class SecretCache:
    """Caches what `read` returns, per reference.

    - `fetch(ref, fresh=False)` answers from the cache while the value is
      younger than `ttl`.
    - `fetch(ref, fresh=True)` reads the backend, unless another caller's read
      of the same reference completed while this call waited (that read is
      shared, so a burst of rejected callers causes one backend read).
    - When a read fails with `SecretSourceUnavailableError` and the cached
      value is younger than `ttl + stale_if_error`, the cached value is served
      marked `stale`. A fresh read never serves stale: the cached value is the
      one just rejected. Other errors (not found, access denied) always raise.
    """

    def __init__(
        self,
        read: Callable[[SecretReference], SecretValue],
        *,
        ttl: float | timedelta = 300.0,
        stale_if_error: float | timedelta = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl = seconds(ttl)
        self._stale_if_error = seconds(stale_if_error)
        self._clock = clock
        self._entries: dict[SecretReference, _Entry] = {}
        self._locks: dict[SecretReference, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    @classmethod
    def from_settings(
        cls,
        read: Callable[[SecretReference], SecretValue],
        settings: Mapping[str, Any],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> SecretCache:
        """A cache of `settings["cache_ttl"]` and `["stale_if_error"]` (see `secret_cache_settings()`)."""
        return cls(read, ttl=settings["cache_ttl"], stale_if_error=settings["stale_if_error"], clock=clock)

    def _lock_for(self, reference: SecretReference) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(reference, threading.Lock())

    def fetch(self, reference: SecretReference, *, fresh: bool = False) -> SecretValue:
        """Return the secret for `reference`, from the cache or the backend."""
        entry = self._entries.get(reference)
        if not fresh and entry is not None and self._clock() - entry.read_at < self._ttl:
            return entry.value.served_from_cache()
        serial_seen = entry.serial if entry is not None else 0
        with self._lock_for(reference):
            entry = self._entries.get(reference)
            if entry is not None:
                read_meanwhile = entry.serial != serial_seen
                if read_meanwhile or (not fresh and self._clock() - entry.read_at < self._ttl):
                    return entry.value.served_from_cache()
            try:
                value = self._read(reference)
            except SecretSourceUnavailableError:
                if (
                    not fresh
                    and entry is not None
                    and self._clock() - entry.read_at < self._ttl + self._stale_if_error
                ):
                    return entry.value.served_from_cache(stale=True)
                raise
            self._entries[reference] = _Entry(value, self._clock(), serial_seen + 1)
            return value

    def forget(self, reference: SecretReference | None = None) -> None:
        """Drop one cached reference, or all of them."""
        if reference is None:
            self._entries.clear()
        else:
            self._entries.pop(reference, None)
