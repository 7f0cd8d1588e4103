"""Provider profiles at configuration time: derived endpoints, early checks, contradictions."""

from __future__ import annotations

from typing import Any

import pytest

from credflow import ClientConfig, ConfigError
from credflow.providers import PROFILES, derived_endpoints

BASE: dict[str, Any] = {"client_id": "billing", "client_secret": "env:BILLING_SECRET"}
ENTRA: dict[str, Any] = {
    "provider": "entra",
    "tenant": "contoso.onmicrosoft.com",
    "scopes": ["api://billing/.default"],
}


def config(**settings: Any) -> ClientConfig:
    """A client with BASE plus `settings`."""
    return ClientConfig(**{**BASE, **settings})


@pytest.mark.parametrize(
    ("settings", "token_endpoint", "issuer", "discovery"),
    [
        (
            ENTRA,
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0",
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        ),
        (
            {**ENTRA, "authority_host": "login.microsoftonline.us"},
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/oauth2/v2.0/token",
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/v2.0",
            "https://login.microsoftonline.us/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration",
        ),
        (
            {"provider": "auth0", "domain": "acme.eu.auth0.com", "audience": "https://api.acme.example"},
            "https://acme.eu.auth0.com/oauth/token",
            "https://acme.eu.auth0.com/",
            "https://acme.eu.auth0.com/.well-known/openid-configuration",
        ),
        (
            {"provider": "okta", "domain": "acme.okta.com", "scopes": ["okta.apps.read"]},
            "https://acme.okta.com/oauth2/v1/token",
            "https://acme.okta.com",
            "https://acme.okta.com/.well-known/openid-configuration",
        ),
        (
            {
                "provider": "okta",
                "domain": "acme.okta.com",
                "authorization_server": "default",
                "scopes": ["billing.read"],
            },
            "https://acme.okta.com/oauth2/default/v1/token",
            "https://acme.okta.com/oauth2/default",
            "https://acme.okta.com/oauth2/default/.well-known/oauth-authorization-server",
        ),
        (
            {"provider": "keycloak", "base_url": "https://sso.acme.example/", "realm": "services"},
            "https://sso.acme.example/realms/services/protocol/openid-connect/token",
            "https://sso.acme.example/realms/services",
            "https://sso.acme.example/realms/services/.well-known/openid-configuration",
        ),
        (
            {
                "provider": "cognito",
                "domain": "acme.auth.eu-west-1.amazoncognito.com",
                "scopes": ["billing-api/read"],
            },
            "https://acme.auth.eu-west-1.amazoncognito.com/oauth2/token",
            "https://acme.auth.eu-west-1.amazoncognito.com",
            "https://acme.auth.eu-west-1.amazoncognito.com/.well-known/openid-configuration",
        ),
    ],
    ids=["entra", "entra-sovereign", "auth0", "okta-org", "okta-custom", "keycloak", "cognito"],
)
def test_profile_derives_endpoints(
    settings: dict[str, Any], token_endpoint: str, issuer: str, discovery: str
) -> None:
    """Each profile derives its provider's token endpoint, issuer and discovery URL."""
    client = config(**settings)
    derived = derived_endpoints(client)
    assert (token_endpoint, issuer, discovery) == (
        derived.token_endpoint,
        derived.issuer,
        derived.discovery_url,
    )
    assert (token_endpoint, issuer) == (client.token_endpoint, client.issuer)


def test_every_provider_has_a_profile() -> None:
    """The provider setting's choices and the registry agree."""
    assert {"entra", "auth0", "okta", "keycloak", "cognito"} == set(PROFILES)


def test_explicit_token_endpoint_on_another_host_overrides() -> None:
    """A local imitation's URL replaces the derived endpoint (how the tests reach imitations)."""
    client = config(**ENTRA, token_endpoint="http://127.0.0.1:8080/contoso.onmicrosoft.com/oauth2/v2.0/token")
    assert "http://127.0.0.1:8080/contoso.onmicrosoft.com/oauth2/v2.0/token" == client.token_endpoint


def test_explicit_token_endpoint_on_the_providers_host_that_differs_is_a_contradiction() -> None:
    """An explicit URL on the provider's own host contradicting the derived one names both."""
    with pytest.raises(
        ConfigError, match=r"token_endpoint: .*other-tenant.* contradicts provider = 'entra'.*contoso"
    ):
        config(**ENTRA, token_endpoint="https://login.microsoftonline.com/other-tenant/oauth2/v2.0/token")


def test_setting_of_another_provider_is_a_contradiction() -> None:
    """realm with provider auth0 names both settings."""
    with pytest.raises(ConfigError, match=r"realm: a setting of provider 'keycloak', but provider = 'auth0'"):
        config(provider="auth0", domain="acme.auth0.com", audience="https://api", realm="services")


def test_provider_setting_without_provider_is_refused() -> None:
    """tenant without provider is a contradiction naming both."""
    with pytest.raises(ConfigError, match=r"tenant: a setting of provider 'entra', but provider is not set"):
        config(tenant="contoso.onmicrosoft.com")


def test_replace_derives_again() -> None:
    """replace() with another tenant derives the new endpoint instead of keeping the old one."""
    moved = config(**ENTRA).replace(tenant="fabrikam.onmicrosoft.com")
    assert (
        "https://login.microsoftonline.com/fabrikam.onmicrosoft.com/oauth2/v2.0/token" == moved.token_endpoint
    )


@pytest.mark.parametrize("tenant", ["common", "organizations", "consumers", "Common"])
def test_entra_refuses_multi_tenant_aliases(tenant: str) -> None:
    """The client credentials flow needs a real tenant."""
    with pytest.raises(ConfigError, match=r"tenant: .* multi-tenant alias"):
        config(**{**ENTRA, "tenant": tenant})


def test_entra_shows_the_fixed_scope() -> None:
    """A scope without /.default gets an error showing the value to use."""
    with pytest.raises(ConfigError, match=r"set scopes = \['api://billing/\.default'\]"):
        config(**{**ENTRA, "scopes": ["api://billing/Invoices.Read"]})


def test_entra_refuses_two_resources() -> None:
    """Scopes of two resources cannot be in one client credentials token."""
    with pytest.raises(
        ConfigError, match=r"exactly one resource.*api://billing.*https://graph\.microsoft\.com"
    ):
        config(**{**ENTRA, "scopes": ["api://billing/.default", "https://graph.microsoft.com/.default"]})


def test_entra_refuses_resource_with_the_aadsts_code() -> None:
    """resource is refused on v2.0, with AADSTS901002 and the scope to use instead."""
    with pytest.raises(
        ConfigError, match=r"resource: .*AADSTS901002.*scopes = \['api://billing/\.default'\]"
    ):
        config(**ENTRA, resource=["api://billing"])


def test_entra_assertion_audience_is_the_v2_token_endpoint() -> None:
    """For certificate / federated credentials the assertion's aud is the v2.0 token endpoint."""
    client = config(**ENTRA)
    expected = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert expected == PROFILES["entra"].assertion_audience_default(client)


def test_auth0_needs_audience_unless_default_audience() -> None:
    """Without audience Auth0 is refused, unless the tenant's default audience is declared."""
    with pytest.raises(
        ConfigError, match=r"audience: provider = 'auth0' needs audience.*default_audience = true"
    ):
        config(provider="auth0", domain="acme.auth0.com")
    assert config(provider="auth0", domain="acme.auth0.com", default_audience=True).audience is None


def test_auth0_organization_is_sent() -> None:
    """organization is added to the request parameters."""
    client = config(provider="auth0", domain="acme.auth0.com", audience="https://api", organization="org_123")
    assert "org_123" == client.extra_params["organization"]


def test_auth0_organization_contradicting_extra_params() -> None:
    """organization and extra_params.organization that differ name both."""
    with pytest.raises(
        ConfigError, match=r"extra_params: organization = 'org_a' contradicts organization = 'org_b'"
    ):
        config(
            provider="auth0",
            domain="a.auth0.com",
            audience="x",
            organization="org_b",
            extra_params={"organization": "org_a"},
        )


def test_okta_custom_scopes_need_a_custom_server() -> None:
    """The org server grants okta.* scopes only."""
    with pytest.raises(
        ConfigError, match=r"scopes: billing\.read are custom scopes.*authorization_server = 'default'"
    ):
        config(provider="okta", domain="acme.okta.com", scopes=["billing.read"])


def test_okta_needs_a_scope_unless_defaults() -> None:
    """No scope is refused unless the server has default scopes."""
    settings = {"provider": "okta", "domain": "acme.okta.com", "authorization_server": "default"}
    with pytest.raises(ConfigError, match=r"scopes: Okta needs at least one scope.*default_scopes = true"):
        config(**settings)
    assert () == config(**settings, default_scopes=True).scopes


def test_okta_org_server_has_no_default_scopes() -> None:
    """default_scopes without a custom server contradicts the org server."""
    with pytest.raises(ConfigError, match=r"default_scopes: the org authorization server"):
        config(provider="okta", domain="acme.okta.com", default_scopes=True)


def test_keycloak_refuses_audience_with_the_explanation() -> None:
    """Keycloak's audience comes from client scopes, never a parameter."""
    with pytest.raises(ConfigError, match=r"audience: Keycloak takes no audience parameter.*Audience mapper"):
        config(provider="keycloak", base_url="https://sso.acme.example", realm="services", audience="billing")


def test_keycloak_base_url_must_be_https() -> None:
    """A remote plain-http base_url is refused like any other URL."""
    with pytest.raises(ConfigError, match="base_url"):
        config(provider="keycloak", base_url="http://sso.acme.example", realm="services")


def test_cognito_takes_basic_only() -> None:
    """client_secret_post contradicts the Cognito profile."""
    with pytest.raises(
        ConfigError, match=r"auth_method: Cognito.*HTTP Basic only.*contradicts provider = 'cognito'"
    ):
        config(
            provider="cognito",
            domain="acme.auth.eu-west-1.amazoncognito.com",
            auth_method="client_secret_post",
        )


def test_cognito_scope_shape() -> None:
    """A Cognito scope is resource-server-id/scope."""
    with pytest.raises(ConfigError, match=r"scopes\[0\]: .*'<resource server identifier>/<scope name>'"):
        config(provider="cognito", domain="acme.auth.eu-west-1.amazoncognito.com", scopes=["read"])


@pytest.mark.parametrize("domain", ["https://acme.auth0.com", "acme.auth0.com/path", "user@acme.auth0.com"])
def test_domain_must_be_a_host_name(domain: str) -> None:
    """domain is a bare host name."""
    with pytest.raises(ConfigError, match="domain: expected a host name"):
        config(provider="auth0", domain=domain, audience="x")


def test_unknown_provider_is_a_config_error() -> None:
    """A provider name no profile serves is refused with the choices."""
    with pytest.raises(ConfigError, match=r"provider: expected one of entra, auth0, okta, keycloak, cognito"):
        config(provider="ping", token_endpoint="https://auth.example.com/token")
