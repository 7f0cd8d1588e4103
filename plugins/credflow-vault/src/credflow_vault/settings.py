"""The `[sources.vault]` settings, validated into frozen values before any SDK is imported."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

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
    table,
    tables,
)

__all__ = [
    "DEFAULT_KUBERNETES_JWT_PATH",
    "SETTINGS",
    "AuthSettings",
    "VaultSettings",
    "parse_settings",
]

DEFAULT_KUBERNETES_JWT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"

AuthMethod = Literal["token", "approle", "kubernetes", "jwt"]

_PREFIX = "sources.vault"
_AUTH_KEYS: dict[str, frozenset[str]] = {
    "token": frozenset({"method", "token"}),
    "approle": frozenset({"method", "role_id", "secret_id", "mount"}),
    "kubernetes": frozenset({"method", "role", "jwt_path", "mount"}),
    "jwt": frozenset({"method", "role", "jwt", "mount"}),
}
_DEFAULT_AUTH_MOUNTS = {"approle": "approle", "kubernetes": "kubernetes", "jwt": "jwt"}
_LOGIN_REFERENCE = (
    "the Vault source cannot read its own login credentials from Vault; use an env: or file: reference"
)


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """How the source gets its Vault token. Secret-bearing fields hold references, not values."""

    method: AuthMethod = "token"
    mount: str = ""
    token: str | None = None
    role_id: str | None = None
    secret_id: str | None = None
    role: str | None = None
    jwt: str | None = None
    jwt_path: str = DEFAULT_KUBERNETES_JWT_PATH


@dataclass(frozen=True, slots=True)
class VaultSettings:
    """Everything `[sources.vault]` configures, with environment fallbacks applied."""

    address: str
    namespace: str | None = None
    auth: AuthSettings = field(default_factory=AuthSettings)
    verify: bool | str = True
    timeout: float = 10.0
    cache_ttl: float = 300.0
    stale_if_error: float = 900.0
    #: KV engine version per mount path (mounts not listed are KV v2).
    mounts: Mapping[str, int] = field(default_factory=dict)


def _check(values: Mapping[str, Any]) -> None:
    """The rules that span keys: where the address comes from, and what each auth method needs."""
    _address(values)
    if values["ca_cert"] is not None and not values["verify"]:
        raise ConfigError("ca_cert: set together with verify = false; drop one of them")
    auth = values["auth"]
    method = auth["method"]
    for key in sorted(
        key for key, value in auth.items() if value is not None and key not in _AUTH_KEYS[method]
    ):
        users = ", ".join(name for name, keys in _AUTH_KEYS.items() if key in keys)
        raise ConfigError(f"auth.{key}: unknown setting for method = {method!r} (used by: {users})")
    needed = {"approle": ("role_id",), "kubernetes": ("role",), "jwt": ("role", "jwt")}.get(method, ())
    for key in needed:
        if auth[key] is None:
            example = " such as 'file:/var/run/secrets/tokens/vault'" if key == "jwt" else ""
            raise ConfigError(f"auth.{key}: required for the {method} method{example}")
    for key in ("token", "secret_id", "jwt", "role_id"):
        if isinstance(auth[key], str) and auth[key].startswith("vault:"):
            raise ConfigError(f"auth.{key}: {_LOGIN_REFERENCE}")


_AUTH = (
    choice("method", tuple(_AUTH_KEYS), default="token", help="How the source logs in to Vault."),
    string("token", secret_reference=True, help="method = token: a reference to the Vault token."),
    string("role_id", help="method = approle: the role ID, or a reference to it."),
    string("secret_id", secret_reference=True, help="method = approle: a reference to the secret ID."),
    string("role", help="method = kubernetes or jwt: the Vault role to log in as."),
    string("jwt", secret_reference=True, help="method = jwt: a reference to the JWT."),
    string(
        "jwt_path",
        help=f"method = kubernetes: the service-account token file (default {DEFAULT_KUBERNETES_JWT_PATH}).",
    ),
    string("mount", help="The auth mount path (default: the method's name)."),
)

#: `[sources.vault]`, declared once: checked when the configuration loads, documented from here.
SETTINGS = SettingsTable(
    (
        string("address", help="The Vault server URL; default `$VAULT_ADDR` (or `$BAO_ADDR`)."),
        string("namespace", help="The Vault Enterprise namespace; default `$VAULT_NAMESPACE`."),
        table("auth", _AUTH, help="How the source logs in.", hint='{ method = "approle", ... }'),
        string("ca_cert", help="A PEM bundle of the CAs to trust for the Vault server."),
        boolean("verify", default=True, help="Verify the Vault server's TLS certificate."),
        seconds("timeout", default=10.0, positive=True, help="Seconds for each Vault request."),
        *secret_cache_settings(),
        tables(
            "mounts",
            (integer("version", default=2, minimum=1, maximum=2, help="The KV engine version."),),
            help="KV engine version per mount path; mounts not listed are KV v2.",
            hint="{ kv1 = { version = 1 } }",
        ),
    ),
    help="The HashiCorp Vault / OpenBao secret source (`vault:` references).",
    check=_check,
)


def _address(values: Mapping[str, Any]) -> str:
    address = values["address"] or os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR")
    if not address:
        raise ConfigError(
            "address: not set, and neither is VAULT_ADDR; set it to the Vault "
            "server URL, for example 'https://vault.example.com:8200'"
        )
    ensure_no_userinfo(
        address,
        key="address",
        credentials="Vault credentials go in [sources.vault.auth], as secret references",
    )
    if not address.startswith(("http://", "https://")):
        raise ConfigError(f"address: expected an http:// or https:// URL, got {address!r}")
    return str(address).rstrip("/")


def parse_settings(settings: Mapping[str, Any]) -> VaultSettings:
    """Check `[sources.vault]` against `SETTINGS` and build the frozen settings.

    Raises `ConfigError` naming `sources.vault.<key>`. A table already checked
    (the `SourceContext.settings` of a loaded configuration) passes unchanged.
    """
    values = check_settings(SETTINGS, settings, _PREFIX)
    auth = values["auth"]
    method = auth["method"]
    mount = (auth["mount"] or _DEFAULT_AUTH_MOUNTS.get(method, "")).strip("/")
    namespace = values["namespace"] or os.environ.get("VAULT_NAMESPACE") or os.environ.get("BAO_NAMESPACE")
    mounts: dict[str, int] = {}
    for name, mount_table in values["mounts"].items():
        path = name.strip("/")
        if not path:
            raise ConfigError(f"{_PREFIX}.mounts.{name}: a mount path cannot be empty")
        mounts[path] = mount_table["version"]
    return VaultSettings(
        address=_address(values),
        namespace=namespace or None,
        auth=AuthSettings(
            method=method,
            mount=mount if method != "token" else "",
            token=auth["token"],
            role_id=auth["role_id"],
            secret_id=auth["secret_id"],
            role=auth["role"],
            jwt=auth["jwt"],
            jwt_path=auth["jwt_path"] or DEFAULT_KUBERNETES_JWT_PATH,
        ),
        verify=values["ca_cert"] if values["ca_cert"] is not None else values["verify"],
        timeout=values["timeout"],
        cache_ttl=values["cache_ttl"],
        stale_if_error=values["stale_if_error"],
        mounts=mounts,
    )
