"""`EntraImitation`: the Microsoft Entra ID v2.0 token endpoint, client credentials only.

Proves: credflow's `entra` profile sends what the v2.0 endpoint accepts (URL
shape `/{tenant}/oauth2/v2.0/token`, one `{resource}/.default` scope, no
`resource`, the secret in the body or Basic) and turns each documented error
body (AADSTS code in `error_description` and `error_codes`, `trace_id`,
`correlation_id`) into its hint. Several secrets with expiry dates, as an app
registration has, model rotation.

Cannot prove: that Microsoft still words its errors this way, token lifetimes
(randomised 60-90 min in the real service), conditional access, throttling
limits, certificates' `x5t#S256` checks, or consent. Test against a real
tenant before relying on a new behaviour.

Sources: learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (request,
response with `expires_in`/`ext_expires_in` and no `scope`); .../reference-error-codes (error body
shape and the AADSTS numbers); .../scenario-daemon-acquire-token (`/.default`; app permissions
arrive in the `roles` claim).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ._base import ProviderImitation, Secret, json_response

__all__ = ["EntraImitation"]


class EntraImitation(ProviderImitation):
    """One tenant of Microsoft Entra ID. `add_client(..., scopes=roles, resources=[app ID URIs])`."""

    provider = "entra"
    default_lifetime = 3599  # the documented example answer: "expires_in": 3599

    def __init__(self, *, tenant: str = "contoso.onmicrosoft.com", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"

    @property
    def token_endpoint(self) -> str:
        return f"{self.base_url}{self.token_path()}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.tenant_id}/v2.0"

    def token_path(self) -> str:
        return f"/{self.tenant}/oauth2/v2.0/token"

    def discovery(self, path: str) -> dict[str, Any] | None:
        # Served for the tenant's domain and its id alike; the issuer names the id either way.
        if path not in (f"/{t}/v2.0/.well-known/openid-configuration" for t in (self.tenant, self.tenant_id)):
            return None
        return {
            "issuer": self.issuer,
            "token_endpoint": self.token_endpoint,
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{self.base_url}/{self.tenant}/discovery/v2.0/keys",
        }

    def add_secret(self, client_id: str, value: str, *, expires_at: float | None = None) -> None:
        """Add a secret (an app registration holds several), optionally expiring at `expires_at`."""
        self.clients[client_id].secrets.append(Secret(value, 0.0, expires_at))

    def expire_secrets(self, client_id: str, value: str | None = None) -> None:
        """Let the secrets of `client_id` (only `value`, if given) pass their expiry date."""
        for secret in self.clients[client_id].secrets:
            if value is None or secret.value == value:
                secret.valid_until = self.clock() - 1

    def route(self, request: Request) -> Response:
        # Any other tenant in the path: AADSTS90002 (reference-error-codes: "Tenant {tenantName} not found").
        parts = request.path.split("/")
        if (
            request.method == "POST"
            and request.path.endswith("/oauth2/v2.0/token")
            and parts[1] != self.tenant
        ):
            return self._error(
                400,
                "invalid_request",
                90002,
                f"Tenant '{parts[1]}' not found. Check to make sure you have the "
                "correct tenant ID and are signing into the correct cloud.",
            )
        return super().route(request)

    def token(self, request: Request, params: dict[str, str], auth: tuple[str, str, str]) -> Response:
        client_id, secret, _how = auth
        if params.get("grant_type") != "client_credentials":
            return self._error(
                400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type."
            )
        if "resource" in params:
            return self._error(
                400, "invalid_request", 901002, "The 'resource' request parameter isn't supported."
            )
        client = self.clients.get(client_id)
        if client is None:
            return self._error(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{client_id}' was not found in the directory "
                f"'{self.tenant}'. This "
                "can happen if the application has not been installed by the administrator of the tenant.",
            )
        state = self.secret_state(client, secret)
        if state == "expired":
            return self._error(
                401,
                "invalid_client",
                7000222,
                f"The provided client secret keys for app '{client_id}' are expired.",
            )
        if state == "wrong":
            return self._error(
                401,
                "invalid_client",
                7000215,
                "Invalid client secret provided. Ensure the secret being sent in the request is the "
                "client secret "
                f"value, not the client secret ID, for a secret added to app '{client_id}'.",
            )
        scopes = params.get("scope", "").split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            return self._error(
                400,
                "invalid_scope",
                1002012,
                f"The provided value for scope {params.get('scope', '')} is not valid. Client "
                f"credential flows must "
                "have a scope value with /.default suffixed to the resource identifier (application ID URI).",
            )
        resource = scopes[0].removesuffix("/.default")
        if resource not in client.options.get("resources", ()):
            return self._error(
                400,
                "invalid_resource",
                500011,
                f"The resource principal named {resource} was not found in the tenant named "
                f"{self.tenant}. This can "
                "happen if the application has not been installed by the administrator of the tenant.",
            )
        token = self.issue_jwt(
            {
                "aud": resource,
                "appid": client_id,
                "tid": self.tenant_id,
                "roles": list(client.scopes),
                "ver": "2.0",
            }
        )
        # No `scope` in the answer: permissions travel in the token's `roles` claim.
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": self.token_lifetime,
            "ext_expires_in": self.token_lifetime,
            "access_token": token,
        }
        if self.token_lifetime >= 7200:
            # Long-lived tokens carry `refresh_in`, half the lifetime, as MSAL reads it.
            body["refresh_in"] = self.token_lifetime // 2
        return json_response(200, body)

    def rate_limited(self, reset_at: float) -> Response:
        response = self._error(
            429, "temporarily_unavailable", 50196, "The server is temporarily unavailable."
        )
        response.headers["Retry-After"] = str(max(1, round(reset_at - self.clock())))
        return response

    def _error(self, status: int, error: str, code: int, text: str) -> Response:
        trace_id, correlation_id = _guid(), _guid()
        stamp = datetime.fromtimestamp(self.clock(), UTC).strftime("%Y-%m-%d %H:%M:%SZ")
        body = {
            "error": error,
            "error_description": (
                f"AADSTS{code}: {text}\r\nTrace ID: {trace_id}\r\nCorrelation ID: "
                f"{correlation_id}\r\nTimestamp: {stamp}"
            ),
            "error_codes": [code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://login.microsoftonline.com/error?code={code}",
        }
        return json_response(status, body)


def _guid() -> str:
    raw = secrets.token_hex(16)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"
