"""Okta.

Sources (checked when this was written):
- Org vs custom authorization server, token endpoints `/oauth2/v1/token` and `/oauth2/{id}/v1/token`:
  https://developer.okta.com/docs/concepts/auth-servers/
- The org server's client credentials grant serves Okta API scopes only, with private_key_jwt:
  https://developer.okta.com/docs/guides/oauth-for-okta/use-client-credentials-grant-flow/
- Rate-limit headers X-Rate-Limit-Limit / -Remaining / -Reset ("UTC epoch time (in seconds)"):
  https://developer.okta.com/docs/reference/rl-best-practices/
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._profile import Endpoints, Profile, host_setting, rejected_secret_hint

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..errors import OAuthError

__all__ = ["OktaProfile"]


class OktaProfile(Profile):
    """`provider = "okta"`."""

    name = "okta"
    title = "Okta"
    scopes_granted_at = (
        "the authorization server: Security > API > Authorization Servers > (server) > Access Policies "
        "(the rule's scopes) and Scopes (untick 'Default scope')"
    )

    def check(self, config: ClientConfig) -> None:
        host_setting(config.domain, "domain", "okta", "acme.okta.com")
        server = config.authorization_server
        if server is not None and (not server or "/" in server or " " in server):
            raise ConfigError(f"authorization_server: expected an id such as 'default', got {server!r}")
        if server is None:
            custom = [scope for scope in config.scopes if not scope.startswith("okta.")]
            if custom:
                raise ConfigError(
                    f"scopes: {', '.join(custom)} are custom scopes, which only a custom authorization "
                    "server grants; without authorization_server the org server grants okta.* scopes only: "
                    "set authorization_server = 'default' (or your server's id)"
                )
            if config.default_scopes:
                raise ConfigError(
                    "default_scopes: the org authorization server (no authorization_server set) has no "
                    "default scopes; set authorization_server, or list scopes"
                )
        if not config.scopes and not config.default_scopes:
            raise ConfigError(
                "scopes: Okta needs at least one scope in a client credentials request; list them, or set "
                "default_scopes = true if the authorization server marks default scopes"
            )

    def derive(self, config: ClientConfig) -> Endpoints:
        base = f"https://{config.domain}"
        server = config.authorization_server
        if server is None:
            return Endpoints(
                token_endpoint=f"{base}/oauth2/v1/token",
                issuer=base,
                discovery_url=f"{base}/.well-known/openid-configuration",
            )
        issuer = f"{base}/oauth2/{server}"
        return Endpoints(
            token_endpoint=f"{issuer}/v1/token",
            issuer=issuer,
            discovery_url=f"{issuer}/.well-known/oauth-authorization-server",
        )

    def assertion_audience_default(
        self, config: ClientConfig, *, token_endpoint: str | None = None, issuer: str | None = None
    ) -> str:
        # private_key_jwt: "aud ... exactly equal to the absolute URL being called", the token
        # endpoint, not the issuer (support.okta.com, "The audience claim for client_assertion must
        # be the endpoint invoked for the request"; developer.okta.com/docs/guides/build-self-signed-jwt).
        return self._token_endpoint(config, token_endpoint)

    def hint(self, config: ClientConfig, error: OAuthError, body: Mapping[str, Any]) -> str | None:
        description = error.error_description or ""
        if error.error == "invalid_client" and "client_assertion" in description:
            return _assertion_hint(config, description)
        if "private_key_jwt" in description and config.authorization_server is None:
            return (
                f"Okta: the org authorization server accepts client credentials from client_id "
                f"{config.client_id!r} only with private_key_jwt: set authorization_server (a custom server) "
                "to use a client secret"
            )
        if error.error == "invalid_client":
            return rejected_secret_hint(
                config,
                self.title,
                "check the secret under the app's General > Client Credentials; two secrets can be active, "
                "so activate the new one before deactivating the old",
            )
        if error.error == "invalid_scope":
            server = config.authorization_server or "(org)"
            return (
                f"Okta: scopes {list(config.scopes)} are not defined on authorization server {server}, or no "
                f"access policy rule allows them for client_id {config.client_id!r}: add them under "
                "Security > API > (server) > Scopes and to a rule"
            )
        if error.error == "unauthorized_client":
            return (
                f"Okta: client_id {config.client_id!r} may not use the client credentials grant: make it an "
                "API Services app, and allow Client Credentials in the access policy rule"
            )
        return None


def _assertion_hint(config: ClientConfig, description: str) -> str:
    """What to fix when Okta refuses a private_key_jwt assertion, by its (documented) description."""
    client = f"client_id {config.client_id!r}"
    if "audience claim" in description:
        return (
            f"Okta: the client assertion of {client} must have aud equal to the token endpoint it is sent "
            "to: set token_endpoint to this authorization server's token endpoint exactly, and remove "
            "assertion_audience (or set assertion_audience = 'token_endpoint')"
        )
    if "kid" in description:
        return (
            f"Okta: the kid of {client}'s assertion is not one of the app's registered public keys: set "
            f"key_id to the kid shown under the app's Public Keys, or register the public half of the key "
            f"read from {config.private_key} (config key private_key)"
        )
    if "expired" in description or "iat" in description or "nbf" in description:
        return (
            f"Okta: the client assertion of {client} was expired or not yet valid when Okta read it: "
            f"synchronise this host's clock (NTP); assertion_lifetime is {config.assertion_lifetime:g} s"
        )
    return rejected_secret_hint(
        config,
        "Okta",
        "the assertion's signature does not match the public key registered under this kid: register the "
        "public half of this key under the app's Public Keys (two keys can be active while rotating)",
    )
