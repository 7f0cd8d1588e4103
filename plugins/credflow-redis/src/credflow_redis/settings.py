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

from credflow.plugin import (
    ConfigError,
    SecretReference,
    SettingsTable,
    boolean,
    check_settings,
    seconds,
    string,
    strings,
    table,
)

__all__ = [
    "DEFAULT_KEY_PREFIX",
    "SETTINGS",
    "RedisSettings",
    "SentinelSettings",
    "TlsSettings",
    "parse_settings",
]

DEFAULT_KEY_PREFIX = "credflow:"
URL_SCHEMES = ("redis", "rediss", "unix")


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


def _check(values: Mapping[str, Any]) -> None:
    """The rules that span keys: a URL or Sentinel, TLS only with rediss://, a certificate with its key."""
    sentinel = _sentinel(values["sentinel"])
    url = values["url"]
    if url is None and sentinel is None:
        raise ConfigError(
            "url: the redis token cache needs a URL, given as a secret reference such as "
            "'env:REDIS_URL' (or a Sentinel table)"
        )
    if url is not None:
        _url(url)
    if values["cluster"] and sentinel is not None:
        raise ConfigError("cluster: Redis Cluster and Sentinel exclude each other; choose one")
    tls = _tls(values["tls"])
    if tls is not None and url is not None and url.startswith(("redis:", "unix:")):
        raise ConfigError("tls: TLS settings need a rediss:// URL")


#: The redis backend's keys of `[clients.<name>.cache]`: checked when the configuration loads.
SETTINGS = SettingsTable(
    (
        string("url", help="A secret reference to the Redis URL (`env:REDIS_URL`), or a password-free URL."),
        table(
            "tls",
            (
                string("ca_file", help="A PEM bundle of the CAs to trust."),
                string("cert_file", help="A client certificate (with key_file)."),
                string("key_file", help="The client certificate's key (with cert_file)."),
            ),
            help="Files for a rediss:// connection; verification is always on.",
            hint='{ ca_file = "/etc/ssl/redis-ca.pem" }',
        ),
        table(
            "sentinel",
            (
                strings("hosts", help="The Sentinel nodes, as 'host:port' strings."),
                string("service", help="The name of the monitored master."),
                string("password", secret_reference=True, help="A reference to the Sentinel password."),
            ),
            help="Reach the master through Redis Sentinel instead of `url`.",
            hint='{ hosts = ["s1:26379"], service = "mymaster" }',
        ),
        boolean("cluster", help="Talk to a Redis Cluster."),
        string("key_prefix", default=DEFAULT_KEY_PREFIX, help="Prefix of every key credflow writes."),
        seconds("timeout", default=0.2, positive=True, help="Seconds for each Redis command."),
        seconds("lock_ttl", default=None, positive=True, help="Seconds a fetch lock lives."),
        seconds("cooldown", default=2.0, positive=True, help="Seconds between reconnection attempts."),
    ),
    help="The `redis` token cache backend: tokens shared by the replicas of a fleet.",
    check=_check,
)


def parse_settings(raw: Mapping[str, Any]) -> RedisSettings:
    """Check the `cache` table against `SETTINGS`; messages name the key, never a value that may be secret."""
    values = check_settings(SETTINGS, raw, "cache")
    return RedisSettings(
        url=values["url"],
        tls=_tls(values["tls"]),
        sentinel=_sentinel(values["sentinel"]),
        cluster=values["cluster"],
        key_prefix=values["key_prefix"],
        timeout=values["timeout"],
        lock_ttl=values["lock_ttl"],
        cooldown=values["cooldown"],
    )


def _url(value: str) -> str:
    scheme = value.split(":", 1)[0]
    if scheme in URL_SCHEMES:
        parts = urlsplit(value)
        if parts.password:
            raise ConfigError(
                "url: this URL carries a password; keep it in a secret manager and give a "
                "reference instead, such as 'env:REDIS_URL'"
            )
        return value
    SecretReference.parse(value, config_key="url")
    return value


def _tls(values: Mapping[str, Any]) -> TlsSettings | None:
    tls = TlsSettings(ca_file=values["ca_file"], cert_file=values["cert_file"], key_file=values["key_file"])
    if tls == TlsSettings():
        return None
    if (tls.cert_file is None) != (tls.key_file is None):
        raise ConfigError("tls.cert_file: a client certificate needs both cert_file and key_file")
    return tls


def _sentinel(values: Mapping[str, Any]) -> SentinelSettings | None:
    hosts, service = values["hosts"], values["service"]
    if hosts is None and service is None and values["password"] is None:
        return None
    if not hosts:
        raise ConfigError("sentinel.hosts: expected a list of 'host:port' strings")
    if service is None:
        raise ConfigError("sentinel.service: expected the master's service name")
    return SentinelSettings(
        hosts=tuple(_host_port(item) for item in hosts), service=service, password=values["password"]
    )


def _host_port(item: str) -> tuple[str, int]:
    host, _, port = item.rpartition(":")
    if host and port.isdigit() and 0 < int(port) < 65536:
        return host.strip("[]"), int(port)
    raise ConfigError(f"sentinel.hosts: expected 'host:port', got {item!r}")
