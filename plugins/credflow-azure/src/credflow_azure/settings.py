"""The `[sources.azure-kv]` table, validated into a frozen settings object.

Every problem is a `credflow.ConfigError` naming `sources.azure-kv.<key>` and
what is expected, raised when the source is created rather than at the first
token request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from credflow import ConfigError
from credflow.security import ensure_no_userinfo
from credflow.validation import check_integer, check_seconds

__all__ = ["CREDENTIALS", "AzureKeyVaultSettings"]

SCHEME = "azure-kv"

# azure-core's retry policy backs off exponentially: more retries than this is a typo.
_MAX_RETRIES = 100

#: The credential kinds, and the settings each one may use besides the common ones.
CREDENTIALS: Mapping[str, frozenset[str]] = {
    "default": frozenset({"tenant_id", "client_id", "authority", "disable_instance_discovery"}),
    "managed_identity": frozenset({"client_id"}),
    "workload_identity": frozenset(
        {"tenant_id", "client_id", "token_file_path", "authority", "disable_instance_discovery"}
    ),
    "client_secret": frozenset(
        {"tenant_id", "client_id", "client_secret", "authority", "disable_instance_discovery"}
    ),
    "certificate": frozenset(
        {
            "tenant_id",
            "client_id",
            "certificate_path",
            "certificate",
            "certificate_password",
            "authority",
            "disable_instance_discovery",
        }
    ),
}
_CREDENTIAL_KEYS = frozenset().union(*CREDENTIALS.values())
_REQUIRED = {
    "client_secret": ("tenant_id", "client_id", "client_secret"),
    "certificate": ("tenant_id", "client_id"),
}


@dataclass(frozen=True, slots=True)
class AzureKeyVaultSettings:
    """What `[sources.azure-kv]` may hold; see the plugin's README for each key."""

    cache_ttl: float = 300.0
    stale_if_error: float = 900.0
    timeout: float | None = None
    max_retries: int = 3
    vault_suffix: str = "vault.azure.net"
    api_version: str | None = None
    verify_challenge_resource: bool = True
    ca_bundle: str | None = None
    allow_expired: bool = False
    credential: str = "default"
    tenant_id: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    certificate_path: str | None = None
    certificate: str | None = None
    certificate_password: str | None = None
    token_file_path: str | None = None
    authority: str | None = None
    disable_instance_discovery: bool = False

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> AzureKeyVaultSettings:
        """Validate the `[sources.azure-kv]` table."""
        known = {f.name: f for f in fields(cls)}
        for key in table:
            if key not in known:
                raise _error(key, f"is not a setting of azure-kv (known: {', '.join(sorted(known))})")
        values: dict[str, Any] = {}
        for key, value in table.items():
            values[key] = _check_type(key, value, known[key].type)
        settings = cls(**values)
        settings._validate(frozenset(table))
        return settings

    def _validate(self, given: frozenset[str]) -> None:
        for key in ("cache_ttl", "stale_if_error"):
            check_seconds(getattr(self, key), f"sources.{SCHEME}.{key}")
        if self.timeout is not None:
            check_seconds(self.timeout, f"sources.{SCHEME}.timeout", positive=True)
        check_integer(self.max_retries, f"sources.{SCHEME}.max_retries", minimum=0, maximum=_MAX_RETRIES)
        if "://" in self.vault_suffix or "/" in self.vault_suffix or not self.vault_suffix:
            raise _error("vault_suffix", "must be a DNS suffix such as 'vault.azure.cn', without https://")
        if self.ca_bundle is not None and not os.path.isfile(self.ca_bundle):
            raise _error("ca_bundle", f"must name an existing PEM file; {self.ca_bundle} is not one")
        if self.authority is not None:
            ensure_no_userinfo(
                self.authority,
                key=f"sources.{SCHEME}.authority",
                credentials="the credential's own settings (client_id, client_secret, certificate) hold them",
            )
            if self.authority.startswith("http://"):
                raise _error("authority", "must be an https URL or a host name")
        if self.credential not in CREDENTIALS:
            raise _error("credential", f"must be one of {', '.join(repr(c) for c in CREDENTIALS)}")
        allowed = CREDENTIALS[self.credential]
        for key in sorted(given & _CREDENTIAL_KEYS - allowed):
            users = [c for c, keys in CREDENTIALS.items() if key in keys]
            raise _error(
                key,
                f"is not used with credential = {self.credential!r} "
                f"(it is used with {', '.join(repr(c) for c in users)})",
            )
        for key in _REQUIRED.get(self.credential, ()):
            if getattr(self, key) is None:
                raise _error(key, f"is required with credential = {self.credential!r}")
        if self.credential == "certificate" and (self.certificate_path is None) == (self.certificate is None):
            raise _error(
                "certificate",
                "with credential = 'certificate', set exactly one of certificate_path "
                "(a PEM or PKCS12 file) or certificate (a secret reference to PEM)",
            )


def _error(key: str, what: str) -> ConfigError:
    return ConfigError(f"sources.{SCHEME}.{key} {what}")


def _check_type(key: str, value: Any, annotation: Any) -> Any:
    text = str(annotation)
    if text.startswith("bool"):
        if not isinstance(value, bool):
            raise _error(key, f"must be true or false, not {value!r}")
        return value
    if text.startswith("int"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _error(key, f"must be a whole number, not {value!r}")
        return value
    if text.startswith("float"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _error(key, f"must be a number of seconds, not {value!r}")
        return float(value)
    if not isinstance(value, str) or not value.strip():
        raise _error(key, f"must be a non-empty string, not {value!r}")
    return value.strip()
