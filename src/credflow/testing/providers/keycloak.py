"""`KeycloakImitation`: one realm's OpenID Connect token endpoint, service accounts only.

Proves: credflow's `keycloak` profile uses
`/realms/{realm}/protocol/openid-connect/token`, sends no `audience`, and
reads Keycloak's answers: 401 `unauthorized_client` "Client not enabled to
retrieve service account" (the Service accounts switch is off), 401
`unauthorized_client` "Invalid client or Invalid client credentials" (wrong
secret), `invalid_client` (unknown client). Tokens live 300 s and carry the
client's default client scopes (`profile email`) whether asked or not, which
the least-privilege check reports. Rotation: `regenerate_secret` with the
"client secret rotation" policy keeps the old secret valid for a while.

Cannot prove: realm policies, mappers, fine-grained permissions, or the real
server's version differences (`/auth` prefix before Keycloak 17).

Sources: keycloak.org/docs/latest/server_admin (#_service_accounts, #audience-support, client
secret rotation policy); github.com/louislam/uptime-kuma issue #4202 (the service-account error);
public reports of `{"error":"unauthorized_client","error_description":"Invalid client or Invalid
client credentials"}` for a wrong secret.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ._base import ProviderImitation, Secret, json_response

__all__ = ["KeycloakImitation"]


class KeycloakImitation(ProviderImitation):
    """A realm. `add_client(..., service_accounts=True, default_scopes=("profile", "email"))`."""

    provider = "keycloak"
    default_lifetime = 300  # the realm's default Access Token Lifespan, 5 minutes

    def __init__(self, *, realm: str = "services", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.realm = realm

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}{self.token_path()}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/realms/{self.realm}"

    def token_path(self) -> str:
        return f"/realms/{self.realm}/protocol/openid-connect/token"

    def discovery(self, path: str) -> dict[str, Any] | None:
        if path != f"/realms/{self.realm}/.well-known/openid-configuration":
            return None
        return {
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint,
            "token_endpoint_auth_methods_supported": [
                "private_key_jwt",
                "client_secret_basic",
                "client_secret_post",
                "tls_client_auth",
                "client_secret_jwt",
            ],
        }

    def regenerate_secret(self, client_id: str, new_secret: str, *, rotated_valid_for: float = 0.0) -> None:
        """Credentials > Regenerate; a rotation policy keeps the old secret `rotated_valid_for` s."""
        now = self.clock()
        client = self.clients[client_id]
        for secret in client.secrets:
            secret.valid_until = now + rotated_valid_for
        client.secrets.append(Secret(new_secret))

    def token(self, request: Request, params: dict[str, str], auth: tuple[str, str, str]) -> Response:
        client_id, secret, _how = auth
        client = self.clients.get(client_id)
        if client is None:
            return json_response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
            )
        if self.secret_state(client, secret) != "ok":
            return json_response(
                401,
                {
                    "error": "unauthorized_client",
                    "error_description": "Invalid client or Invalid client credentials",
                },
            )
        if params.get("grant_type") != "client_credentials":
            return json_response(
                400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"}
            )
        if not client.options.get("service_accounts", True):
            return json_response(
                401,
                {
                    "error": "unauthorized_client",
                    "error_description": "Client not enabled to retrieve service account",
                },
            )
        requested = params.get("scope", "").split()
        if any(scope not in client.scopes for scope in requested):
            return json_response(
                400, {"error": "invalid_scope", "error_description": "Invalid scopes: " + " ".join(requested)}
            )
        granted = list(dict.fromkeys([*client.default_scopes, *requested]))
        token = self.issue_jwt(
            {
                "azp": client_id,
                "typ": "Bearer",
                "scope": " ".join(granted),
                "preferred_username": f"service-account-{client_id}",
            }
        )
        body = {
            "access_token": token,
            "expires_in": self.token_lifetime,
            "refresh_expires_in": 0,
            "token_type": "Bearer",
            "not-before-policy": 0,
            "scope": " ".join(granted),
        }
        return json_response(200, body)
