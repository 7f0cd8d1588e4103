"""Auth0.

Sources (checked when this was written):
- Client credentials: https://auth0.com/docs/api/authentication (POST `https://{domain}/oauth/token`,
  `audience` = an API identifier, optional `organization`).
- Default audience and M2M: https://support.auth0.com/center/s/article/Client-credentials-grant-requires-audience-parameter
- 403 "Client is not authorized to access ..." (missing client grant):
  github.com/auth0/auth0-python issue #173.
- Rate limits: x-ratelimit-limit / -remaining / -reset (UNIX time), https://auth0.com/docs/troubleshoot/customer-support/operational-policies/rate-limit-policy
- M2M quotas: `Auth0-Client-Quota-Limit: b=per_hour;q=..;r=..;t=..`, https://auth0.com/docs/fine-grained-m2m-token-quotas-early-access
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._profile import Endpoints, Profile, host_setting, rejected_secret_hint

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..errors import OAuthError

__all__ = ["Auth0Profile"]


class Auth0Profile(Profile):
    """`provider = "auth0"`."""

    name = "auth0"
    title = "Auth0"
    scopes_granted_at = (
        "the client grant: Applications > APIs > (the API) > Machine to Machine Applications, untick the "
        "permissions (or PATCH /api/v2/client-grants/{id} with the scopes to keep)"
    )

    def check(self, config: ClientConfig) -> None:
        host_setting(config.domain, "domain", "auth0", "acme.eu.auth0.com")
        if config.audience is None and not config.default_audience:
            raise ConfigError(
                "audience: provider = 'auth0' needs audience, the Identifier of the API under Applications > "
                "APIs (such as 'https://api.acme.example'); set default_audience = true only if the tenant "
                "has a default audience that applies to client credentials"
            )

    def derive(self, config: ClientConfig) -> Endpoints:
        base = f"https://{config.domain}"
        return Endpoints(
            token_endpoint=f"{base}/oauth/token",
            issuer=f"{base}/",
            discovery_url=f"{base}/.well-known/openid-configuration",
        )

    def rejects_secret(self, error: OAuthError) -> bool:
        # Auth0 answers a wrong secret with 401 access_denied "Unauthorized", not invalid_client.
        return error.status == 401 and error.error == "access_denied"

    def hint(self, config: ClientConfig, error: OAuthError, body: Mapping[str, Any]) -> str | None:
        description = error.error_description or ""
        if error.status == 403 and "Service not enabled within domain" in description:
            return (
                f"Auth0: the API identifier in audience ({config.audience!r}) is not registered in tenant "
                f"{config.domain}: set audience to an API's Identifier (Applications > APIs)"
            )
        if error.status == 403 and "is not authorized to access" in description:
            return (
                f"Auth0: client_id {config.client_id!r} has no client grant for the API {config.audience!r}: "
                "authorize the application on the API's Machine to Machine Applications tab "
                "(or POST /api/v2/client-grants)"
            )
        if self.rejects_secret(error) or error.error == "invalid_client":
            return rejected_secret_hint(
                config,
                self.title,
                "the secret is wrong or was rotated; after rotate-secret the old secret stops working "
                "within about 30 s, so keep the previous value in rotation.fallback_secrets",
            )
        if error.error == "access_denied" and config.organization is not None:
            return (
                f"Auth0: organization {config.organization!r} may not use this client grant: allow the "
                "organization on the client grant (organization_usage)"
            )
        return None
