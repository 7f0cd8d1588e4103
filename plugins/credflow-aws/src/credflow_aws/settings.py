"""The `[sources.aws-sm]` settings table, validated once when the source is created."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from credflow import ConfigError

__all__ = ["AwsSettings"]


@dataclass(frozen=True, slots=True)
class AwsSettings:
    """How the `aws-sm` source reaches Secrets Manager and how long it keeps values.

    Credentials are not settings: boto3's normal chain finds them (environment,
    `profile` in the shared files, SSO, web identity, container or instance role).
    """

    #: Region used when the reference names none (no `?region=`, not an ARN).
    region: str | None = None
    #: A profile of the shared AWS config/credentials files.
    profile: str | None = None
    #: Another endpoint (a VPC endpoint, a FIPS endpoint, a local test server).
    endpoint_url: str | None = None
    #: Seconds a value is served from memory before Secrets Manager is asked again.
    cache_ttl: float = 300.0
    #: Seconds past `cache_ttl` a value may still be served while Secrets Manager fails.
    stale_if_error: float = 900.0
    #: Seconds for botocore's connect timeout and, separately, its read timeout.
    timeout: float = 10.0
    #: Attempts per read (the first one included); botocore backs off between them.
    max_attempts: int = 3

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], *, scheme: str = "aws-sm") -> AwsSettings:
        """Validate the TOML table; `ConfigError` names `sources.<scheme>.<key>` and the fix."""
        known = {f.name for f in fields(cls)}
        for key in table:
            if key not in known:
                raise ConfigError(
                    f"sources.{scheme}.{key}: unknown setting; expected one of {', '.join(sorted(known))}"
                )
        values: dict[str, Any] = {}
        for key in ("region", "profile", "endpoint_url"):
            if key in table:
                values[key] = _text(table[key], f"sources.{scheme}.{key}")
        if "endpoint_url" in values:
            _check_endpoint(values["endpoint_url"], f"sources.{scheme}.endpoint_url")
        for key, positive in (("cache_ttl", False), ("stale_if_error", False), ("timeout", True)):
            if key in table:
                values[key] = _seconds(table[key], f"sources.{scheme}.{key}", positive=positive)
        if "max_attempts" in table:
            values["max_attempts"] = _attempts(table["max_attempts"], scheme)
        return cls(**values)


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {type(value).__name__}")
    return value.strip()


def _seconds(value: object, key: str, *, positive: bool) -> float:
    # bool is an int subclass; `cache_ttl = true` is a mistake, not one second.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key}: expected a number of seconds, got {type(value).__name__}")
    if value < 0 or (positive and value == 0):
        bound = "greater than 0" if positive else "0 or more"
        raise ConfigError(f"{key}: expected a number of seconds {bound}, got {value}")
    return float(value)


def _attempts(value: object, scheme: str) -> int:
    key = f"sources.{scheme}.max_attempts"
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{key}: expected an integer, got {type(value).__name__}")
    if value < 1:
        raise ConfigError(f"{key}: expected 1 or more (1 means no retry), got {value}")
    return value


def _check_endpoint(url: str, key: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key}: expected an http(s) URL such as https://vpce-…amazonaws.com")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        # Secret values come back in the response body: plain HTTP only to this machine.
        raise ConfigError(
            f"{key}: plain http:// is only allowed to a loopback host (a local test server); "
            f"use https:// for {parts.hostname}"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
