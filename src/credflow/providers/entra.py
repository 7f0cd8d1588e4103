"""Microsoft Entra ID (Azure AD), v2.0 endpoint.

Sources (checked when this was written):
- Client credentials flow: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
  (token endpoint `https://{authority}/{tenant}/oauth2/v2.0/token`; scope `{resource}/.default`).
- Scopes: https://learn.microsoft.com/entra/identity-platform/scenario-daemon-acquire-token ("The scope
  to request for a client credential flow is the name of the resource followed by /.default").
- Errors: https://learn.microsoft.com/entra/identity-platform/reference-error-codes (the body carries
  `error_codes`, `trace_id`, `correlation_id`; apps must react to `error`, not to the AADSTS number).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from ._profile import Endpoints, Profile, host_setting, rejected_secret_hint

if TYPE_CHECKING:
    from ..config._client import ClientConfig
    from ..errors import OAuthError

__all__ = ["EntraProfile", "aadsts_codes"]

_MULTI_TENANT = ("common", "organizations", "consumers")
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_AADSTS = re.compile(r"AADSTS(\d+)")
_DEFAULT = "/.default"


def aadsts_codes(error: OAuthError, body: Mapping[str, Any]) -> tuple[int, ...]:
    """The AADSTS numbers of an Entra error: `error_codes`, else those named in the description."""
    listed = body.get("error_codes")
    if isinstance(listed, list) and listed and all(isinstance(code, int) for code in listed):
        return tuple(listed)
    return tuple(int(code) for code in _AADSTS.findall(error.error_description or ""))


# Client assertions (certificate-credentials, workload-identity-federation pages and
# reference-error-codes): 700027 signature / certificate not registered, 700024 and 500133 not within
# the valid time range, 700023 audience, 700021 iss/sub not the client_id, 70021 no federated
# identity credential matches the token's issuer, subject and audience.
_ASSERTION_CODES = (700027, 700024, 500133, 700023, 700021, 70021)


def _assertion_hint(title: str, config: ClientConfig, code: int) -> str:
    """What to fix for a refused client assertion, in the client's settings."""
    client = f"client_id {config.client_id!r}"
    if code == 70021:
        return (
            f"{title}: no federated credential of {client} matches the token read from "
            f"{config.client_assertion} (config key client_assertion): its issuer and subject must be the "
            "ones registered under Certificates & secrets > Federated credentials, and its aud "
            "api://AzureADTokenExchange (the audience of the projected token's volume)"
        )
    if code in (700024, 500133):
        return (
            f"{title}: the client assertion of {client} was not within its valid time range when Entra "
            f"read it: synchronise this host's clock (NTP); assertion_lifetime is "
            f"{config.assertion_lifetime:g} s (a federated token read from client_assertion may have expired)"
        )
    if code == 700023:
        return (
            f"{title}: the client assertion of {client} must have aud equal to the v2.0 token endpoint "
            "(https://{authority_host}/{tenant}/oauth2/v2.0/token): remove assertion_audience, or set "
            "assertion_audience = 'token_endpoint'"
        )
    if code == 700021:
        return (
            f"{title}: the client assertion's iss and sub must both be the application (client) id: "
            f"check client_id ({config.client_id!r})"
        )
    if config.certificate is None:
        return (
            f"{title}: the client assertion of {client} names no certificate: set certificate to a secret "
            "reference of the PEM certificate uploaded to the app (Entra finds the key by its x5t#S256)"
        )
    return (
        f"{title}: the certificate of {client} is not registered on the app, or the key does not match "
        f"it: upload the certificate read from {config.certificate} (config key certificate) under "
        f"Certificates & secrets, and point private_key at its private key (now {config.private_key})"
    )


def _resource_of(scope: str) -> str:
    # Entra takes the audience as everything before the last slash of the scope.
    return scope.rsplit("/", 1)[0] if "/" in scope.rstrip("/") else scope


class EntraProfile(Profile):
    """`provider = "entra"`."""

    name = "entra"
    title = "Microsoft Entra ID"
    scopes_granted_at = (
        "the app registration's API permissions in the Entra admin center (remove the application "
        "permission, then revoke its admin consent): /.default carries every permission consented"
    )

    def check(self, config: ClientConfig) -> None:
        tenant = config.tenant
        if not tenant:
            raise ConfigError(
                "tenant: provider = 'entra' needs tenant, the directory (tenant) id or a verified domain "
                "such as 'contoso.onmicrosoft.com'"
            )
        if tenant.lower() in _MULTI_TENANT:
            raise ConfigError(
                f"tenant: {tenant!r} is a multi-tenant alias, which the client credentials flow cannot use: "
                "set tenant to the directory id (a GUID) or a verified domain of the tenant the app is in"
            )
        if not (_GUID.fullmatch(tenant) or ("." in tenant and "/" not in tenant and " " not in tenant)):
            raise ConfigError(
                f"tenant: expected a directory id (GUID) or a domain such as 'contoso.onmicrosoft.com', "
                f"got {tenant!r}"
            )
        host_setting(config.authority_host, "authority_host", "entra", "login.microsoftonline.com")
        if config.resource:
            # AADSTS901002: "The 'resource' request parameter isn't supported" on the v2.0 endpoint.
            fixed = ", ".join(repr(f"{r.rstrip('/')}{_DEFAULT}") for r in config.resource)
            raise ConfigError(
                "resource: the Entra v2.0 token endpoint refuses the resource parameter (AADSTS901002); "
                f"remove resource and set scopes = [{fixed}]"
            )
        if config.audience is not None:
            raise ConfigError(
                "audience: Entra takes no audience parameter (provider = 'entra'); the audience is the "
                "resource named in scopes ('<application ID URI>/.default'): remove audience"
            )
        if not config.scopes:
            raise ConfigError(
                "scopes: provider = 'entra' needs one scope '<application ID URI>/.default', "
                "such as scopes = ['api://billing/.default']"
            )
        resources = list(dict.fromkeys(_resource_of(scope) for scope in config.scopes))
        if len(resources) > 1:
            options = " or ".join(f"scopes = ['{resource}{_DEFAULT}']" for resource in resources)
            raise ConfigError(
                f"scopes: a client credentials token is for exactly one resource, these scopes name "
                f"{len(resources)} ({', '.join(resources)}); use one client per resource: {options}"
            )
        wrong = [scope for scope in config.scopes if not scope.endswith(_DEFAULT)]
        if wrong or len(config.scopes) > 1:
            raise ConfigError(
                f"scopes: the client credentials flow asks for '<resource>/.default' only (the app's "
                f"consented permissions), got {list(config.scopes)}; set scopes = "
                f"['{resources[0]}{_DEFAULT}']"
            )

    def derive(self, config: ClientConfig) -> Endpoints:
        base = f"https://{config.authority_host.lower()}/{config.tenant}"
        issuer = f"{base}/v2.0"
        return Endpoints(
            token_endpoint=f"{base}/oauth2/v2.0/token",
            issuer=issuer,
            discovery_url=f"{issuer}/.well-known/openid-configuration",
        )

    def assertion_audience_default(
        self, config: ClientConfig, *, token_endpoint: str | None = None, issuer: str | None = None
    ) -> str:
        # Certificate credentials: `aud` is the v2.0 token endpoint, not the issuer
        # (learn.microsoft.com/entra/identity-platform/certificate-credentials, "aud" claim;
        # a wrong one is AADSTS700023). A federated token is sent as issued: its `aud` is
        # api://AzureADTokenExchange, set by its issuer, not by this.
        return self._token_endpoint(config, token_endpoint)

    def compares_scopes(self, config: ClientConfig) -> bool:
        # `/.default` asks for whatever was consented: the granted roles cannot be broader than asked.
        return False

    def hint(self, config: ClientConfig, error: OAuthError, body: Mapping[str, Any]) -> str | None:
        codes = aadsts_codes(error, body)
        tenant, scopes = config.tenant, " ".join(config.scopes)
        for code in codes:
            if code == 7000215:
                return rejected_secret_hint(
                    config,
                    self.title,
                    "it is not a current secret of this app registration; if the stored value looks like a "
                    "GUID it is the secret's ID: store the secret's Value (shown once, when it was created)",
                )
            if code == 7000222:
                return rejected_secret_hint(
                    config,
                    self.title,
                    "the secret has expired: add a new client secret under Certificates & secrets and store "
                    "it there (the rotation recipe is in docs/providers/entra.md)",
                )
            if code == 700016:
                return (
                    f"{self.title}: no application with client_id {config.client_id!r} in tenant {tenant!r}: "
                    "check client_id and tenant (the app may be registered in another tenant, or not "
                    "consented in this one)"
                )
            if code == 70011:
                return (
                    f"{self.title}: scopes = [{scopes!r}] is not valid for client_id {config.client_id!r}: "
                    "use the API's application ID URI followed by /.default"
                )
            if code == 500011:
                return (
                    f"{self.title}: the resource in scopes ({scopes}) is not found in tenant "
                    f"{tenant!r}: check "
                    "the application ID URI and that the API has a service principal (admin consent) there"
                )
            if code in _ASSERTION_CODES:
                return _assertion_hint(self.title, config, code)
            if code == 90002:
                return (
                    f"{self.title}: tenant {tenant!r} (config key tenant) was not found at "
                    f"{config.authority_host}: use the directory id or a verified domain, and the "
                    "authority_host of the tenant's cloud"
                )
            if code == 901002:
                return f"{self.title}: remove resource; put '<resource>/.default' in scopes instead"
        if error.error == "invalid_client":
            return rejected_secret_hint(config, self.title, "check the secret at the app registration")
        return None
