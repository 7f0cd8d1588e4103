"""The `[clients.X.cache]` settings of the redis backend: what is accepted and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from credflow_redis import RedisSettings, SentinelSettings, TlsSettings, parse_settings
from redis_helpers import make_host

from credflow import ConfigError


def test_defaults_with_a_url_reference() -> None:
    """Only the URL is required; the rest has time-boxed defaults."""
    expected = RedisSettings(url="env:REDIS_URL", key_prefix="credflow:", timeout=0.2, cooldown=2.0)
    assert expected == parse_settings({"url": "env:REDIS_URL"})


def test_every_setting() -> None:
    """TLS files, prefix, timeout, lock TTL and cool-down are read as given."""
    expected = RedisSettings(
        url="env:REDIS_URL",
        tls=TlsSettings(ca_file="/ca.pem", cert_file="/c.pem", key_file="/k.pem"),
        key_prefix="svc:",
        timeout=0.5,
        lock_ttl=10.0,
        cooldown=1.0,
    )
    actual = parse_settings(
        {
            "url": "env:REDIS_URL",
            "tls": {"ca_file": "/ca.pem", "cert_file": "/c.pem", "key_file": "/k.pem"},
            "key_prefix": "svc:",
            "timeout": 0.5,
            "lock_ttl": 10,
            "cooldown": 1,
        }
    )
    assert expected == actual


def test_sentinel_hosts_and_service() -> None:
    """Sentinel nodes are host:port strings; the URL is then optional."""
    expected = SentinelSettings(hosts=(("10.0.0.1", 26379), ("::1", 26380)), service="mymaster")
    actual = parse_settings({"sentinel": {"hosts": ["10.0.0.1:26379", "[::1]:26380"], "service": "mymaster"}})
    assert expected == actual.sentinel


def test_literal_url_without_password_is_accepted() -> None:
    """A password-free redis:// URL needs no secret reference."""
    assert "redis://127.0.0.1:6379/0" == parse_settings({"url": "redis://127.0.0.1:6379/0"}).url


@pytest.mark.parametrize(
    ("raw", "expected_start"),
    [
        ({}, "cache.url: the redis token cache needs a URL"),
        ({"url": "redis://:hunter2@redis:6379"}, "cache.url: this URL carries a password"),
        ({"url": "not a reference"}, "cache.url: expected a secret reference"),
        ({"url": "env:R", "colour": "blue"}, "cache.colour: unknown key; did you mean 'cluster'?"),
        ({"url": "env:R", "timeout": 0}, "cache.timeout: expected a positive number"),
        ({"url": "env:R", "timeout": float("nan")}, "cache.timeout: expected a finite number of seconds"),
        ({"url": "env:R", "lock_ttl": float("inf")}, "cache.lock_ttl: expected a finite number of seconds"),
        ({"url": "env:R", "cooldown": 1e300}, "cache.cooldown: expected at most 315360000 seconds"),
        ({"url": "env:R", "cluster": "yes"}, "cache.cluster: expected true or false"),
        ({"url": "redis://h:1", "tls": {"ca_file": "/ca.pem"}}, "cache.tls: TLS settings need a rediss://"),
        ({"url": "env:R", "tls": {"cert_file": "/c.pem"}}, "cache.tls.cert_file: a client certificate"),
        ({"sentinel": {"hosts": ["h"], "service": "m"}}, "cache.sentinel.hosts: expected 'host:port'"),
        (
            {"url": "env:R", "cluster": True, "sentinel": {"hosts": ["h:1"], "service": "m"}},
            "cache.cluster: Redis Cluster and Sentinel exclude each other",
        ),
    ],
)
def test_invalid_settings_name_the_key(raw: dict[str, Any], expected_start: str) -> None:
    """Each invalid setting fails with a ConfigError that names its key."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(raw)
    assert str(caught.value).startswith(expected_start)


def test_password_never_in_the_error() -> None:
    """Refusing a literal URL with a password does not repeat the password."""
    with pytest.raises(ConfigError) as caught:
        parse_settings({"url": "rediss://user:hunter2@redis:6380"})
    assert "hunter2" not in str(caught.value)


def test_engine_creation_fails_on_invalid_settings() -> None:
    """The plugin host refuses invalid settings when the backend is built."""
    with pytest.raises(ConfigError) as caught:
        make_host().token_cache("redis", {"url": "env:R", "timout": 1})
    assert str(caught.value).startswith("cache.timout: unknown key; did you mean 'timeout'?")
