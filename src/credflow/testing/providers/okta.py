"""`OktaImitation`: an Okta org's token endpoints, the org server and custom authorization servers.

Proves: credflow's `okta` profile uses `/oauth2/v1/token` (org) or
`/oauth2/{id}/v1/token` (custom), asks for scopes the server defines (none:
its default scopes, else `invalid_scope`), reads `invalid_client` /
`invalid_scope` / `unauthorized_client` with Okta's wording, and waits out a
429 that carries `X-Rate-Limit-Reset` (epoch seconds) and no `Retry-After`.
Rotation: two secrets can be active; `add_secret` / `deactivate_secret`.
The org server refuses a client secret for client credentials (it wants
private_key_jwt), as documented. private_key_jwt (`set_public_keys`, the app's
"Public key / Private key" client authentication with its JWKS): an RFC 7523
assertion whose header names a registered `kid`, signed by that key, `iss` =
`sub` = the client id, `aud` exactly the token endpoint the request was sent
to, not expired, `jti` not seen before; then the client's secrets no longer
work. Accepted on the org server and on custom servers.

Cannot prove: the real rate-limit buckets and concurrency limits, access
policy evaluation beyond "these scopes for this client", hooks, DPoP, the
org server's Okta API scopes being granted, the exact order of Okta's checks,
its maximum assertion lifetime, or its JWKS URL registration.

Sources: developer.okta.com/docs/concepts/auth-servers (org vs custom server URLs);
developer.okta.com/docs/guides/oauth-for-okta/use-client-credentials-grant-flow (org server:
private_key_jwt only); developer.okta.com/docs/reference/rl-best-practices (X-Rate-Limit-Limit,
-Remaining, -Reset "in UTC epoch time (in seconds)"); the 429 body is Okta's E0000047 error object;
developer.okta.com/docs/guides/build-self-signed-jwt (the assertion's claims, `kid` in the header).
Assertion refusals, 401 `invalid_client`, verified in Okta's support articles: "The client_assertion
JWT kid is invalid." (kid missing or not registered), "The client_assertion signature is invalid.",
"The audience claim for client_assertion must be the endpoint invoked for the request." Assumed
wording: "The client_assertion token is expired.", "The client_assertion token has already been
used." (Okta documents that `jti` prevents replay, not the sentence), "The client_assertion is not a
valid JWT." and "The issuer and subject claims for client_assertion must be the client_id.".
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from ._assertions import ASSERTION_TYPE, audiences, key_set, read_assertion, signature_valid, time_valid
from ._base import ImitatedClient, ProviderImitation, Secret, epoch_after, json_response

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
        #: The Okta API scopes the org authorization server grants (to private_key_jwt clients only).
        self.org_scopes: tuple[str, ...] = ("okta.apps.read", "okta.users.read")
        self._public_keys: dict[str, dict[str, Any]] = {}
        self._seen_jti: dict[str, float] = {}

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

    def set_public_keys(self, client_id: str, jwks: dict[str, Any]) -> None:
        """Make `client_id` a private_key_jwt client with these public keys (each with its `kid`).

        As choosing "Public key / Private key" in the Admin Console: the client's secrets stop
        working. Calling it again replaces the keys (two can be active during a rotation).
        """
        key_set(jwks)  # a malformed JWKS fails here, not at a request
        with self._lock:
            self._public_keys[client_id] = jwks
            self.clients[client_id].secrets.clear()

    def _assertion_refused(self, client: ImitatedClient, params: dict[str, str], endpoint: str) -> str | None:
        """Okta's `error_description` refusing the request's client assertion, or None when accepted."""
        assertion = params.get("client_assertion", "")
        read = read_assertion(assertion)
        if params.get("client_assertion_type") != ASSERTION_TYPE or read is None:
            return "The client_assertion is not a valid JWT."
        with self._lock:
            jwks = self._public_keys.get(client.client_id)
        keys = [] if jwks is None or read.key_id is None else key_set(jwks).keys
        key = next((k for k in keys if k.kid == read.key_id), None)
        if key is None:
            return "The client_assertion JWT kid is invalid."
        if not signature_valid(assertion, key, read.algorithm):
            return "The client_assertion signature is invalid."
        claims = read.claims
        if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
            return "The issuer and subject claims for client_assertion must be the client_id."
        if audiences(claims) != [endpoint]:
            return "The audience claim for client_assertion must be the endpoint invoked for the request."
        now = self.clock()
        if not time_valid(claims, now, leeway=0):
            return "The client_assertion token is expired."
        jti = str(claims.get("jti", ""))
        with self._lock:
            self._seen_jti = {seen: until for seen, until in self._seen_jti.items() if until > now}
            replayed = not jti or jti in self._seen_jti
            self._seen_jti[jti] = float(claims.get("exp", now))
        return "The client_assertion token has already been used." if replayed else None

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
        if client is not None and "client_assertion" in params:
            refused = self._assertion_refused(client, params, self.server_token_endpoint(server))
            if refused is not None:
                return json_response(401, {"error": "invalid_client", "error_description": refused})
            how = "private_key_jwt"
        elif client is None or self.secret_state(client, secret) != "ok":
            text = (
                "The client secret supplied for a confidential client is invalid."
                if client
                else "Client authentication failed. Either the client or the client credentials are invalid."
            )
            return json_response(401, {"error": "invalid_client", "error_description": text})
        if server is None and how != "private_key_jwt":
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
        defined, defaults = self.servers[server] if server is not None else (self.org_scopes, ())
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
