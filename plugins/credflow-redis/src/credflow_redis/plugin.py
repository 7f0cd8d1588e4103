"""The credflow hook implementation: registers the `redis` token cache backend.

Loading this module imports neither redis nor cryptography; the factory does,
when a client's `[clients.<name>.cache]` says `backend = "redis"`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

from credflow import PluginError, hookimpl
from credflow.plugin import CacheContext, RegisterTokenCache

from .settings import SETTINGS, RedisSettings, parse_settings

if TYPE_CHECKING:
    from .backend import RedisConnection, RedisTokenCache

# One connection (pool and outage state) per settings and audit sink, alive while a backend uses it.
_connections: weakref.WeakValueDictionary[Hashable, RedisConnection] = weakref.WeakValueDictionary()
_connections_lock = threading.Lock()

__all__ = ["credflow_register_token_caches", "redis_cache_factory"]


def redis_cache_factory(context: CacheContext) -> RedisTokenCache:
    """Validate the settings and build the backend; it connects (and resolves the URL) on first use."""
    settings = parse_settings(context.settings)
    try:
        from .backend import RedisTokenCache
        from .connection import connect
    except ImportError as exc:
        raise PluginError(
            f"the redis token cache needs the redis and cryptography packages ({exc.name} is missing); "
            "install them with: pip install 'credflow[redis]'"
        ) from exc
    return RedisTokenCache(settings, _shared_connection(settings, context, connect))


def _shared_connection(
    settings: RedisSettings, context: CacheContext, connect: Callable[..., object]
) -> RedisConnection:
    from .backend import RedisConnection

    key = (settings, context.name, context.emit, context.resolve)
    with _connections_lock:
        connection = _connections.get(key)
        if connection is None:
            connection = RedisConnection(
                lambda: connect(settings, context.resolve),
                context.emit,
                cooldown=settings.cooldown,
                name=context.name,
            )
            _connections[key] = connection
    return connection


@hookimpl
def credflow_register_token_caches(register: RegisterTokenCache) -> None:
    """Serve the `redis` backend."""
    register(
        "redis",
        redis_cache_factory,
        description="tokens shared by all replicas through Redis or Valkey, encrypted with the client secret",
        settings=SETTINGS,
    )
