"""Provider profiles: Entra ID, Auth0, Okta, Keycloak, Cognito as a one-line choice.

`provider = "entra"` (and so on) on a client derives the token endpoint,
issuer and discovery URL, checks the settings that provider needs when the
configuration is loaded, and turns the provider's error bodies into hints
naming the client, the config key and the secret reference. The generic path
(no `provider`) is untouched, except the least-privilege comparison of
granted and requested scopes, which runs for every client.

Pure: nothing here does I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from ..config._client import PROVIDER_KEYS
from ..errors import ConfigError, CredentialsRejectedError, OAuthError
from ._profile import Endpoints, Profile, same_host
from .auth0 import Auth0Profile
from .cognito import CognitoProfile
from .entra import EntraProfile
from .keycloak import KeycloakProfile
from .okta import OktaProfile

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..protocol import RawResponse
    from ..token import Token

__all__ = [
    "PROFILES",
    "Endpoints",
    "Profile",
    "ScopeComparison",
    "apply_profile",
    "compare_scopes",
    "derived_endpoints",
    "granted_scopes",
    "profile_of",
    "rate_limit_headers",
    "translate_error",
]

PROFILES: Mapping[str, Profile] = MappingProxyType(
    {
        profile.name: profile
        for profile in (EntraProfile(), Auth0Profile(), OktaProfile(), KeycloakProfile(), CognitoProfile())
    }
)


def profile_of(config: ClientConfig) -> Profile | None:
    """The profile `config.provider` names, or None on the generic path."""
    return None if config.provider is None else PROFILES[config.provider]


def derived_endpoints(config: ClientConfig) -> Endpoints:
    """What the profile of `config` derives (it must have a provider)."""
    profile = profile_of(config)
    if profile is None:
        raise ConfigError("provider: no provider profile is set")
    return profile.derive(config)


def apply_profile(config: ClientConfig) -> None:
    """Check `config` against its profile and fill in the derived token_endpoint / issuer.

    Called once from `ClientConfig.__post_init__`, on validated values. A
    provider key set for another provider, or an explicit URL on the
    provider's own host that differs from the derived one, is a
    contradiction (`ConfigError` naming both settings). An explicit URL on
    another host (a local imitation, a proxy) overrides the derived one.
    """
    for key, (default, owners) in PROVIDER_KEYS.items():
        if getattr(config, key) != default and config.provider not in owners:
            wanted = " or ".join(f"'{owner}'" for owner in sorted(owners))
            now = "is not set" if config.provider is None else f"= {config.provider!r}"
            raise ConfigError(
                f"{key}: a setting of provider {wanted}, but provider {now}; remove one of them"
            )
    if config.provider is None:
        return
    if config.provider not in PROFILES:  # the schema's Literal catches this in files; code may not
        raise ConfigError(f"provider: expected one of {', '.join(PROFILES)}, got {config.provider!r}")
    profile = PROFILES[config.provider]
    profile.check(config)
    derived = profile.derive(config)
    for name in ("token_endpoint", "issuer"):
        given: str | None = getattr(config, name)
        wanted_url: str = getattr(derived, name)
        if given is not None and same_host(given, wanted_url) and given.rstrip("/") != wanted_url.rstrip("/"):
            raise ConfigError(
                f"{name}: {given!r} contradicts provider = {config.provider!r}, whose settings give "
                f"{wanted_url!r}; remove {name} (or correct the provider's settings)"
            )
    if config.organization is not None:
        sent = config.extra_params.get("organization")
        if sent is not None and sent != config.organization:
            raise ConfigError(
                f"extra_params: organization = {sent!r} contradicts organization = {config.organization!r}; "
                "remove one of them"
            )
        params = MappingProxyType({**config.extra_params, "organization": config.organization})
        object.__setattr__(config, "extra_params", params)
    if config.token_endpoint is None and config.issuer is None:
        object.__setattr__(config, "token_endpoint", derived.token_endpoint)
    if config.issuer is None:
        object.__setattr__(config, "issuer", derived.issuer)


def _body(raw: RawResponse) -> Mapping[str, Any]:
    try:
        document = json.loads(raw.body)
    except (ValueError, UnicodeDecodeError):
        return {}
    return document if isinstance(document, dict) else {}


def _identifier(body: Mapping[str, Any], name: str) -> str | None:
    from ..protocol import server_text

    value = body.get(name)
    return server_text(value, 80) if isinstance(value, str) and value else None


def translate_error(config: ClientConfig, error: OAuthError, raw: RawResponse) -> OAuthError:
    """`error` with the profile's hint, support identifiers and error codes; the generic path unchanged.

    The kind of error follows the OAuth `error` field; only a profile that
    documents another answer for a refused secret (Auth0's 401
    `access_denied`) turns it into `invalid_client`, keeping the provider's
    own text in the description.
    """
    profile = profile_of(config)
    if profile is None:
        return error
    body = _body(raw)
    hint = profile.hint(config, error, body)
    codes: tuple[int, ...] = ()
    listed = body.get("error_codes")
    if isinstance(listed, list) and all(
        isinstance(code, int) and not isinstance(code, bool) for code in listed
    ):
        codes = tuple(listed)
    kind, description = error.error, error.error_description
    if profile.rejects_secret(error) and kind != "invalid_client":
        kind, description = "invalid_client", f"{error.error}: {error.error_description or ''}".rstrip(": ")
    cls = CredentialsRejectedError if isinstance(error, CredentialsRejectedError) else OAuthError
    return cls(
        endpoint=error.endpoint,
        status=error.status or 400,
        error=kind,
        error_description=description,
        error_uri=error.error_uri,
        hint=hint,
        provider=profile.name,
        trace_id=_identifier(body, "trace_id"),
        correlation_id=_identifier(body, "correlation_id"),
        error_codes=codes,
    )


_RATE_LIMIT_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-reset",
    "auth0-client-quota-limit",
    "auth0-organization-quota-limit",
    "retry-after",
)


def rate_limit_headers(headers: Mapping[str, str]) -> Mapping[str, str] | None:
    """The rate-limit and quota headers of a response (lower-case names, values cut), or None."""
    from ..protocol import server_text

    found = {name: server_text(headers[name], 200) for name in _RATE_LIMIT_HEADERS if name in headers}
    return MappingProxyType(found) if found else None


def _jwt_claims(access_token: str) -> Mapping[str, Any]:
    """The payload of a JWT access token, decoded WITHOUT verification: for diagnosis only."""
    parts = access_token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def granted_scopes(token: Token) -> tuple[str, ...] | None:
    """What the token grants: the response's `scope`, else the JWT's `scope` / `scp` / `roles` claim.

    None when neither tells (an opaque token without `scope`). The claims are
    read without verifying the signature: never trusted, only compared.
    """
    if token.scope is not None:
        return tuple(token.scope.split())
    claims = _jwt_claims(token.access_token)
    for name in ("scope", "scp", "roles"):
        value = claims.get(name)
        if isinstance(value, str):
            return tuple(value.split())
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return tuple(value)
    return None


@dataclass(frozen=True, slots=True)
class ScopeComparison:
    """Granted against requested scopes: `extra` are granted but not asked for."""

    granted: tuple[str, ...]
    extra: tuple[str, ...]
    where: str

    def describe(self, client_id: str) -> str:
        """One line for an audit warning, an error or `credflow check`."""
        return (
            f"client_id {client_id!r} was granted scopes it did not ask for: {' '.join(self.extra)}; "
            f"remove them at {self.where}, or add them to scopes if they are needed"
        )


def compare_scopes(config: ClientConfig, token: Token) -> ScopeComparison | None:
    """Compare what `token` grants with `config.scopes`; None when it is not broader (or cannot be told)."""
    profile = profile_of(config)
    if profile is not None and not profile.compares_scopes(config):
        return None
    granted = granted_scopes(token)
    if granted is None:
        return None
    asked = set(config.scopes)
    extra = tuple(scope for scope in dict.fromkeys(granted) if scope not in asked)
    if not extra:
        return None
    where = profile.scopes_granted_at if profile is not None else "the authorization server's client settings"
    return ScopeComparison(granted=granted, extra=extra, where=where)
