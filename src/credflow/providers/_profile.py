"""What a provider profile is: derived endpoints, early checks, error hints, scope advice.

A profile is a small stateless object; `credflow.providers` holds one per
provider name. Nothing here does I/O: profiles only read the configuration
and the token endpoint's parsed error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ..errors import ConfigError

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..errors import OAuthError

__all__ = ["Endpoints", "Profile", "host_setting", "rejected_secret_hint"]


@dataclass(frozen=True, slots=True)
class Endpoints:
    """What a profile derives from the configuration."""

    token_endpoint: str
    issuer: str
    discovery_url: str


class Profile:
    """Base of the provider profiles; each subclass documents its provider's rules."""

    name: str = ""
    title: str = ""
    #: Where an administrator removes scopes granted beyond what the client asks for.
    scopes_granted_at: str = "the authorization server"

    def check(self, config: ClientConfig) -> None:
        """Raise `ConfigError` for settings this provider would refuse (before any request)."""

    def derive(self, config: ClientConfig) -> Endpoints:
        """The token endpoint, issuer and discovery URL the settings imply."""
        raise NotImplementedError

    def assertion_audience_default(
        self, config: ClientConfig, *, token_endpoint: str | None = None, issuer: str | None = None
    ) -> str:
        """The `aud` a client assertion (private_key_jwt, certificate, federated) carries.

        Read by `client_auth.assertion_audience` when the client sets no `assertion_audience`;
        `token_endpoint` / `issuer` are the ones in use (discovered, or pointed at an imitation).
        RFC 7523 allows the issuer or the token endpoint: this default is the generic path's
        (the issuer, as the current RFC 7523 update says); a provider documenting the token
        endpoint overrides it.
        """
        return issuer or config.issuer or token_endpoint or self._token_endpoint(config)

    def _token_endpoint(self, config: ClientConfig, token_endpoint: str | None = None) -> str:
        """The token endpoint in use: the one given, else the configured one, else the derived one."""
        return token_endpoint or config.token_endpoint or self.derive(config).token_endpoint

    def hint(self, config: ClientConfig, error: OAuthError, body: Mapping[str, Any]) -> str | None:
        """A sentence in the user's terms for `error`, or None when there is nothing to add."""
        return None

    def rejects_secret(self, error: OAuthError) -> bool:
        """Whether `error` means the secret was refused although `error` is not `invalid_client`."""
        return False

    def compares_scopes(self, config: ClientConfig) -> bool:
        """Whether the requested scopes name exactly what should be granted (False: /.default)."""
        return True


def host_setting(value: str | None, key: str, provider: str, example: str) -> str:
    """`value` checked to be a bare host name (no scheme, path or credentials)."""
    if not value:
        raise ConfigError(f"{key}: provider = '{provider}' needs {key}, such as {key} = '{example}'")
    if not isinstance(value, str) or "://" in value or "/" in value or "@" in value or " " in value:
        raise ConfigError(
            f"{key}: expected a host name such as '{example}' (no https://, path or credentials), got "
            f"{value!r}"
        )
    return value.lower()


def same_host(url: str, other: str) -> bool:
    """Whether two URLs name the same host (an explicit URL elsewhere is an override, not a contradiction)."""
    return (urlsplit(url).hostname or "") == (urlsplit(other).hostname or "")


def rejected_secret_hint(config: ClientConfig, title: str, fix: str) -> str:
    """The common head of a rejected-secret hint: client, config key and secret reference named."""
    # The credential of the client's auth_method: client_secret, or private_key, client_key,
    # client_assertion (client authentication, issue 11).
    from ..config._client import CREDENTIAL_KEYS

    key = CREDENTIAL_KEYS[config.auth_method]
    return (
        f"{title} rejected the secret of client_id {config.client_id!r} read from {config.secret_reference} "
        f"(config key {key}): {fix}"
    )
