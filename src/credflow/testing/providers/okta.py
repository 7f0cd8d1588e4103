"""`OktaImitation`: an Okta org's token endpoints, the org server and custom authorization servers.

Proves: credflow's `okta` profile uses `/oauth2/v1/token` (org) or
`/oauth2/{id}/v1/token` (custom), asks for scopes the server defines (none:
its default scopes, else `invalid_scope`), reads `invalid_client` /
`invalid_scope` / `unauthorized_client` with Okta's wording, and waits out a
429 that carries `X-Rate-Limit-Reset` (epoch seconds) and no `Retry-After`.
Rotation: two secrets can be active; `add_secret` / `deactivate_secret`.
The org server refuses a client secret for client credentials (it wants
private_key_jwt), as documented.

Cannot prove: the real rate-limit buckets and concurrency limits, access
policy evaluation beyond "these scopes for this client", hooks, DPoP.

Sources: developer.okta.com/docs/concepts/auth-servers (org vs custom server URLs);
developer.okta.com/docs/guides/oauth-for-okta/use-client-credentials-grant-flow (org server:
private_key_jwt only); developer.okta.com/docs/reference/rl-best-practices (X-Rate-Limit-Limit,
-Remaining, -Reset "in UTC epoch time (in seconds)"); the 429 body is Okta's E0000047 error object.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ._base import ProviderImitation, Secret, epoch_after, json_response

__all__ = ["OktaImitation"]


class OktaImitation(ProviderImitation):
    """An Okta org with custom authorization servers `servers` = {id: (scopes, default scopes)}."""

    provider = "okta"
    default_lifetime = 3600

    def __init__(
        self, *, servers: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        #: Custom authorization servers: id -> (scopes it defines, its default scopes).
        self.servers: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = (
            servers if servers is not None else {"default": (("billing.read", "billing.write"), ())}
        )

    @property
    def token_endpoint(self) -> str:
        return self.server_token_endpoint("default")

    def server_token_endpoint(self, server: str | None) -> str:
        """The token endpoint of custom server `server`, or of the org server when None."""
        return (
            f"{self.base_url}/oauth2/v1/token"
            if server is None
            else f"{self.base_url}/oauth2/{server}/v1/token"
        )

    @property
    def issuer(self) -> str:
        return self.base_url

    def route(self, request: Request) -> Response:
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and request.path == "/oauth2/v1/token":
            return self._served(request, None)
        if (
            request.method == "POST"
            and len(parts) == 4
            and parts[0] == "oauth2"
            and parts[2:] == ["v1", "token"]
        ):
            if parts[1] not in self.servers:
                return json_response(
                    404,
                    {
                        "errorCode": "E0000007",
                        "errorSummary": f"Not found: Resource not found: {parts[1]} (AuthorizationServer)",
                    },
                )
            return self._served(request, parts[1])
        if (
            request.method == "GET"
            and len(parts) == 4
            and parts[2:] == [".well-known", "oauth-authorization-server"]
        ):
            server = parts[1]
            return json_response(
                200,
                {
                    "issuer": f"{self.base_url}/oauth2/{server}",
                    "token_endpoint": self.server_token_endpoint(server),
                    "token_endpoint_auth_methods_supported": [
                        "client_secret_basic",
                        "client_secret_post",
                        "client_secret_jwt",
                        "private_key_jwt",
                        "none",
                    ],
                },
            )
        return json_response(
            404,
            {
                "errorCode": "E0000022",
                "errorSummary": "The endpoint does not support the provided HTTP method",
            },
        )

    def _served(self, request: Request, server: str | None) -> Response:
        request.environ["credflow.okta_server"] = server  # per request: the server is threaded
        return self._token(request)

    def add_secret(self, client_id: str, value: str) -> None:
        """POST /api/v1/apps/{appId}/credentials/secrets: a second active secret (at most two)."""
        client = self.clients[client_id]
        active = [secret for secret in client.secrets if secret.valid_until is None]
        if len(active) >= 2:
            raise ValueError("Okta allows two client secrets; deactivate one first")
        client.secrets.append(Secret(value))

    def deactivate_secret(self, client_id: str, value: str) -> None:
        """POST .../secrets/{secretId}/lifecycle/deactivate: the secret stops working at once."""
        for secret in self.clients[client_id].secrets:
            if secret.value == value:
                secret.valid_until = self.clock()

    def rate_limit_headers(self) -> dict[str, str]:
        return {
            "X-Rate-Limit-Limit": "600",
            "X-Rate-Limit-Remaining": "599",
            "X-Rate-Limit-Reset": epoch_after(self.clock, 60),
        }

    def rate_limited(self, reset_at: float) -> Response:
        # No Retry-After: only X-Rate-Limit-Reset says when to come back.
        headers = {
            "X-Rate-Limit-Limit": "600",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(reset_at) + 1),
        }
        body = {
            "errorCode": "E0000047",
            "errorSummary": "API call exceeded rate limit due to too many requests.",
            "errorLink": "E0000047",
            "errorId": "oaeImitated",
            "errorCauses": [],
        }
        return json_response(429, body, headers)

    def token(self, request: Request, params: dict[str, str], auth: tuple[str, str, str]) -> Response:
        server: str | None = request.environ.get("credflow.okta_server")
        client_id, secret, how = auth
        client = self.clients.get(client_id)
        if client is None or self.secret_state(client, secret) != "ok":
            text = (
                "The client secret supplied for a confidential client is invalid."
                if client
                else "Client authentication failed. Either the client or the client credentials are invalid."
            )
            return json_response(401, {"error": "invalid_client", "error_description": text})
        if server is None and how != "none":
            return json_response(
                401,
                {
                    "error": "invalid_client",
                    "error_description": "Client Credentials requests to the Org Authorization Server "
                    "must use the private_key_jwt token_endpoint_auth_method.",
                },
            )
        if params.get("grant_type") != "client_credentials" or not client.options.get(
            "client_credentials", True
        ):
            return json_response(
                400,
                {
                    "error": "unauthorized_client",
                    "error_description": "The client is not authorized to use the provided grant type. "
                    "Configured grant types: [authorization_code].",
                },
            )
        defined, defaults = self.servers[server or "default"]
        requested = params.get("scope", "").split()
        if not requested:
            if not defaults:
                return json_response(
                    400,
                    {
                        "error": "invalid_scope",
                        "error_description": "The authorization server resource does not have any "
                        "configured default scopes, 'scope' must be provided.",
                    },
                )
            requested = list(defaults)
        if any(scope not in defined for scope in requested):
            return json_response(
                400,
                {
                    "error": "invalid_scope",
                    "error_description": "One or more scopes are not configured for the authorization "
                    "server resource.",
                },
            )
        token = self.issue_jwt({"aud": "api://default", "cid": client_id, "sub": client_id, "scp": requested})
        return json_response(
            200,
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "access_token": token,
                "scope": " ".join(requested),
            },
        )
