"""A plugin that serves a real secret source's scheme and counts what reaches the backend.

It asks the real plugin to register its scheme (through the same hook the
plugin host uses), and registers that factory wrapped: every value the source
read from its backend (not answered from its cache), every failed read and
every rotation-candidate listing is counted. The drill reports reads per
rotation from these counts.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from credflow import SecretReference, SecretSourceError, SecretValue, hookimpl
from credflow.plugin import (
    RegisterSecretSource,
    SecretSource,
    SecretSourceFactory,
    SettingsTable,
    SourceContext,
)

__all__ = ["BackendReads", "CountingSourcePlugin"]


@dataclass(slots=True)
class BackendReads:
    """What reached the secret backend."""

    reads: int = 0
    fresh_reads: int = 0
    listings: int = 0

    @property
    def total(self) -> int:
        """Every backend request: value reads (including failed ones) and candidate listings."""
        return self.reads + self.listings


class CountingSource:
    """Delegates to the real source; counts backend reads (uncached values, failures, listings)."""

    def __init__(self, inner: SecretSource, counts: BackendReads, lock: threading.Lock) -> None:
        self._inner = inner
        self._counts = counts
        self._lock = lock

    def _count(self, *, fresh: bool, listing: bool = False) -> None:
        with self._lock:
            if listing:
                self._counts.listings += 1
                return
            self._counts.reads += 1
            self._counts.fresh_reads += fresh

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        try:
            value = self._inner.fetch(reference, fresh=fresh)
        except SecretSourceError:
            self._count(fresh=fresh)  # the backend answered: not found, denied, unavailable
            raise
        if not value.cached:
            self._count(fresh=fresh)
        return value

    async def afetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        afetch = getattr(self._inner, "afetch", None)
        try:
            if afetch is not None:
                value: SecretValue = await afetch(reference, fresh=fresh)
            else:
                value = await asyncio.to_thread(self._inner.fetch, reference, fresh=fresh)
        except SecretSourceError:
            self._count(fresh=fresh)
            raise
        if not value.cached:
            self._count(fresh=fresh)
        return value

    def rotation_candidates(self, reference: SecretReference) -> Sequence[SecretReference]:
        candidates = getattr(self._inner, "rotation_candidates", None)
        if candidates is None:
            return [reference]
        self._count(fresh=True, listing=True)  # Vault reads metadata here; AWS reads nothing
        return list(candidates(reference))

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if callable(close):
            close()


class CountingSourcePlugin:
    """Serves `scheme` with `plugin`'s source, counted."""

    def __init__(self, plugin: Any, scheme: str) -> None:
        self._plugin = plugin
        self._scheme = scheme
        self._lock = threading.Lock()
        self.counts = BackendReads()

    def snapshot(self) -> BackendReads:
        """The counts at one instant."""
        with self._lock:
            return BackendReads(self.counts.reads, self.counts.fresh_reads, self.counts.listings)

    @hookimpl
    def credflow_register_secret_sources(self, register: RegisterSecretSource) -> None:
        """Register the real plugin's factory for `scheme`, wrapped in a `CountingSource`."""
        offered: dict[str, tuple[SecretSourceFactory, SettingsTable | None]] = {}

        def capture(
            scheme: str,
            factory: SecretSourceFactory,
            *,
            description: str = "",
            settings: SettingsTable | None = None,
        ) -> None:
            offered[scheme] = (factory, settings)

        self._plugin.credflow_register_secret_sources(register=capture)
        real, settings = offered[self._scheme]

        def factory(context: SourceContext) -> CountingSource:
            return CountingSource(real(context), self.counts, self._lock)

        register(
            self._scheme,
            factory,
            description=f"{self._scheme}, counted for the rotation drill",
            settings=settings,
        )
