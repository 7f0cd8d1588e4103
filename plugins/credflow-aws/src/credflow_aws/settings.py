"""The `[sources.aws-sm]` settings table, validated once when the source is created."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from credflow import ConfigError
from credflow.security import ensure_no_userinfo, is_loopback_host
from credflow.validation import check_integer, check_seconds

__all__ = ["AwsSettings"]

# botocore's own retry modes stop well below this; more is a typo.
_MAX_ATTEMPTS = 100


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
                values[key] = check_seconds(table[key], f"sources.{scheme}.{key}", positive=positive)
        if "max_attempts" in table:
            values["max_attempts"] = check_integer(
                table["max_attempts"], f"sources.{scheme}.max_attempts", minimum=1, maximum=_MAX_ATTEMPTS
            )
        return cls(**values)


def _text(value: object, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{key}: expected a non-empty string, got {type(value).__name__}")
    return value.strip()


def _check_endpoint(url: str, key: str) -> None:
    ensure_no_userinfo(
        url, key=key, credentials="AWS credentials come from boto3's chain (environment, profile, role)"
    )
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - a bad port raises here rather than in botocore
    except ValueError:
        raise ConfigError(f"{key}: expected an http(s) URL such as https://vpce-…amazonaws.com") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{key}: expected an http(s) URL such as https://vpce-…amazonaws.com")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        # Secret values come back in the response body: plain HTTP only to this machine.
        raise ConfigError(
            f"{key}: plain http:// is only allowed to a loopback host (a local test server); "
            f"use https:// for {parts.hostname}"
        )
