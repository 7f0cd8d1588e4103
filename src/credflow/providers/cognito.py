"""Amazon Cognito user pools.

Sources (checked when this was written):
- https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html: POST
  `https://{domain}/oauth2/token`; "the client must pass its client_id and client_secret in the
  authorization header through Basic HTTP authorization"; errors `invalid_request`, `invalid_client`,
  `invalid_grant`, `unauthorized_client`, `unsupported_grant_type`, `invalid_scope`, without description.
- Scopes of resource servers are `{resource-server-identifier}/{scope-name}`:
  https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
- Two active client secrets: AddUserPoolClientSecret ("Supports up to 2 active secrets per app client").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._profile import Endpoints, Profile, host_setting, rejected_secret_hint

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..errors import OAuthError

__all__ = ["CognitoProfile"]


class CognitoProfile(Profile):
    """`provider = "cognito"`."""

    name = "cognito"
    title = "Amazon Cognito"
    scopes_granted_at = (
        "the app client's allowed custom scopes "
        "(aws cognito-idp update-user-pool-client --allowed-o-auth-scopes)"
    )

    def check(self, config: ClientConfig) -> None:
        host_setting(config.domain, "domain", "cognito", "acme.auth.eu-west-1.amazoncognito.com")
        if config.auth_method != "client_secret_basic":
            raise ConfigError(
                f"auth_method: Cognito's token endpoint takes the client secret in HTTP Basic only; "
                f"auth_method = {config.auth_method!r} contradicts provider = 'cognito': remove auth_method"
            )
        for index, scope in enumerate(config.scopes):
            head, _, tail = scope.rpartition("/")
            if not head or not tail:
                raise ConfigError(
                    f"scopes[{index}]: Cognito's client credentials scopes are "
                    f"'<resource server identifier>/<scope name>', such as 'billing-api/read'; got {scope!r}"
                )
        if config.audience is not None or config.resource:
            raise ConfigError(
                "audience: Cognito takes neither audience nor resource; the resource server is the part of "
                "each scope before its last '/'"
            )

    def derive(self, config: ClientConfig) -> Endpoints:
        base = f"https://{config.domain}"
        # The issuer is cognito-idp.{region}.amazonaws.com/{pool id}, which the domain does not tell.
        return Endpoints(
            token_endpoint=f"{base}/oauth2/token",
            issuer=base,
            discovery_url=f"{base}/.well-known/openid-configuration",
        )

    def hint(self, config: ClientConfig, error: OAuthError, body: Mapping[str, Any]) -> str | None:
        # Cognito's error bodies carry no description: each gets one here.
        cid = config.client_id
        match error.error:
            case "invalid_client":
                return rejected_secret_hint(
                    config,
                    self.title,
                    "no app client has this id and secret (two secrets can be active: add the new one with "
                    "add-user-pool-client-secret before deleting the old)",
                )
            case "unauthorized_client":
                return (
                    f"{self.title}: app client {cid!r} is not allowed the client credentials flow: allow "
                    "'client_credentials' in its OAuth flows and give it a secret"
                )
            case "invalid_scope":
                return (
                    f"{self.title}: scopes {list(config.scopes)} are not all allowed custom scopes of "
                    f"app client "
                    f"{cid!r} (each '<resource server identifier>/<scope>')"
                )
            case "invalid_grant":
                return f"{self.title}: app client {cid!r} is not set up for OAuth (no allowed OAuth flows)"
            case "unsupported_grant_type":
                return f"{self.title}: the pool does not accept grant_type client_credentials for {cid!r}"
            case "invalid_request":
                return (
                    f"{self.title}: the request for app client {cid!r} lacks a parameter or its Basic header"
                )
        return None
