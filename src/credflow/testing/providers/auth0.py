"""`Auth0Imitation`: an Auth0 tenant's `/oauth/token`, client credentials only.

Proves: credflow's `auth0` profile sends `audience` (and `organization`), the
secret in the body or Basic, and reads Auth0's answers: 403 `access_denied`
"Service not enabled within domain" (unknown audience), 403 "Client is not
authorized to access ..." (no client grant), 401 `access_denied`
"Unauthorized" (wrong secret), 429 with `x-ratelimit-*`, and the
`Auth0-Client-Quota-Limit` header. Rotation: one secret per client;
`rotate_secret` models the delay after `rotate-secret` (the old secret keeps
working, the new one is accepted only after `propagation` seconds).

Cannot prove: the real limits and quotas, Actions that rewrite tokens,
custom domains, or that Auth0 keeps these exact messages.

Sources: auth0.com/docs/api/authentication (client credentials request; default lifetime 86400 in
the documented answers); github.com/auth0/auth0-python issue #173 (the client-grant 403 text);
community.auth0.com "How to tell if you are approaching the Rate-Limit" (x-ratelimit-limit,
-remaining, -reset as a UNIX time); auth0.com/docs/fine-grained-m2m-token-quotas-early-access
(`Auth0-Client-Quota-Limit: b=per_hour;q=..;r=..;t=..`).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ._base import ProviderImitation, Secret, epoch_after, json_response

__all__ = ["Auth0Imitation"]


class Auth0Imitation(ProviderImitation):
    """An Auth0 tenant. `apis` are its API identifiers; `add_client(..., grants={audience: scopes})`."""

    provider = "auth0"
    default_lifetime = 86400

    def __init__(
        self,
        *,
        apis: tuple[str, ...] = (),
        default_audience: str | None = None,
        quota_per_hour: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.apis = set(apis)
        self.default_audience = default_audience
        self.quota_per_hour = quota_per_hour
        self.issued = 0

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}/oauth/token"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/"

    def token_path(self) -> str:
        return "/oauth/token"

    def discovery(self, path: str) -> dict[str, Any] | None:
        if path != "/.well-known/openid-configuration":
            return None
        return {
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint,
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "private_key_jwt",
            ],
        }

    def rotate_secret(self, client_id: str, new_secret: str, *, propagation: float = 30.0) -> None:
        """`POST /api/v2/clients/{id}/rotate-secret`: the new secret takes up to `propagation` s to apply."""
        now = self.clock()
        client = self.clients[client_id]
        for secret in client.secrets:
            secret.valid_until = now + propagation
        client.secrets.append(Secret(new_secret, now + propagation))

    def rate_limit_headers(self) -> dict[str, str]:
        headers = {
            "x-ratelimit-limit": "30",
            "x-ratelimit-remaining": "29",
            "x-ratelimit-reset": epoch_after(self.clock, 1),
        }
        if self.quota_per_hour is not None:
            left = max(0, self.quota_per_hour - self.issued)
            headers["Auth0-Client-Quota-Limit"] = f"b=per_hour;q={self.quota_per_hour};r={left};t=3600"
        return headers

    def rate_limited(self, reset_at: float) -> Response:
        headers = {
            "x-ratelimit-limit": "30",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(int(reset_at) + 1),
        }
        return json_response(
            429, {"error": "too_many_requests", "error_description": "Global limit has been reached"}, headers
        )

    def token(self, request: Request, params: dict[str, str], auth: tuple[str, str, str]) -> Response:
        client_id, secret, _how = auth
        if params.get("grant_type") != "client_credentials":
            return json_response(
                403,
                {
                    "error": "unauthorized_client",
                    "error_description": "Grant type not allowed for the client.",
                },
            )
        client = self.clients.get(client_id)
        if client is None or self.secret_state(client, secret) != "ok":
            return json_response(401, {"error": "access_denied", "error_description": "Unauthorized"})
        audience = params.get("audience") or self.default_audience
        if audience is None:
            return json_response(
                403,
                {
                    "error": "access_denied",
                    "error_description": "No audience parameter was provided, and no default audience "
                    "has been configured",
                },
            )
        if audience not in self.apis:
            return json_response(
                403,
                {
                    "error": "access_denied",
                    "error_description": f"Service not enabled within domain: {audience}",
                },
            )
        grants: dict[str, tuple[str, ...]] = client.options.get("grants", {})
        if audience not in grants:
            return json_response(
                403,
                {
                    "error": "access_denied",
                    "error_description": f'Client is not authorized to access "{audience}". You need to '
                    'create a "client-grant" associated to this API. '
                    "See: https://auth0.com/docs/api/v2#!/Client_Grants/post_client_grants",
                },
            )
        requested = params.get("scope", "").split()
        # No scope asked for: every scope of the client grant is granted.
        granted = [scope for scope in grants[audience] if not requested or scope in requested]
        claims: dict[str, Any] = {
            "aud": audience,
            "azp": client_id,
            "sub": f"{client_id}@clients",
            "gty": "client-credentials",
            "scope": " ".join(granted),
        }
        if params.get("organization"):
            claims["org_id"] = params["organization"]
        self.issued += 1
        body = {
            "access_token": self.issue_jwt(claims),
            "scope": " ".join(granted),
            "expires_in": self.token_lifetime,
            "token_type": "Bearer",
        }
        return json_response(200, body)
