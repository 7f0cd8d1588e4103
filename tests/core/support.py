"""Helpers for the engine tests: a dict-backed secret source (the audit recorder is credflow.testing's)."""

from __future__ import annotations

from typing import Any

from credflow import SecretCache, SecretValue, hookimpl


class DictSecrets:
    """A `dict:` secret source plugin backed by a dict, cached like a real secret manager's."""

    def __init__(self, ttl: float = 300.0) -> None:
        self.values: dict[str, str] = {}
        self.reads = 0

        def read(reference: Any) -> SecretValue:
            self.reads += 1
            return SecretValue(self.values[reference.body])

        self.cache = SecretCache(read, ttl=ttl)

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("dict", lambda context: self.cache)
