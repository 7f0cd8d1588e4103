"""The `[sources.azure-kv]` table, validated into a frozen settings object.

Every problem is a `credflow.ConfigError` naming `sources.azure-kv.<key>` and
what is expected, raised when the source is created rather than at the first
token request.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from credflow.plugin import (
    ConfigError,
    SettingsTable,
    boolean,
    check_settings,
    choice,
    ensure_no_userinfo,
    integer,
    seconds,
    secret_cache_settings,
    string,
)

__all__ = ["CREDENTIALS", "SETTINGS", "AzureKeyVaultSettings"]

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
        """Check the `[sources.azure-kv]` table against `SETTINGS` (a checked table passes unchanged)."""
        values = check_settings(SETTINGS, table, f"sources.{SCHEME}")
        return cls(**values)

    def _validate(self, given: frozenset[str]) -> None:
        for key in ("client_secret", "certificate", "certificate_password"):
            value = getattr(self, key)
            if value is not None and value.startswith(f"{SCHEME}:"):
                raise _error(
                    key,
                    f"cannot be an {SCHEME}: reference: the credential that opens Key Vault "
                    "cannot itself be kept in Key Vault",
                )
        if "://" in self.vault_suffix or "/" in self.vault_suffix or not self.vault_suffix:
            raise _error("vault_suffix", "must be a DNS suffix such as 'vault.azure.cn', without https://")
        if self.ca_bundle is not None and not os.path.isfile(self.ca_bundle):
            raise _error("ca_bundle", f"must name an existing PEM file; {self.ca_bundle} is not one")
        if self.authority is not None:
            ensure_no_userinfo(
                self.authority,
                key="authority",
                credentials="the credential's own settings (client_id, client_secret, certificate) hold them",
            )
            if self.authority.startswith("http://"):
                raise _error("authority", "must be an https URL or a host name")
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
    # Relative to the table: check_settings puts `sources.azure-kv.` in front.
    return ConfigError(f"{key}: {what}")


def _check(values: Mapping[str, Any]) -> None:
    # A key counts as given when it differs from its default, so a checked table checks the same.
    given = frozenset(key for key, value in values.items() if value != SETTINGS.by_name[key].default)
    AzureKeyVaultSettings(**values)._validate(given)


_CREDENTIAL_SETTINGS = (
    string("tenant_id", help="The Entra tenant of the credential."),
    string("client_id", help="The application (or user-assigned identity) client ID."),
    string("client_secret", secret_reference=True, help="credential = client_secret: a reference to it."),
    string("certificate_path", help="credential = certificate: a PEM or PKCS12 file."),
    string("certificate", secret_reference=True, help="credential = certificate: a reference to the PEM."),
    string("certificate_password", secret_reference=True, help="A reference to the certificate's password."),
    string("token_file_path", help="credential = workload_identity: the federated token file."),
    string("authority", help="The Entra authority host, such as login.microsoftonline.us."),
    boolean("disable_instance_discovery", help="Skip Entra instance discovery (private clouds)."),
)

#: `[sources.azure-kv]`, declared once: checked when the configuration loads, documented from here.
SETTINGS = SettingsTable(
    (
        *secret_cache_settings(),
        seconds("timeout", default=None, positive=True, help="Seconds per Key Vault request."),
        integer("max_retries", default=3, minimum=0, maximum=_MAX_RETRIES, help="Retries of a request."),
        string(
            "vault_suffix",
            default="vault.azure.net",
            help="DNS suffix of vault hosts.",
        ),
        string("api_version", help="The Key Vault REST API version (SDK default)."),
        boolean("verify_challenge_resource", default=True, help="Check the auth challenge names this vault."),
        string("ca_bundle", help="A PEM bundle of the CAs to trust (a private endpoint, a test server)."),
        boolean("allow_expired", help="Serve a secret past its expiry date instead of refusing it."),
        choice("credential", tuple(CREDENTIALS), default="default", help="How the source authenticates."),
        *_CREDENTIAL_SETTINGS,
    ),
    help="The Azure Key Vault source (`azure-kv:` references).",
    check=_check,
)
