"""Validation of the `[sources.aws-sm]` table."""

from __future__ import annotations

from typing import Any

import pytest
from credflow_aws import AwsSettings

from credflow import ConfigError


def test_defaults() -> None:
    """An empty table means boto3's region and credentials, 300 s TTL, 900 s stale, 3 attempts."""
    assert AwsSettings(None, None, None, 300.0, 900.0, 10.0, 3) == AwsSettings.from_mapping({})


def test_every_setting_is_read() -> None:
    """Every documented key lands in the settings object."""
    table = {
        "region": "eu-west-1",
        "profile": "billing",
        "endpoint_url": "https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com",
        "cache_ttl": 60,
        "stale_if_error": 0,
        "timeout": 2.5,
        "max_attempts": 5,
    }

    settings = AwsSettings.from_mapping(table)

    assert (
        AwsSettings(
            "eu-west-1",
            "billing",
            "https://vpce-1.secretsmanager.eu-west-1.vpce.amazonaws.com",
            60.0,
            0.0,
            2.5,
            5,
        )
        == settings
    )


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ({"regoin": "x"}, "sources.aws-sm.regoin: unknown key; did you mean 'region'?"),
        ({"region": 3}, "sources.aws-sm.region: expected a non-empty string, got 3"),
        ({"profile": ""}, "sources.aws-sm.profile: expected a non-empty string"),
        ({"cache_ttl": "5m"}, "sources.aws-sm.cache_ttl: expected a number of seconds, got str"),
        ({"cache_ttl": True}, "sources.aws-sm.cache_ttl: expected a number of seconds, got bool"),
        ({"stale_if_error": -1}, "sources.aws-sm.stale_if_error: expected a non-negative number of seconds"),
        ({"timeout": 0}, "sources.aws-sm.timeout: expected a positive number of seconds, got 0"),
        ({"timeout": float("nan")}, "sources.aws-sm.timeout: expected a finite number of seconds, got nan"),
        (
            {"cache_ttl": float("inf")},
            "sources.aws-sm.cache_ttl: expected a finite number of seconds, got inf",
        ),
        ({"stale_if_error": 1e300}, "sources.aws-sm.stale_if_error: expected at most 315360000 seconds"),
        ({"max_attempts": 0}, "sources.aws-sm.max_attempts: expected an integer of at least 1, got 0"),
        ({"max_attempts": 2.5}, "sources.aws-sm.max_attempts: expected an integer of at least 1, got 2.5"),
        ({"max_attempts": 10**6}, "sources.aws-sm.max_attempts: expected an integer of at most 100"),
        (
            {"endpoint_url": "https://AKIA:hunter2@sm.example.com"},
            "sources.aws-sm.endpoint_url: 'https://***@sm.example.com' carries credentials",
        ),
        ({"endpoint_url": "vpce.example"}, "sources.aws-sm.endpoint_url: expected an http(s) URL"),
        (
            {"endpoint_url": "http://sm.example.com"},
            "sources.aws-sm.endpoint_url: plain http:// is only allowed to a loopback host",
        ),
    ],
)
def test_invalid_settings_name_the_key(table: dict[str, Any], expected: str) -> None:
    """A wrong key or value is ConfigError naming `sources.aws-sm.<key>` and what is expected."""
    with pytest.raises(ConfigError) as caught:
        AwsSettings.from_mapping(table)

    assert str(caught.value).startswith(expected)
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:4566", "http://localhost:5000", "http://[::1]:1"])
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    """A local test server may be plain HTTP."""
    assert url == AwsSettings.from_mapping({"endpoint_url": url}).endpoint_url
