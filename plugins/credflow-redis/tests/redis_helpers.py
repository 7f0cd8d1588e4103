"""Building blocks shared by the tests and the fleet child script."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import credflow_redis.plugin

from credflow import CachePolicy, ClientConfig, PluginHost, RetryPolicy, hookimpl
from credflow.events import CacheBackendEvent

CLIENT_ID = "billing-service"
SCOPE = "api.read"


class EventRecorder:
    """An audit plugin that keeps the cache backend events it receives."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.cache_events: list[CacheBackendEvent] = []

    @hookimpl
    def credflow_cache_backend(self, event: CacheBackendEvent) -> None:
        with self._lock:
            self.cache_events.append(event)

    def kinds(self) -> list[str]:
        """The kinds of the cache events so far, in order."""
        with self._lock:
            return [event.kind for event in self.cache_events]


def make_host(*plugins: object) -> PluginHost:
    """A plugin host with the redis backend (and `plugins`), without entry points."""
    return PluginHost(plugins=(credflow_redis.plugin, *plugins), load_entry_points=False)


def client_config(
    token_endpoint: str,
    *,
    secret_env: str,
    redis_url_env: str,
    key_prefix: str,
    client_id: str = CLIENT_ID,
    renew_fraction: float = 0.8,
    **cache_settings: Any,
) -> ClientConfig:
    """A client whose tokens are cached in Redis under `key_prefix`."""
    settings: Mapping[str, Any] = {"url": f"env:{redis_url_env}", "key_prefix": key_prefix, **cache_settings}
    return ClientConfig(
        client_id=client_id,
        client_secret=f"env:{secret_env}",
        token_endpoint=token_endpoint,
        scopes=(SCOPE,),
        retry=RetryPolicy(attempts=2, deadline=5.0),
        timeout=5.0,
        cache=CachePolicy(
            backend="redis",
            renew_fraction=renew_fraction,
            renew_min_ahead=0.0,
            expiry_leeway=0.0,
            settings=settings,
        ),
    )
