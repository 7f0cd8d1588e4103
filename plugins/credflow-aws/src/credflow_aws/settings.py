"""The `[sources.aws-sm]` settings table, validated once when the source is created."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit

from credflow.plugin import (
    ConfigError,
    SettingsTable,
    check_settings,
    ensure_no_userinfo,
    integer,
    is_loopback_host,
    seconds,
    secret_cache_settings,
    string,
)

__all__ = ["SETTINGS", "AwsSettings"]

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
        """Check the TOML table against `SETTINGS`; `ConfigError` names `sources.<scheme>.<key>` and the fix.

        A table already checked (a loaded configuration's) passes unchanged.
        """
        values = check_settings(SETTINGS, table, f"sources.{scheme}")
        return cls(**{item.name: values[item.name] for item in fields(cls)})


def _check(values: Mapping[str, Any]) -> None:
    if values["endpoint_url"] is not None:
        _check_endpoint(values["endpoint_url"], "endpoint_url")


#: `[sources.aws-sm]`, declared once: checked when the configuration loads, documented from here.
SETTINGS = SettingsTable(
    (
        string("region", help="Region used when the reference names none (no `?region=`, not an ARN)."),
        string("profile", help="A profile of the shared AWS config and credentials files."),
        string("endpoint_url", help="Another endpoint: a VPC or FIPS endpoint, a local test server."),
        *secret_cache_settings(),
        seconds("timeout", default=10.0, positive=True, help="Seconds for each of botocore's timeouts."),
        integer(
            "max_attempts",
            default=3,
            minimum=1,
            maximum=_MAX_ATTEMPTS,
            help="Attempts per read, the first included; botocore backs off between them.",
        ),
    ),
    help="The AWS Secrets Manager source (`aws-sm:` references). Credentials come from boto3's chain.",
    check=_check,
)


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
