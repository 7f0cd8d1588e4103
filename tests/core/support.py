"""Helpers for the engine tests: an audit recorder and a dict-backed secret source."""

from __future__ import annotations

from typing import Any

from credflow import SecretCache, SecretValue, hookimpl
from credflow.events import AuditEvent


class EventRecorder:
    """An audit plugin that keeps every event."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def of(self, kind: type[AuditEvent]) -> list[Any]:
        return [event for event in self.events if isinstance(event, kind)]

    @hookimpl
    def credflow_token_requested(self, event: AuditEvent) -> None:
        self.events.append(event)

    @hookimpl
    def credflow_token_issued(self, event: AuditEvent) -> None:
        self.events.append(event)

    @hookimpl
    def credflow_token_failed(self, event: AuditEvent) -> None:
        self.events.append(event)

    @hookimpl
    def credflow_token_retried(self, event: AuditEvent) -> None:
        self.events.append(event)

    @hookimpl
    def credflow_secret_fetched(self, event: AuditEvent) -> None:
        self.events.append(event)

    @hookimpl
    def credflow_secret_failed(self, event: AuditEvent) -> None:
        self.events.append(event)

    @hookimpl
    def credflow_secret_rotation(self, event: AuditEvent) -> None:
        self.events.append(event)


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
