"""`CognitoImitation`: a Cognito user pool domain's `/oauth2/token`, client credentials only.

Proves: credflow's `cognito` profile sends the secret in HTTP Basic (the body
is refused), scopes shaped `resource-server-id/scope`, and adds a description
to each of Cognito's bare error bodies (`{"error":"invalid_client"}` and so
on). An empty `scope` gets every allowed custom scope, which the
least-privilege check reports from the token's `scope` claim (the answer has
no `scope`). Rotation: up to two active secrets
(`add_secret` / `delete_secret`, AddUserPoolClientSecret).

Cannot prove: AWS's request quotas, the issuer (`cognito-idp.{region}.amazonaws.com/{pool}`
serves discovery, not the pool domain), pre-token-generation Lambdas.

Sources: docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html (Basic only,
errors without description, 3600 s default); .../cognito-user-pools-define-resource-servers.html
(scope names); AddUserPoolClientSecret API reference ("up to 2 active secrets per app client").
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ._base import ProviderImitation, Secret, json_response

__all__ = ["CognitoImitation"]


class CognitoImitation(ProviderImitation):
    """A user pool domain. `add_client(..., scopes=allowed custom scopes, client_credentials=True)`."""

    provider = "cognito"
    default_lifetime = 3600

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/oauth2/token"

    @property
    def issuer(self) -> str:
        return self.base_url

    def token_path(self) -> str:
        return "/oauth2/token"

    def discovery(self, path: str) -> dict[str, Any] | None:
        if path != "/.well-known/openid-configuration":
            return None
        return {
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint,
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def add_secret(self, client_id: str, value: str) -> None:
        """AddUserPoolClientSecret: at most two active secrets."""
        client = self.clients[client_id]
        if len(client.secrets) >= 2:
            raise ValueError("LimitExceededException: an app client has at most two secrets")
        client.secrets.append(Secret(value))

    def delete_secret(self, client_id: str, value: str) -> None:
        """DeleteUserPoolClientSecret."""
        client = self.clients[client_id]
        client.secrets = [secret for secret in client.secrets if secret.value != value]

    def rate_limited(self, reset_at: float) -> Response:
        return json_response(429, {"error": "too_many_requests"})

    def token(self, request: Request, params: dict[str, str], auth: tuple[str, str, str]) -> Response:
        client_id, secret, how = auth
        if request.mimetype != "application/x-www-form-urlencoded":
            return json_response(400, {"error": "invalid_request"})
        client = self.clients.get(client_id)
        if how != "basic" or client is None or self.secret_state(client, secret) != "ok":
            return json_response(400, {"error": "invalid_client"})
        if params.get("grant_type") != "client_credentials":
            return json_response(400, {"error": "unsupported_grant_type"})
        if not client.options.get("client_credentials", True):
            return json_response(400, {"error": "unauthorized_client"})
        requested = params.get("scope", "").split()
        if any(scope not in client.scopes for scope in requested):
            return json_response(400, {"error": "invalid_scope"})
        granted = requested or list(client.scopes)
        token = self.issue_jwt(
            {"client_id": client_id, "sub": client_id, "token_use": "access", "scope": " ".join(granted)}
        )
        return json_response(
            200, {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}
        )
