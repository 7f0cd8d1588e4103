"""Keycloak.

Sources (checked when this was written):
- Token endpoint `{base}/realms/{realm}/protocol/openid-connect/token`, service accounts ("Service accounts
  roles" switch of a confidential client): https://www.keycloak.org/docs/latest/server_admin/#_service_accounts
- "unauthorized_client (Client not enabled to retrieve service account)" until that switch is on:
  github.com/louislam/uptime-kuma issue #4202.
- Audience from client scopes / audience mappers, not a request parameter:
  https://www.keycloak.org/docs/latest/server_admin/#audience-support
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._security import ensure_no_userinfo, ensure_secure_url
from ..errors import ConfigError
from ._profile import Endpoints, Profile, rejected_secret_hint

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..errors import OAuthError

__all__ = ["KeycloakProfile"]


class KeycloakProfile(Profile):
    """`provider = "keycloak"`."""

    name = "keycloak"
    title = "Keycloak"
    scopes_granted_at = (
        "the client's Client scopes tab (Default client scopes are always granted: make unneeded ones "
        "Optional or remove them)"
    )

    def check(self, config: ClientConfig) -> None:
        if not config.base_url:
            raise ConfigError(
                "base_url: provider = 'keycloak' needs base_url, such as base_url = 'https://sso.acme.example'"
            )
        ensure_no_userinfo(config.base_url, key="base_url", credentials="the secret goes in client_secret")
        ensure_secure_url(config.base_url, allow_insecure_http=config.allow_insecure_http, what="base_url")
        if not config.realm or "/" in config.realm:
            raise ConfigError("realm: provider = 'keycloak' needs realm, the realm name such as 'services'")
        if config.audience is not None:
            raise ConfigError(
                "audience: Keycloak takes no audience parameter; a token's aud comes from the client's "
                "client scopes (an Audience mapper). Remove audience and add an Audience mapper naming "
                "the API "
                f"to a client scope of client {config.client_id!r}"
            )

    def derive(self, config: ClientConfig) -> Endpoints:
        issuer = f"{(config.base_url or '').rstrip('/')}/realms/{config.realm}"
        return Endpoints(
            token_endpoint=f"{issuer}/protocol/openid-connect/token",
            issuer=issuer,
            discovery_url=f"{issuer}/.well-known/openid-configuration",
        )

    def rejects_secret(self, error: OAuthError) -> bool:
        # Keycloak answers a wrong secret of a known client with 401 unauthorized_client
        # "Invalid client or Invalid client credentials" (invalid_client is for an unknown client).
        return error.status == 401 and "Invalid client credentials" in (error.error_description or "")

    def hint(self, config: ClientConfig, error: OAuthError, body: Mapping[str, Any]) -> str | None:
        description = error.error_description or ""
        if "not enabled to retrieve service account" in description:
            return (
                f"Keycloak: turn on 'Service accounts roles' (with Client authentication on) for client "
                f"{config.client_id!r} in realm {config.realm!r}: Clients > {config.client_id} > Settings > "
                "Capability config"
            )
        if error.error == "invalid_client" or self.rejects_secret(error):
            return rejected_secret_hint(
                config,
                self.title,
                f"compare it with Clients > {config.client_id} > Credentials in realm {config.realm!r}",
            )
        if error.error == "invalid_scope":
            return (
                f"Keycloak: scopes {list(config.scopes)} are not client scopes assigned to client "
                f"{config.client_id!r} (as Default or Optional)"
            )
        return None
