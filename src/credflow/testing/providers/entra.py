"""`EntraImitation`: the Microsoft Entra ID v2.0 token endpoint, client credentials only.

Proves: credflow's `entra` profile sends what the v2.0 endpoint accepts (URL
shape `/{tenant}/oauth2/v2.0/token`, one `{resource}/.default` scope, no
`resource`, the secret in the body or Basic) and turns each documented error
body (AADSTS code in `error_description` and `error_codes`, `trace_id`,
`correlation_id`) into its hint. Several secrets with expiry dates, as an app
registration has, model rotation. Certificate credentials (`add_certificate`):
an RFC 7523 assertion signed RS256 or PS256 by the certificate's key, found by
its `x5t#S256` (or SHA-1 `x5t`) header, `iss` = `sub` = the client id, `aud` =
the v2.0 token endpoint, within its time range (five minutes' leeway).
Federated credentials (`add_federated_credential`, workload identity): a token
from a trusted issuer whose `iss`, `sub` and `aud` (`api://AzureADTokenExchange`)
match the registration, signed by a key of that issuer's JWKS.

Cannot prove: that Microsoft still words its errors this way, token lifetimes
(randomised 60-90 min in the real service), conditional access, throttling
limits, consent, certificate expiry and chain rules, the exact order in which
the real service checks an assertion, or a federated issuer's JWKS fetched
from its discovery document (here the keys are handed in). Test against a
real tenant before relying on a new behaviour.

Sources: learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (request,
response with `expires_in`/`ext_expires_in` and no `scope`); .../reference-error-codes (error body
shape and the AADSTS numbers); .../scenario-daemon-acquire-token (`/.default`; app permissions
arrive in the `roles` claim); .../certificate-credentials (assertion header `alg` PS256 (RS256 in
earlier versions of the page), `x5t#S256` (SHA-1 `x5t` earlier), claims `aud` = the v2.0 token
endpoint, `iss` = `sub` = the client id); .../workload-id/workload-identity-federation (audience
`api://AzureADTokenExchange`).

Error codes, verified against published answers: AADSTS700027 ("Client assertion contains an invalid
signature" in Microsoft's Azure SDK troubleshooting page; "The certificate with identifier used to sign
the client assertion is not registered on application. [Reason - The key was not found., ...]" as a
real answer quotes it), AADSTS700024 ("Client assertion is not within its valid time range", Azure
DevOps' workload-identity errors), AADSTS700023 ("Client assertion audience claim does not match Realm
issuer") and AADSTS700021 ("Client assertion application identifier doesn't match 'client_id'
parameter") from the same Azure SDK page, AADSTS70021 (400 `invalid_request`, "No matching federated
identity record found for presented assertion. Assertion Issuer: ... Assertion Subject: ... Assertion
Audience: ...", quoted in Azure/azure-workload-identity#616), AADSTS7000218 ("The request body must
contain the following parameter: 'client_assertion' or 'client_secret'", MicrosoftDocs/azure-docs
#25959). Assumed: the HTTP status 401 with `invalid_client` for the 7000xx assertion codes (as for
secrets), the text after each verified sentence, AADSTS50027 for an assertion that is not a JWT, and
700027 for an algorithm other than RS256 / PS256 and for a federated token's bad signature.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from ._assertions import (
    ASSERTION_TYPE,
    ReadAssertion,
    RegisteredCertificate,
    audiences,
    key_set,
    read_assertion,
    signature_valid,
    time_valid,
)
from ._base import ImitatedClient, ProviderImitation, Secret, json_response

__all__ = ["EXCHANGE_AUDIENCE", "EntraImitation", "FederatedCredential"]

#: The audience a federated token must carry (workload identity federation's default and only advice).
EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"
#: certificate-credentials: "alg: Should be PS256" (RS256 in the page's earlier versions).
_CERTIFICATE_ALGORITHMS = ("RS256", "PS256")


@dataclass(frozen=True)
class FederatedCredential:
    """An app's federated identity credential: the issuer trusted, the subject and audience it asserts."""

    issuer: str
    subject: str
    jwks: dict[str, Any]
    audience: str = EXCHANGE_AUDIENCE


class EntraImitation(ProviderImitation):
    """One tenant of Microsoft Entra ID. `add_client(..., scopes=roles, resources=[app ID URIs])`."""

    provider = "entra"
    default_lifetime = 3599  # the documented example answer: "expires_in": 3599

    def __init__(self, *, tenant: str = "contoso.onmicrosoft.com", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.tenant = tenant
        self.tenant_id = "72f988bf-86f1-41af-91ab-2d7cd011db47"
        self._certificates: dict[str, list[RegisteredCertificate]] = {}
        self._federated: dict[str, list[FederatedCredential]] = {}

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
            "token_endpoint_auth_signing_alg_values_supported": list(_CERTIFICATE_ALGORITHMS),
            "jwks_uri": f"{self.base_url}/{self.tenant}/discovery/v2.0/keys",
        }

    def add_secret(self, client_id: str, value: str, *, expires_at: float | None = None) -> None:
        """Add a secret (an app registration holds several), optionally expiring at `expires_at`."""
        self.clients[client_id].secrets.append(Secret(value, 0.0, expires_at))

    def add_certificate(self, client_id: str, certificate_pem: str) -> str:
        """Upload a certificate's public half to the app (Certificates & secrets); its x5t#S256 returned."""
        registered = RegisteredCertificate.from_pem(certificate_pem)
        with self._lock:
            self._certificates.setdefault(client_id, []).append(registered)
        return registered.x5t_s256

    def remove_certificate(self, client_id: str, x5t_s256: str) -> None:
        """Delete the certificate with thumbprint `x5t_s256` from the app (the end of a rotation)."""
        with self._lock:
            kept = [c for c in self._certificates.get(client_id, []) if c.x5t_s256 != x5t_s256]
            self._certificates[client_id] = kept

    def add_federated_credential(self, client_id: str, credential: FederatedCredential) -> None:
        """Trust tokens from `credential.issuer` for the app (a federated identity credential)."""
        key_set(credential.jwks)  # a malformed JWKS fails here, not at a request
        with self._lock:
            self._federated.setdefault(client_id, []).append(credential)

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
        client_id, secret, how = auth
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
        if "client_assertion" in params or "client_assertion_type" in params:
            refused = self._assertion_refused(client, params)
            if refused is not None:
                return refused
            return self._issued(client, params)
        if how == "none":
            return self._error(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or "
                "'client_secret'.",
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
        return self._issued(client, params)

    def _issued(self, client: ImitatedClient, params: dict[str, str]) -> Response:
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
                "appid": client.client_id,
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

    # -- client assertions (certificate and federated credentials) -----------------------------

    def _assertion_refused(self, client: ImitatedClient, params: dict[str, str]) -> Response | None:
        """The AADSTS answer refusing the request's client assertion, or None when it is accepted."""
        assertion = params.get("client_assertion", "")
        read = read_assertion(assertion)
        if params.get("client_assertion_type") != ASSERTION_TYPE or read is None:
            return self._error(
                400, "invalid_request", 50027, "Invalid JWT token. The token is not in a valid format."
            )
        if read.claims.get("iss") != client.client_id:
            return self._federated_refused(client, assertion, read)
        if read.claims.get("sub") != client.client_id:
            return self._error(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter. Review the "
                "documentation at "
                "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
            )
        if read.algorithm not in _CERTIFICATE_ALGORITHMS:
            return self._error(
                401,
                "invalid_client",
                700027,
                f"Client assertion contains an invalid signature. [Reason - '{read.algorithm}' is not a "
                "supported signature algorithm.]",
            )
        thumbprint = read.header.get("x5t#S256") or read.header.get("x5t")
        with self._lock:
            registered = list(self._certificates.get(client.client_id, []))
        match = next((c for c in registered if thumbprint in (c.x5t_s256, c.x5t)), None)
        if match is None:
            return self._error(
                401,
                "invalid_client",
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on "
                f"application. [Reason - The key was not found., Thumbprint of key used by client: "
                f"'{thumbprint}', Please visit the Azure Portal, Graph Explorer or directly use MS Graph to "
                f"see configured keys for app Id '{client.client_id}'.]",
            )
        if not signature_valid(assertion, match.key, read.algorithm):
            return self._error(
                401,
                "invalid_client",
                700027,
                "Client assertion contains an invalid signature. [Reason - The key used is not valid., "
                f"Thumbprint of key used by client: '{thumbprint}']",
            )
        endpoints = {
            f"{self.base_url}/{tenant}/oauth2/v2.0/token" for tenant in (self.tenant, self.tenant_id)
        }
        if not endpoints.intersection(audiences(read.claims)):
            return self._error(
                401,
                "invalid_client",
                700023,
                "Client assertion audience claim does not match Realm issuer. Review the documentation at "
                "https://learn.microsoft.com/entra/identity-platform/certificate-credentials .",
            )
        return self._time_refused(read)

    def _federated_refused(
        self, client: ImitatedClient, assertion: str, read: ReadAssertion
    ) -> Response | None:
        claims = read.claims
        with self._lock:
            trusted = list(self._federated.get(client.client_id, []))
        match = next(
            (
                f
                for f in trusted
                if f.issuer == claims.get("iss")
                and f.subject == claims.get("sub")
                and f.audience in audiences(claims)
            ),
            None,
        )
        if match is None:
            shown = ", ".join(audiences(claims))
            return self._error(
                400,
                "invalid_request",
                70021,
                "No matching federated identity record found for presented assertion. Assertion Issuer: "
                f"'{claims.get('iss')}'. Assertion Subject: '{claims.get('sub')}'. Assertion Audience: "
                f"'{shown}'. https://learn.microsoft.com/entra/workload-id/workload-identity-federation",
            )
        keys = [k for k in key_set(match.jwks).keys if read.key_id is None or k.kid == read.key_id]
        if not any(signature_valid(assertion, key, read.algorithm) for key in keys):
            return self._error(401, "invalid_client", 700027, "Client assertion failed signature validation.")
        return self._time_refused(read)

    def _time_refused(self, read: ReadAssertion) -> Response | None:
        now = self.clock()
        if time_valid(read.claims, now):
            return None
        stamp = datetime.fromtimestamp(now, UTC).strftime("%m/%d/%Y %H:%M:%S")
        return self._error(
            401,
            "invalid_client",
            700024,
            f"Client assertion is not within its valid time range. Current time: {stamp}, expiry time "
            f"of assertion {read.claims.get('exp')}.",
        )

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
