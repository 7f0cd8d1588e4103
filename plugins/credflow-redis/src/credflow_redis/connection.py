"""Build the redis-py client the settings describe: a URL, Sentinel or Cluster, optionally TLS.

Every socket operation is bounded by `timeout` and nothing is retried by
redis-py: a failed call fails fast and the backend falls back at once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from credflow import SecretValue

from .settings import RedisSettings

__all__ = ["connect"]


def _time_boxed(settings: RedisSettings) -> dict[str, Any]:
    return {
        "socket_timeout": settings.timeout,
        "socket_connect_timeout": settings.timeout,
        "retry": Retry(NoBackoff(), 0),
        # Raw bytes: entries are binary.
        "decode_responses": False,
    }


def _tls(settings: RedisSettings) -> dict[str, Any]:
    if settings.tls is None:
        return {}
    return {
        "ssl_ca_certs": settings.tls.ca_file,
        "ssl_certfile": settings.tls.cert_file,
        "ssl_keyfile": settings.tls.key_file,
    }


def connect(settings: RedisSettings, resolve: Callable[[str], SecretValue]) -> Any:
    """Return a client (`redis.Redis` or `redis.cluster.RedisCluster`); resolves the secret URL now."""
    url = _resolve_url(settings, resolve)
    options = _time_boxed(settings) | _tls(settings)
    if settings.sentinel is not None:
        return _sentinel_master(settings, url, options, resolve)
    assert url is not None  # parse_settings demands a URL unless Sentinel is used
    if settings.cluster:
        from redis.cluster import RedisCluster

        return RedisCluster.from_url(url, **options)
    return redis.Redis.from_url(url, **options)


def _resolve_url(settings: RedisSettings, resolve: Callable[[str], SecretValue]) -> str | None:
    if settings.url is None:
        return None
    if settings.url_is_literal:
        return settings.url
    return resolve(settings.url).reveal()


def _sentinel_master(
    settings: RedisSettings,
    url: str | None,
    options: dict[str, Any],
    resolve: Callable[[str], SecretValue],
) -> Any:
    from redis.sentinel import Sentinel

    sentinel = settings.sentinel
    assert sentinel is not None
    master: dict[str, Any] = dict(options)
    if url is not None:
        # With Sentinel the URL only carries the master's credentials and database.
        parts = urlsplit(url)
        if parts.username:
            master["username"] = unquote(parts.username)
        if parts.password:
            master["password"] = unquote(parts.password)
        database = parts.path.lstrip("/")
        if database.isdigit():
            master["db"] = int(database)
        master["ssl"] = parts.scheme == "rediss"
    elif settings.tls is not None:
        master["ssl"] = True
    sentinel_options: dict[str, Any] = {
        "socket_timeout": settings.timeout,
        "socket_connect_timeout": settings.timeout,
        "retry": Retry(NoBackoff(), 0),
    }
    if sentinel.password is not None:
        sentinel_options["password"] = resolve(sentinel.password).reveal()
    untyped_sentinel: Any = Sentinel  # redis.sentinel has no annotations
    client = untyped_sentinel(list(sentinel.hosts), sentinel_kwargs=sentinel_options, **master)
    return client.master_for(sentinel.service)
