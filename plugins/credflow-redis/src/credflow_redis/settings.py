"""`[clients.<name>.cache]` settings of the `redis` backend, validated once.

Everything the engine does not own in the `cache` table lands here. The URL
is a secret reference (it may carry a password) and is resolved only when the
backend first connects; a literal `redis://`/`rediss://`/`unix://` URL is
accepted as long as it carries no password.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from credflow import ConfigError
from credflow.reference import SecretReference
from credflow.validation import check_seconds

__all__ = ["DEFAULT_KEY_PREFIX", "RedisSettings", "SentinelSettings", "TlsSettings", "parse_settings"]

DEFAULT_KEY_PREFIX = "credflow:"
URL_SCHEMES = ("redis", "rediss", "unix")
_KNOWN_KEYS = ("url", "tls", "sentinel", "cluster", "key_prefix", "timeout", "lock_ttl", "cooldown")


@dataclass(frozen=True, slots=True)
class TlsSettings:
    """`cache.tls`: files for a `rediss://` connection (verification is always on)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None


@dataclass(frozen=True, slots=True)
class SentinelSettings:
    """`cache.sentinel`: the Sentinel nodes and the name of the monitored master."""

    hosts: tuple[tuple[str, int], ...]
    service: str
    password: str | None = None  # a secret reference, for sentinels that require AUTH


@dataclass(frozen=True, slots=True)
class RedisSettings:
    """The validated settings; `url` is a secret reference or a password-free literal URL."""

    url: str | None
    tls: TlsSettings | None = None
    sentinel: SentinelSettings | None = None
    cluster: bool = False
    key_prefix: str = DEFAULT_KEY_PREFIX
    timeout: float = 0.2
    lock_ttl: float | None = None
    cooldown: float = 2.0

    @property
    def url_is_literal(self) -> bool:
        """Whether `url` is a plain URL rather than a reference to resolve."""
        return self.url is not None and self.url.split(":", 1)[0] in URL_SCHEMES


def parse_settings(raw: Mapping[str, Any]) -> RedisSettings:
    """Validate the `cache` table; every message names the offending key, never a value that may be secret."""
    unknown = sorted(set(raw) - set(_KNOWN_KEYS))
    if unknown:
        raise ConfigError(
            f"cache.{unknown[0]}: unknown setting of the redis token cache (known: {', '.join(_KNOWN_KEYS)})"
        )
    sentinel = _sentinel(raw["sentinel"]) if "sentinel" in raw else None
    url = raw.get("url")
    if url is None and sentinel is None:
        raise ConfigError(
            "cache.url: the redis token cache needs a URL, given as a secret reference such as "
            "'env:REDIS_URL' (or a Sentinel table)"
        )
    if url is not None:
        url = _url(url)
    cluster = raw.get("cluster", False)
    if not isinstance(cluster, bool):
        raise ConfigError(f"cache.cluster: expected true or false, got {cluster!r}")
    if cluster and sentinel is not None:
        raise ConfigError("cache.cluster: Redis Cluster and Sentinel exclude each other; choose one")
    tls = _tls(raw["tls"]) if "tls" in raw else None
    if tls is not None and url is not None and url.startswith(("redis:", "unix:")):
        raise ConfigError("cache.tls: TLS settings need a rediss:// URL")
    prefix = raw.get("key_prefix", DEFAULT_KEY_PREFIX)
    if not isinstance(prefix, str) or not prefix:
        raise ConfigError(f"cache.key_prefix: expected a non-empty string, got {prefix!r}")
    lock_ttl = raw.get("lock_ttl")
    return RedisSettings(
        url=url,
        tls=tls,
        sentinel=sentinel,
        cluster=cluster,
        key_prefix=prefix,
        timeout=_positive(raw.get("timeout", 0.2), "timeout"),
        lock_ttl=None if lock_ttl is None else _positive(lock_ttl, "lock_ttl"),
        cooldown=_positive(raw.get("cooldown", 2.0), "cooldown"),
    )


def _url(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError("cache.url: expected a secret reference such as 'env:REDIS_URL'")
    scheme = value.split(":", 1)[0]
    if scheme in URL_SCHEMES:
        parts = urlsplit(value)
        if parts.password:
            raise ConfigError(
                "cache.url: this URL carries a password; keep it in a secret manager and give a "
                "reference instead, such as 'env:REDIS_URL'"
            )
        return value
    SecretReference.parse(value, config_key="cache.url")
    return value


def _positive(value: object, key: str) -> float:
    return check_seconds(value, f"cache.{key}", positive=True)


def _optional_path(table: Mapping[str, Any], key: str) -> str | None:
    value = table.get(key)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"cache.tls.{key}: expected a file path, got {value!r}")
    return value


def _tls(value: object) -> TlsSettings:
    if not isinstance(value, Mapping):
        raise ConfigError(f"cache.tls: expected a table (ca_file, cert_file, key_file), got {value!r}")
    unknown = sorted(set(value) - {"ca_file", "cert_file", "key_file"})
    if unknown:
        raise ConfigError(f"cache.tls.{unknown[0]}: unknown setting (known: ca_file, cert_file, key_file)")
    tls = TlsSettings(
        ca_file=_optional_path(value, "ca_file"),
        cert_file=_optional_path(value, "cert_file"),
        key_file=_optional_path(value, "key_file"),
    )
    if (tls.cert_file is None) != (tls.key_file is None):
        raise ConfigError("cache.tls.cert_file: a client certificate needs both cert_file and key_file")
    return tls


def _sentinel(value: object) -> SentinelSettings:
    if not isinstance(value, Mapping):
        raise ConfigError(f"cache.sentinel: expected a table (hosts, service), got {value!r}")
    unknown = sorted(set(value) - {"hosts", "service", "password"})
    if unknown:
        raise ConfigError(f"cache.sentinel.{unknown[0]}: unknown setting (known: hosts, service, password)")
    hosts = value.get("hosts")
    if isinstance(hosts, str) or not isinstance(hosts, list | tuple) or not hosts:
        raise ConfigError(f"cache.sentinel.hosts: expected a list of 'host:port' strings, got {hosts!r}")
    service = value.get("service")
    if not isinstance(service, str) or not service:
        raise ConfigError(f"cache.sentinel.service: expected the master's service name, got {service!r}")
    password = value.get("password")
    if password is not None:
        if not isinstance(password, str):
            raise ConfigError("cache.sentinel.password: expected a secret reference such as 'env:NAME'")
        SecretReference.parse(password, config_key="cache.sentinel.password")
    return SentinelSettings(
        hosts=tuple(_host_port(item) for item in hosts), service=service, password=password
    )


def _host_port(item: object) -> tuple[str, int]:
    if isinstance(item, str):
        host, _, port = item.rpartition(":")
        if host and port.isdigit() and 0 < int(port) < 65536:
            return host.strip("[]"), int(port)
    raise ConfigError(f"cache.sentinel.hosts: expected 'host:port', got {item!r}")
