"""`ClientConfig`: the settings of one OAuth2 client, validated when built.

Every field carries its documentation in `metadata["doc"]`; the TOML loader
validates against these same fields and the configuration reference in the
docs is generated from them, so the three cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal, get_args

from .._security import ensure_no_userinfo, ensure_secure_url, load_ca_bundle
from ..errors import ConfigError
from ..secret._reference import SecretReference
from ..transport._retry import RetryPolicy
from ._checks import check_fraction, check_seconds

__all__ = [
    "AUTH_METHODS",
    "COMPANION_KEYS",
    "CREDENTIAL_KEYS",
    "PROVIDER_KEYS",
    "SECRET_METHODS",
    "CachePolicy",
    "ClientConfig",
    "RotationPolicy",
    "SinkPolicy",
]

AuthMethod = Literal[
    "client_secret_basic",
    "client_secret_post",
    "client_secret_jwt",
    "private_key_jwt",
    "tls_client_auth",
    "self_signed_tls_client_auth",
    "client_assertion",
]
AUTH_METHODS: tuple[str, ...] = get_args(AuthMethod)
#: The methods that send the client secret itself (RFC 6749 §2.3.1): no assertion, no certificate.
SECRET_METHODS: tuple[str, ...] = ("client_secret_basic", "client_secret_post")
# --- client authentication (issue 11) ---
# The secret reference each method authenticates with (rotated, cached and re-read like a secret),
# and the one read beside it (a certificate), by method.
CREDENTIAL_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "client_secret_basic": "client_secret",
        "client_secret_post": "client_secret",
        "client_secret_jwt": "client_secret",
        "private_key_jwt": "private_key",
        "tls_client_auth": "client_key",
        "self_signed_tls_client_auth": "client_key",
        "client_assertion": "client_assertion",
    }
)
COMPANION_KEYS: Mapping[str, str] = MappingProxyType(
    {
        "private_key_jwt": "certificate",
        "tls_client_auth": "client_certificate",
        "self_signed_tls_client_auth": "client_certificate",
    }
)
# Reference settings only some methods use: set with another method, they are a mistake.
_METHOD_KEYS = (
    "client_secret",
    "private_key",
    "certificate",
    "client_certificate",
    "client_key",
    "client_assertion",
)
# --- end client authentication ---


def _doc(text: str, **extra: Any) -> dict[str, Any]:
    return {"doc": text, **extra}


def _string_tuple(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"{key}: expected a list of strings, got {value!r}")
    if not all(isinstance(item, str) and item for item in value):
        raise ConfigError(f"{key}: expected a list of non-empty strings, got {value!r}")
    return tuple(value)


def _renew_statuses(value: object) -> tuple[int, ...]:
    # Only a client error can mean the token was refused; renewing on a 5xx would hammer the token
    # endpoint during an API outage, and a 2xx/3xx is not a rejection at all.
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"renew_on: expected a list of HTTP statuses such as [401, 403], got {value!r}")
    for status in value:
        if isinstance(status, bool) or not isinstance(status, int) or not 400 <= status <= 499:
            raise ConfigError(
                f"renew_on: {status!r} is not a 4xx HTTP status; list the statuses your API answers "
                "a rejected token with, such as [401, 403]"
            )
    return tuple(dict.fromkeys(value))


# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), printable ASCII but space, '"' and '\\'.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")

# Each provider-specific key, with its default and the providers that read it (credflow.providers
# checks them; a client with none set and no `provider` never imports the profiles).
PROVIDER_KEYS: dict[str, tuple[object, frozenset[str]]] = {
    "tenant": (None, frozenset({"entra"})),
    "authority_host": ("login.microsoftonline.com", frozenset({"entra"})),
    "domain": (None, frozenset({"auth0", "okta", "cognito"})),
    "default_audience": (False, frozenset({"auth0"})),
    "organization": (None, frozenset({"auth0"})),
    "authorization_server": (None, frozenset({"okta"})),
    "default_scopes": (False, frozenset({"okta"})),
    "base_url": (None, frozenset({"keycloak"})),
    "realm": (None, frozenset({"keycloak"})),
}

_CREDENTIALS_BELONG = (
    "the client id goes in client_id and the secret in client_secret, as a secret reference "
    "such as 'env:NAME'"
)


def _scopes(value: object) -> tuple[str, ...]:
    scopes = _string_tuple(value, "scopes")
    for index, scope in enumerate(scopes):
        if " " in scope:
            raise ConfigError(
                f"scopes[{index}]: a scope cannot contain a space (list them separately), got {scope!r}"
            )
        if not _SCOPE_TOKEN.fullmatch(scope):
            raise ConfigError(
                f"scopes[{index}]: {scope!r} is not an RFC 6749 scope token "
                "(printable ASCII other than space, '\"' and '\\')"
            )
    return scopes


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """When tokens are renewed and where they are kept (`[clients.<name>.cache]`)."""

    backend: str = field(
        default="memory",
        metadata=_doc(
            "Token cache backend: `memory` (built in, per process), `file` (built in, per user: "
            "`directory` sets where) or one a plugin registers, such as `redis`."
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
        object.__setattr__(
            self, "renew_fraction", check_fraction(self.renew_fraction, "cache.renew_fraction")
        )
        for name in ("renew_min_ahead", "expiry_leeway"):
            object.__setattr__(self, name, check_seconds(getattr(self, name), f"cache.{name}"))
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
    last_good_for: float = field(
        default=86400.0,
        metadata=_doc(
            "Keep the value the server last accepted (in memory only) this many seconds after it was "
            "last accepted as the source's current value, and try it when a changed value is refused "
            "(a secret written to the source before the server accepts it). 0 turns this off."
        ),
    )
    reject_pause_max: float = field(
        default=30.0,
        metadata=_doc(
            "After `invalid_client` with every value tried, acquisitions fail at once without a token "
            "request while the secret stays unchanged, for a pause of 1 s doubling up to this many "
            "seconds; a changed secret ends the pause. 0 turns the pause off."
        ),
    )

    def __post_init__(self) -> None:
        for name in ("reread_on_reject", "try_versions"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigError(f"rotation.{name}: expected true or false, got {getattr(self, name)!r}")
        for name in ("last_good_for", "reject_pause_max"):
            object.__setattr__(self, name, check_seconds(getattr(self, name), f"rotation.{name}"))
        fallbacks = _string_tuple(self.fallback_secrets, "rotation.fallback_secrets")
        for text in fallbacks:
            SecretReference.parse(text, config_key="rotation.fallback_secrets")
        object.__setattr__(self, "fallback_secrets", fallbacks)


@dataclass(frozen=True, slots=True)
class SinkPolicy:
    """Where `credflow agent` writes the client's current token (`[clients.<name>.sinks]`)."""

    file: str | None = field(
        default=None,
        metadata=_doc(
            "An absolute path `credflow agent` keeps the current access token in: written atomically, "
            "mode 0600, rewritten on every renewal before the old token expires."
        ),
    )

    def __post_init__(self) -> None:
        if self.file is not None and (not isinstance(self.file, str) or not self.file.startswith("/")):
            raise ConfigError(f"sinks.file: expected an absolute file path, got {self.file!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """The settings of one OAuth2 client (one `[clients.<name>]` table).

    `client_secret` is a secret reference (`env:NAME`, `file:/path`,
    `vault:…`), resolved each time a token is requested, never a literal.
    """

    client_id: str = field(metadata=_doc("The OAuth2 client id.", required=True))
    client_secret: str | None = field(
        default=None,
        metadata=_doc(
            "A secret reference naming the client secret (`env:NAME`, `file:/path[#key]`, `vault:…`, "
            "`aws-sm:…`, `azure-kv:…`); never the secret itself. Required by `client_secret_basic`, "
            "`client_secret_post` and `client_secret_jwt`.",
        ),
    )
    token_endpoint: str | None = field(
        default=None,
        metadata=_doc("The token endpoint URL, without `user:password@`. Give this or `issuer`."),
    )
    issuer: str | None = field(
        default=None,
        metadata=_doc(
            "The authorization server's issuer URL; the token endpoint is discovered from its "
            "RFC 8414 / OpenID metadata. Give this or `token_endpoint`."
        ),
    )
    scopes: tuple[str, ...] = field(
        default=(),
        metadata=_doc(
            "Scopes to request, sent space-joined in `scope`; each an RFC 6749 scope token "
            '(printable ASCII without space, `"` or `\\`).'
        ),
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
    # --- client authentication (issue 11): see docs/concepts/client-authentication.md ---
    signing_alg: str | None = field(
        default=None,
        metadata=_doc(
            "JWS algorithm of the client assertion: `HS256` (default), `HS384`, `HS512` with "
            "`client_secret_jwt`; with `private_key_jwt` the key's own (RS256, ES256/384/512 by curve, "
            "EdDSA; PS256 for an RSA key when the server lists only PS algorithms), or RS/PS/ES*, EdDSA."
        ),
    )
    private_key: str | None = field(
        default=None,
        metadata=_doc(
            "With `private_key_jwt`: a secret reference to the signing key, a PEM (PKCS#8, PKCS#1, SEC1) "
            "or a private JWK."
        ),
    )
    key_id: str | None = field(
        default=None,
        metadata=_doc("The assertion's `kid`: else the JWK's own `kid`, else the key's RFC 7638 thumbprint."),
    )
    certificate: str | None = field(
        default=None,
        metadata=_doc(
            "With `private_key_jwt`: a secret reference to the key's PEM certificate; its SHA-256 "
            "thumbprint is sent as `x5t#S256` (Entra ID certificate credentials)."
        ),
    )
    client_certificate: str | None = field(
        default=None,
        metadata=_doc(
            "With `tls_client_auth` / `self_signed_tls_client_auth`: a secret reference to the client's "
            "PEM certificate (chain)."
        ),
    )
    client_key: str | None = field(
        default=None,
        metadata=_doc(
            "With `tls_client_auth` / `self_signed_tls_client_auth`: a secret reference to the PEM private "
            "key of `client_certificate`."
        ),
    )
    client_assertion: str | None = field(
        default=None,
        metadata=_doc(
            "With `client_assertion`: a secret reference to an assertion issued to this workload (a "
            "Kubernetes projected service-account token, a SPIFFE JWT-SVID, `AZURE_FEDERATED_TOKEN_FILE`), "
            "read anew at every acquisition and sent as is."
        ),
    )
    assertion_audience: Literal["issuer", "token_endpoint"] | None = field(
        default=None,
        metadata=_doc(
            "The `aud` of the assertions credflow signs: `issuer` (the authorization server's issuer when "
            "it is known from `issuer`, else the token endpoint) or `token_endpoint`. Absent: `issuer`, "
            "or with `provider` what that provider documents (Entra ID and Okta: the token endpoint)."
        ),
    )
    assertion_lifetime: float = field(
        default=60.0,
        metadata=_doc("Seconds from `iat` to `exp` of the assertions credflow signs."),
    )
    assertion_not_before: bool = field(
        default=False,
        metadata=_doc("Also put `nbf` (= `iat`) in the assertions credflow signs."),
    )
    # --- end client authentication ---
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
            "A PEM file of CA certificates to trust instead of the system store, read when the "
            "configuration is loaded. TLS verification is always on."
        ),
    )
    renew_on: tuple[int, ...] = field(
        default=(401,),
        metadata=_doc(
            'API response statuses that mean "token rejected": the HTTP auth drops the token, gets a new '
            "one and resends the request once. Only 4xx statuses; `[401, 403]` for servers such as "
            "django-oauth-toolkit that answer a revoked token with 403."
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
    # --- provider profiles (credflow.providers) ------------------------------------------------
    provider: Literal["entra", "auth0", "okta", "keycloak", "cognito"] | None = field(
        default=None,
        metadata=_doc(
            "A provider profile: `entra`, `auth0`, `okta`, `keycloak` or `cognito`. It derives the token "
            "endpoint, issuer and discovery URL, checks the settings that provider needs and translates its "
            "errors. Absent: a generic RFC 6749 server (give `token_endpoint` or `issuer`). An explicit "
            "`token_endpoint` / `issuer` still overrides what the profile derives."
        ),
    )
    tenant: str | None = field(
        default=None,
        metadata=_doc(
            "`provider = 'entra'`: the directory (tenant) id or a verified domain such as "
            "`contoso.onmicrosoft.com`; never `common`, `organizations` or `consumers`."
        ),
    )
    authority_host: str = field(
        default="login.microsoftonline.com",
        metadata=_doc(
            "`provider = 'entra'`: the Microsoft Entra authority host; a sovereign cloud's host such as "
            "`login.microsoftonline.us` (US Government) or `login.chinacloudapi.cn` (operated by 21Vianet)."
        ),
    )
    domain: str | None = field(
        default=None,
        metadata=_doc(
            "`auth0`: the tenant or custom domain (`acme.eu.auth0.com`); `okta`: the Okta domain "
            "(`acme.okta.com`); `cognito`: the user pool domain (`acme.auth.eu-west-1.amazoncognito.com`) "
            "or its custom domain. A host name, without `https://`."
        ),
    )
    default_audience: bool = field(
        default=False,
        metadata=_doc(
            "`provider = 'auth0'`: the tenant has a default audience configured, so `audience` may be "
            "left out."
        ),
    )
    organization: str | None = field(
        default=None,
        metadata=_doc("`provider = 'auth0'`: the organization id or name sent as `organization`."),
    )
    authorization_server: str | None = field(
        default=None,
        metadata=_doc(
            "`provider = 'okta'`: the custom authorization server id (`default` or `aus...`); absent means "
            "the org authorization server, which grants only Okta API (`okta.*`) scopes."
        ),
    )
    default_scopes: bool = field(
        default=False,
        metadata=_doc(
            "`provider = 'okta'`: the custom authorization server has default scopes, so `scopes` may "
            "be empty."
        ),
    )
    base_url: str | None = field(
        default=None,
        metadata=_doc(
            "`provider = 'keycloak'`: the server's base URL (`https://sso.acme.example`, with `/auth` on "
            "Keycloak 16 and older)."
        ),
    )
    realm: str | None = field(default=None, metadata=_doc("`provider = 'keycloak'`: the realm name."))
    strict_scopes: bool = field(
        default=False,
        metadata=_doc(
            "Refuse a token granting more scopes than `scopes` asks for (an error instead of the audit "
            "warning and the `credflow check` line)."
        ),
    )
    sinks: SinkPolicy = field(
        default_factory=SinkPolicy,
        metadata=_doc("Files `credflow agent` writes the current token to (`[clients.<name>.sinks]`)."),
    )

    def __post_init__(self) -> None:
        for name in ("client_id", "token_type"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{name}: expected a non-empty string, got {value!r}")
        if self.auth_method not in AUTH_METHODS:
            raise ConfigError(
                f"auth_method: expected one of {', '.join(AUTH_METHODS)}, got {self.auth_method!r}"
            )
        self._check_client_authentication()
        for name in ("token_endpoint", "issuer"):
            url = getattr(self, name)
            if url is not None:
                if not isinstance(url, str):
                    raise ConfigError(f"{name}: expected a URL string, got {url!r}")
                ensure_no_userinfo(url, key=name, credentials=_CREDENTIALS_BELONG)
                ensure_secure_url(url, allow_insecure_http=self.allow_insecure_http, what=name)
        if self.basic_auth_encoding not in ("form-urlencoded", "raw"):
            raise ConfigError(
                f"basic_auth_encoding: expected 'form-urlencoded' or 'raw', got {self.basic_auth_encoding!r}"
            )
        object.__setattr__(self, "scopes", _scopes(self.scopes))
        object.__setattr__(self, "resource", _string_tuple(self.resource, "resource"))
        if self.audience is not None and not isinstance(self.audience, str):
            raise ConfigError(f"audience: expected a string, got {self.audience!r}")
        if not isinstance(self.extra_params, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in self.extra_params.items()
        ):
            raise ConfigError(f"extra_params: expected a table of strings, got {self.extra_params!r}")
        reserved = {"grant_type", "client_id", "client_secret", "scope", "audience", "resource"}
        reserved |= {"client_assertion", "client_assertion_type"}
        clash = reserved & set(self.extra_params)
        if clash:
            raise ConfigError(f"extra_params: {', '.join(sorted(clash))} is set by credflow itself")
        object.__setattr__(self, "extra_params", MappingProxyType(dict(self.extra_params)))
        for name in ("default_lifetime", "max_lifetime", "timeout"):
            object.__setattr__(self, name, check_seconds(getattr(self, name), name, positive=True))
        for flag in ("allow_insecure_http", "default_audience", "default_scopes", "strict_scopes"):
            if not isinstance(getattr(self, flag), bool):
                raise ConfigError(f"{flag}: expected true or false, got {getattr(self, flag)!r}")
        object.__setattr__(self, "renew_on", _renew_statuses(self.renew_on))
        if self.ca_bundle is not None:
            if not isinstance(self.ca_bundle, str) or not self.ca_bundle:
                raise ConfigError(f"ca_bundle: expected a path, got {self.ca_bundle!r}")
            # A missing or unreadable bundle fails here, not at the first token request.
            load_ca_bundle(self.ca_bundle)
        for name, kind in (("retry", RetryPolicy), ("cache", CachePolicy), ("rotation", RotationPolicy)):
            if not isinstance(getattr(self, name), kind):
                raise ConfigError(f"{name}: expected a {kind.__name__}")
        # Last, on validated values: the profile checks the settings its provider needs, refuses
        # contradictions and fills in token_endpoint / issuer where they were not given.
        if self.provider is not None or any(
            getattr(self, key) != default for key, (default, _owners) in PROVIDER_KEYS.items()
        ):
            from ..providers import apply_profile

            apply_profile(self)
        if (self.token_endpoint is None) == (self.issuer is None) and self.provider is None:
            raise ConfigError("token_endpoint: give exactly one of token_endpoint and issuer")

    # --- client authentication (issue 11) ---
    def _check_client_authentication(self) -> None:
        method = self.auth_method
        needed = {CREDENTIAL_KEYS[method]} | (
            {"client_certificate"} if method.endswith("tls_client_auth") else set()
        )
        allowed = needed | {COMPANION_KEYS.get(method, "")}
        for name in _METHOD_KEYS:
            value = getattr(self, name)
            if value is None:
                if name in needed:
                    raise ConfigError(
                        f"{name}: missing: a secret reference, needed by auth_method {method!r}"
                    )
                continue
            if name not in allowed:
                raise ConfigError(
                    f"{name}: not used by auth_method {method!r}; remove it or change auth_method"
                )
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{name}: expected a secret reference")
            SecretReference.parse(value, config_key=name)  # a literal secret fails at load time
        for name in ("key_id", "signing_alg"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise ConfigError(f"{name}: expected a non-empty string, got {value!r}")
        if self.signing_alg is not None:
            from ..client_auth._methods import HMAC_ALGS, SIGNING_ALGS

            algs = {"client_secret_jwt": HMAC_ALGS, "private_key_jwt": SIGNING_ALGS}.get(method)
            if algs is None:
                raise ConfigError(f"signing_alg: auth_method {method!r} signs nothing; remove signing_alg")
            if self.signing_alg not in algs:
                raise ConfigError(f"signing_alg: expected one of {', '.join(algs)} with {method}")
        if self.assertion_audience not in (None, "issuer", "token_endpoint"):
            raise ConfigError(
                f"assertion_audience: expected 'issuer' or 'token_endpoint', got {self.assertion_audience!r}"
            )
        lifetime = check_seconds(self.assertion_lifetime, "assertion_lifetime", positive=True)
        object.__setattr__(self, "assertion_lifetime", lifetime)
        if not isinstance(self.assertion_not_before, bool):
            raise ConfigError(
                f"assertion_not_before: expected true or false, got {self.assertion_not_before!r}"
            )

    @property
    def secret_reference(self) -> SecretReference:
        """The parsed reference of the credential `auth_method` authenticates with.

        `client_secret` for the secret methods, else `private_key`, `client_key`
        or `client_assertion`: the value rotated, cached, re-read on rejection
        and bound to cache entries.
        """
        key = CREDENTIAL_KEYS[self.auth_method]
        text = getattr(self, key)
        assert isinstance(text, str)  # checked when built
        return SecretReference.parse(text, config_key=key)

    @property
    def companion_reference(self) -> SecretReference | None:
        """The certificate read beside the credential (`certificate`, `client_certificate`), if any."""
        key = COMPANION_KEYS.get(self.auth_method)
        text = None if key is None else getattr(self, key)
        return None if text is None else SecretReference.parse(text, config_key=str(key))

    # --- end client authentication ---

    def replace(self, **changes: Any) -> ClientConfig:
        """Return a copy with some settings changed (validated again).

        With a provider profile, a `token_endpoint` / `issuer` the profile derived is derived
        again from the changed settings rather than kept as if it had been given.
        """
        if self.provider is not None:
            from ..providers import derived_endpoints

            derived = derived_endpoints(self)
            for name in ("token_endpoint", "issuer"):
                if name not in changes and getattr(self, name) == getattr(derived, name):
                    changes[name] = None
        return dataclasses.replace(self, **changes)
