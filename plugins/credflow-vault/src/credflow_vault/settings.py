"""The `[sources.vault]` settings, validated into frozen values before any SDK is imported."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from credflow import ConfigError
from credflow.reference import looks_like_reference
from credflow.security import ensure_no_userinfo
from credflow.validation import check_seconds

__all__ = [
    "DEFAULT_KUBERNETES_JWT_PATH",
    "AuthSettings",
    "VaultSettings",
    "parse_settings",
]

DEFAULT_KUBERNETES_JWT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount/token"

AuthMethod = Literal["token", "approle", "kubernetes", "jwt"]

_PREFIX = "sources.vault"
_TOP_KEYS = frozenset(
    {
        "address",
        "namespace",
        "auth",
        "ca_cert",
        "verify",
        "timeout",
        "cache_ttl",
        "stale_if_error",
        "mounts",
    }
)
_AUTH_KEYS: dict[str, frozenset[str]] = {
    "token": frozenset({"method", "token"}),
    "approle": frozenset({"method", "role_id", "secret_id", "mount"}),
    "kubernetes": frozenset({"method", "role", "jwt_path", "mount"}),
    "jwt": frozenset({"method", "role", "jwt", "mount"}),
}
_DEFAULT_AUTH_MOUNTS = {"approle": "approle", "kubernetes": "kubernetes", "jwt": "jwt"}


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


def _unknown(keys: set[str], allowed: frozenset[str], where: str) -> None:
    if keys - allowed:
        bad = sorted(keys - allowed)[0]
        raise ConfigError(f"{where}.{bad}: unknown setting; expected one of {', '.join(sorted(allowed))}")


def _string(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}.{key}: expected a non-empty string")
    return value.strip()


def _seconds(table: Mapping[str, Any], key: str, default: float, *, positive: bool) -> float:
    return check_seconds(table.get(key, default), f"{_PREFIX}.{key}", positive=positive)


def _reference(table: Mapping[str, Any], key: str, where: str) -> str | None:
    value = _string(table, key, where)
    if value is None:
        return None
    if not looks_like_reference(value):
        raise ConfigError(
            f"{where}.{key}: expected a secret reference such as 'env:VAULT_SECRET_ID' or "
            "'file:/run/secrets/vault-secret-id', not a literal value"
        )
    if value.startswith("vault:"):
        raise ConfigError(
            f"{where}.{key}: the Vault source cannot read its own login credentials from "
            "Vault; use an env: or file: reference"
        )
    return value


def _address(settings: Mapping[str, Any]) -> str:
    address = _string(settings, "address", _PREFIX)
    if address is None:
        address = os.environ.get("VAULT_ADDR") or os.environ.get("BAO_ADDR")
    if not address:
        raise ConfigError(
            f"{_PREFIX}.address: not set, and neither is VAULT_ADDR; set it to the Vault "
            "server URL, for example 'https://vault.example.com:8200'"
        )
    ensure_no_userinfo(
        address,
        key=f"{_PREFIX}.address",
        credentials="Vault credentials go in [sources.vault.auth], as secret references",
    )
    if not address.startswith(("http://", "https://")):
        raise ConfigError(f"{_PREFIX}.address: expected an http:// or https:// URL, got {address!r}")
    return address.rstrip("/")


def _auth(raw: object) -> AuthSettings:
    where = f"{_PREFIX}.auth"
    if raw is None:
        return AuthSettings()
    if not isinstance(raw, Mapping):
        raise ConfigError(f'{where}: expected a table such as {{ method = "approle", ... }}')
    method = raw.get("method", "token")
    if method not in _AUTH_KEYS:
        raise ConfigError(f"{where}.method: expected one of {', '.join(sorted(_AUTH_KEYS))}, got {method!r}")
    _unknown(set(raw), _AUTH_KEYS[method], where)
    mount = (_string(raw, "mount", where) or _DEFAULT_AUTH_MOUNTS.get(method, "")).strip("/")
    if method == "token":
        return AuthSettings(method="token", token=_reference(raw, "token", where))
    if method == "approle":
        role_id = _string(raw, "role_id", where)
        if role_id is None:
            raise ConfigError(f"{where}.role_id: required for the approle method")
        if looks_like_reference(role_id):
            # A role ID is not secret, but may be delivered in a file like the secret ID.
            role_id = _reference(raw, "role_id", where)
        return AuthSettings(
            method="approle",
            mount=mount,
            role_id=role_id,
            secret_id=_reference(raw, "secret_id", where),
        )
    role = _string(raw, "role", where)
    if role is None:
        raise ConfigError(f"{where}.role: required for the {method} method")
    if method == "kubernetes":
        jwt_path = _string(raw, "jwt_path", where) or DEFAULT_KUBERNETES_JWT_PATH
        return AuthSettings(method="kubernetes", mount=mount, role=role, jwt_path=jwt_path)
    jwt = _reference(raw, "jwt", where)
    if jwt is None:
        raise ConfigError(
            f"{where}.jwt: required for the jwt method; a secret reference to the JWT, "
            "such as 'file:/var/run/secrets/tokens/vault'"
        )
    return AuthSettings(method="jwt", mount=mount, role=role, jwt=jwt)


def _verify(settings: Mapping[str, Any]) -> bool | str:
    verify = settings.get("verify", True)
    if not isinstance(verify, bool):
        raise ConfigError(f"{_PREFIX}.verify: expected true or false")
    ca_cert = _string(settings, "ca_cert", _PREFIX)
    if ca_cert is None:
        return verify
    if not verify:
        raise ConfigError(f"{_PREFIX}.ca_cert: set together with verify = false; drop one of them")
    return ca_cert


def _mounts(raw: object) -> dict[str, int]:
    where = f"{_PREFIX}.mounts"
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: expected a table such as {{ kv1 = {{ version = 1 }} }}")
    mounts: dict[str, int] = {}
    for name, table in raw.items():
        here = f"{where}.{name}"
        if not isinstance(table, Mapping):
            raise ConfigError(f"{here}: expected a table such as {{ version = 1 }}")
        _unknown(set(table), frozenset({"version"}), here)
        version = table.get("version", 2)
        if version not in (1, 2) or isinstance(version, bool):
            raise ConfigError(f"{here}.version: expected 1 or 2 (the KV engine version)")
        path = str(name).strip("/")
        if not path:
            raise ConfigError(f"{here}: a mount path cannot be empty")
        mounts[path] = int(version)
    return mounts


def parse_settings(settings: Mapping[str, Any]) -> VaultSettings:
    """Validate `[sources.vault]`; raise `ConfigError` naming the bad key."""
    _unknown(set(settings), _TOP_KEYS, _PREFIX)
    namespace = _string(settings, "namespace", _PREFIX)
    if namespace is None:
        namespace = os.environ.get("VAULT_NAMESPACE") or os.environ.get("BAO_NAMESPACE") or None
    return VaultSettings(
        address=_address(settings),
        namespace=namespace,
        auth=_auth(settings.get("auth")),
        verify=_verify(settings),
        timeout=_seconds(settings, "timeout", 10.0, positive=True),
        cache_ttl=_seconds(settings, "cache_ttl", 300.0, positive=False),
        stale_if_error=_seconds(settings, "stale_if_error", 900.0, positive=False),
        mounts=_mounts(settings.get("mounts")),
    )
