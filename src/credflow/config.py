"""`ClientConfig`: the settings of one OAuth2 client, validated when built.

Every field carries its documentation in `metadata["doc"]`; the TOML loader
validates against these same fields and the configuration reference in the
docs is generated from them, so the three cannot drift apart.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType
from typing import Any, Literal

from .errors import ConfigError
from .reference import SecretReference
from .retry import RetryPolicy
from .security import ensure_secure_url

__all__ = ["AUTH_METHODS", "CachePolicy", "ClientConfig", "RotationPolicy"]

AuthMethod = Literal["client_secret_basic", "client_secret_post"]
AUTH_METHODS: tuple[str, ...] = ("client_secret_basic", "client_secret_post")


def _doc(text: str, **extra: Any) -> dict[str, Any]:
    return {"doc": text, **extra}


def _seconds(value: object, key: str, *, positive: bool = False) -> float:
    if isinstance(value, timedelta):
        value = value.total_seconds()
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{key}: expected a number of seconds, got {value!r}")
    if value < 0 or (positive and value == 0):
        raise ConfigError(
            f"{key}: expected a {'positive' if positive else 'non-negative'} number of seconds, got {value!r}"
        )
    return float(value)


def _string_tuple(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    if not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"{key}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """When tokens are renewed and where they are kept (`[clients.<name>.cache]`)."""

    backend: str = field(
        default="memory",
        metadata=_doc(
            "Token cache backend: `memory` (built in, per process) or one a plugin registers, "
            "such as `redis`."
        ),
    )
    renew_fraction: float = field(
        default=0.8,
        metadata=_doc(
            "Renew in the background once this fraction of the token's lifetime has passed (0 < f < 1)."
        ),
    )
    renew_min_ahead: float = field(
        default=30.0,
        metadata=_doc(
            "Start renewing at least this many seconds before expiry, when the lifetime allows "
            "(never earlier than half the lifetime)."
        ),
    )
    expiry_leeway: float = field(
        default=5.0,
        metadata=_doc(
            "Stop using a token this many seconds before its expiry (at most 5% of its lifetime), "
            "to absorb clock skew and request latency."
        ),
    )
    settings: Mapping[str, Any] = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=_doc(
            "Backend-specific settings (every other key of the `cache` table), passed to the backend plugin."
        ),
    )

    def __post_init__(self) -> None:
        if not isinstance(self.backend, str) or not self.backend:
            raise ConfigError(f"cache.backend: expected a backend name, got {self.backend!r}")
        fraction = self.renew_fraction
        if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction < 1:
            raise ConfigError(f"cache.renew_fraction: expected a number between 0 and 1, got {fraction!r}")
        object.__setattr__(self, "renew_fraction", float(fraction))
        object.__setattr__(self, "renew_min_ahead", _seconds(self.renew_min_ahead, "cache.renew_min_ahead"))
        object.__setattr__(self, "expiry_leeway", _seconds(self.expiry_leeway, "cache.expiry_leeway"))
        object.__setattr__(self, "settings", MappingProxyType(dict(self.settings)))


@dataclass(frozen=True, slots=True)
class RotationPolicy:
    """What to try when the token endpoint rejects the secret (`[clients.<name>.rotation]`)."""

    reread_on_reject: bool = field(
        default=True,
        metadata=_doc(
            "After `invalid_client`, read the secret again bypassing every cache, "
            "and retry once if it changed."
        ),
    )
    try_versions: bool = field(
        default=False,
        metadata=_doc(
            "Also try the other versions the secret source knows in a rotation window "
            "(AWS AWSPENDING/AWSPREVIOUS, Vault's previous version, Key Vault's previous enabled version)."
        ),
    )
    fallback_secrets: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "More secret references to try in order after `invalid_client` (for example a secondary file)."
        ),
    )

    def __post_init__(self) -> None:
        for name in ("reread_on_reject", "try_versions"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"rotation.{name}: expected true or false, got {getattr(self, name)!r}")
        fallbacks = _string_tuple(self.fallback_secrets, "rotation.fallback_secrets")
        for text in fallbacks:
            SecretReference.parse(text, config_key="rotation.fallback_secrets")
        object.__setattr__(self, "fallback_secrets", fallbacks)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """The settings of one OAuth2 client (one `[clients.<name>]` table).

    `client_secret` is a secret reference (`env:NAME`, `file:/path`,
    `vault:…`), resolved each time a token is requested, never a literal.
    """

    client_id: str = field(metadata=_doc("The OAuth2 client id.", required=True))
    client_secret: str = field(
        metadata=_doc(
            "A secret reference naming the client secret (`env:NAME`, `file:/path[#key]`, `vault:…`, "
            "`aws-sm:…`, `azure-kv:…`); never the secret itself.",
            required=True,
        )
    )
    token_endpoint: str | None = field(
        default=None, metadata=_doc("The token endpoint URL. Give this or `issuer`.")
    )
    issuer: str | None = field(
        default=None,
        metadata=_doc(
            "The authorization server's issuer URL; the token endpoint is discovered from its "
            "RFC 8414 / OpenID metadata. Give this or `token_endpoint`."
        ),
    )
    scopes: tuple[str, ...] = field(
        default=(), metadata=_doc("Scopes to request, sent space-joined in `scope`.")
    )
    audience: str | None = field(default=None, metadata=_doc("The `audience` parameter (Auth0 and others)."))
    resource: tuple[str, ...] = field(
        default=(), metadata=_doc("RFC 8707 resource indicators, each sent as a `resource` parameter.")
    )
    auth_method: AuthMethod = field(
        default="client_secret_basic",
        metadata=_doc(
            "How the client authenticates: `client_secret_basic` (HTTP Basic) "
            "or `client_secret_post` (form body)."
        ),
    )
    basic_auth_encoding: Literal["form-urlencoded", "raw"] = field(
        default="form-urlencoded",
        metadata=_doc(
            "With `client_secret_basic`: `form-urlencoded` encodes id and secret before base64 as RFC 6749 "
            "§2.3.1 says; `raw` sends them as they are, for servers that do not decode."
        ),
    )
    extra_params: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({}),
        metadata=_doc("More form parameters to send with every token request."),
    )
    token_type: str = field(
        default="Bearer",
        metadata=_doc("The token type the server must return (compared case-insensitively)."),
    )
    default_lifetime: float = field(
        default=3600.0,
        metadata=_doc(
            "Lifetime in seconds assumed when the response has no `expires_in` (logged when used)."
        ),
    )
    max_lifetime: float = field(
        default=400 * 86400.0, metadata=_doc("Larger `expires_in` values are refused as absurd.")
    )
    timeout: float = field(
        default=10.0,
        metadata=_doc(
            "Timeout in seconds of each HTTP call to the token endpoint, as a whole: connecting, sending "
            "and receiving the complete answer."
        ),
    )
    allow_insecure_http: bool = field(
        default=False,
        metadata=_doc(
            "Allow plain `http://` token endpoints and API URLs on non-loopback hosts. Never in production."
        ),
    )
    ca_bundle: str | None = field(
        default=None,
        metadata=_doc(
            "A PEM file of CA certificates to trust instead of the system store. "
            "TLS verification is always on."
        ),
    )
    retry: RetryPolicy = field(
        default_factory=RetryPolicy,
        metadata=_doc("How the token endpoint is retried (`[clients.<name>.retry]`)."),
    )
    cache: CachePolicy = field(
        default_factory=CachePolicy,
        metadata=_doc("Renewal and token cache backend (`[clients.<name>.cache]`)."),
    )
    rotation: RotationPolicy = field(
        default_factory=RotationPolicy,
        metadata=_doc("Behaviour on a rejected secret (`[clients.<name>.rotation]`)."),
    )

    def __post_init__(self) -> None:
        for name in ("client_id", "client_secret", "token_type"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(
                    f"{name}: expected a non-empty string, got {value!r}"
                    if name != "client_secret"
                    else f"{name}: expected a secret reference"
                )
        self.secret_reference  # noqa: B018 - parse now so a literal secret fails at load time
        if (self.token_endpoint is None) == (self.issuer is None):
            raise ConfigError("token_endpoint: give exactly one of token_endpoint and issuer")
        for name in ("token_endpoint", "issuer"):
            url = getattr(self, name)
            if url is not None:
                if not isinstance(url, str):
                    raise ConfigError(f"{name}: expected a URL string, got {url!r}")
                ensure_secure_url(url, allow_insecure_http=self.allow_insecure_http, what=name)
        if self.auth_method not in AUTH_METHODS:
            raise ConfigError(
                f"auth_method: expected one of {', '.join(AUTH_METHODS)}, got {self.auth_method!r}"
            )
        if self.basic_auth_encoding not in ("form-urlencoded", "raw"):
            raise ConfigError(
                f"basic_auth_encoding: expected 'form-urlencoded' or 'raw', got {self.basic_auth_encoding!r}"
            )
        scopes = _string_tuple(self.scopes, "scopes")
        if any(" " in scope for scope in scopes):
            raise ConfigError(
                f"scopes: a scope cannot contain a space (list them separately), got {scopes!r}"
            )
        object.__setattr__(self, "scopes", scopes)
        object.__setattr__(self, "resource", _string_tuple(self.resource, "resource"))
        if self.audience is not None and not isinstance(self.audience, str):
            raise ConfigError(f"audience: expected a string, got {self.audience!r}")
        if not isinstance(self.extra_params, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.extra_params.items()
        ):
            raise ConfigError(f"extra_params: expected a table of strings, got {self.extra_params!r}")
        reserved = {"grant_type", "client_id", "client_secret", "scope", "audience", "resource"}
        clash = reserved & set(self.extra_params)
        if clash:
            raise ConfigError(f"extra_params: {', '.join(sorted(clash))} is set by credflow itself")
        object.__setattr__(self, "extra_params", MappingProxyType(dict(self.extra_params)))
        object.__setattr__(
            self, "default_lifetime", _seconds(self.default_lifetime, "default_lifetime", positive=True)
        )
        object.__setattr__(self, "max_lifetime", _seconds(self.max_lifetime, "max_lifetime", positive=True))
        object.__setattr__(self, "timeout", _seconds(self.timeout, "timeout", positive=True))
        if not isinstance(self.allow_insecure_http, bool):
            raise ConfigError(
                f"allow_insecure_http: expected true or false, got {self.allow_insecure_http!r}"
            )
        if self.ca_bundle is not None and not isinstance(self.ca_bundle, str):
            raise ConfigError(f"ca_bundle: expected a path, got {self.ca_bundle!r}")
        for name, kind in (("retry", RetryPolicy), ("cache", CachePolicy), ("rotation", RotationPolicy)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"{name}: expected a {kind.__name__}")

    @property
    def secret_reference(self) -> SecretReference:
        """The parsed `client_secret` reference."""
        return SecretReference.parse(self.client_secret, config_key="client_secret")

    def replace(self, **changes: Any) -> ClientConfig:
        """Return a copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)
