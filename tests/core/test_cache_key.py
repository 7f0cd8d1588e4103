"""The token cache key: built from the token request, so every request field is in it."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType
from typing import Any

import certifi
import pytest
import trustme

from credflow import CachePolicy, ClientConfig, RetryPolicy, RotationPolicy, SecretValue, SinkPolicy
from credflow.client_auth._methods import ClientCertificate, identity
from credflow.engine._cache import cache_key, request_identity
from credflow.protocol import TokenRequest, build_token_request

BASE: dict[str, Any] = {
    "client_id": "billing",
    "client_secret": "env:BILLING_SECRET",
    "token_endpoint": "https://auth.example.com/oauth2/token",
    "scopes": ("api.read",),
}

ENTRA: dict[str, Any] = {"token_endpoint": None, "scopes": ("api://billing/.default",)}

# One change per ClientConfig field that gives a valid, different configuration. A field added
# to ClientConfig must be added here (test_every_config_field_is_classified fails until it is).
VARIATIONS: dict[str, dict[str, Any]] = {
    "client_id": {"client_id": "shipping"},
    "client_secret": {"client_secret": "env:OTHER_SECRET"},
    "token_endpoint": {"token_endpoint": "https://auth.example.com/tenant-b/token"},
    "issuer": {"token_endpoint": None, "issuer": "https://auth.example.com"},
    "scopes": {"scopes": ("api.read", "api.write")},
    "audience": {"audience": "https://api.example.com"},
    "resource": {"resource": ("https://api.example.com/orders",)},
    "auth_method": {"auth_method": "client_secret_post"},
    "basic_auth_encoding": {"basic_auth_encoding": "raw"},
    "extra_params": {"extra_params": {"organization": "b"}},
    "token_type": {"token_type": "DPoP"},
    "default_lifetime": {"default_lifetime": 60.0},
    "max_lifetime": {"max_lifetime": 86400.0},
    "timeout": {"timeout": 3.0},
    "allow_insecure_http": {"allow_insecure_http": True},
    "ca_bundle": {"ca_bundle": certifi.where()},  # a real PEM bundle: it is read when built
    "retry": {"retry": RetryPolicy(attempts=2)},
    "cache": {"cache": CachePolicy(renew_fraction=0.5)},
    "rotation": {"rotation": RotationPolicy(try_versions=True)},
    "sinks": {"sinks": SinkPolicy(file="/run/app/token")},
    "renew_on": {"renew_on": (401, 403)},
    # Client authentication (issue 11): each needs its method, which changes the request.
    "signing_alg": {"auth_method": "client_secret_jwt", "signing_alg": "HS512"},
    "private_key": {"auth_method": "private_key_jwt", "client_secret": None, "private_key": "env:KEY"},
    "key_id": {
        "auth_method": "private_key_jwt",
        "client_secret": None,
        "private_key": "env:K",
        "key_id": "k",
    },
    "certificate": {
        "auth_method": "private_key_jwt",
        "client_secret": None,
        "private_key": "env:KEY",
        "certificate": "env:CERT",
    },
    "client_certificate": {
        "auth_method": "tls_client_auth",
        "client_secret": None,
        "client_certificate": "env:CERT",
        "client_key": "env:KEY",
    },
    "client_key": {
        "auth_method": "self_signed_tls_client_auth",
        "client_secret": None,
        "client_certificate": "env:CERT",
        "client_key": "env:KEY",
    },
    "client_assertion": {
        "auth_method": "client_assertion",
        "client_secret": None,
        "client_assertion": "env:A",
    },
    "assertion_audience": {"auth_method": "client_secret_jwt", "assertion_audience": "token_endpoint"},
    "assertion_lifetime": {"assertion_lifetime": 30.0},
    "assertion_not_before": {"assertion_not_before": True},
    # Provider profiles reach the key through the endpoint they derive and the parameters they add.
    "provider": {
        "provider": "okta",
        "domain": "acme.okta.com",
        "token_endpoint": None,
        "scopes": ("okta.apps.read",),
    },
    "tenant": {"provider": "entra", "tenant": "contoso.onmicrosoft.com", **ENTRA},
    "authority_host": {
        "provider": "entra",
        "tenant": "c.onmicrosoft.us",
        "authority_host": "login.microsoftonline.us",
        **ENTRA,
    },
    "domain": {
        "provider": "auth0",
        "domain": "acme.eu.auth0.com",
        "audience": "https://api",
        "token_endpoint": None,
    },
    "default_audience": {
        "provider": "auth0",
        "domain": "b.auth0.com",
        "default_audience": True,
        "token_endpoint": None,
    },
    "organization": {
        "provider": "auth0",
        "domain": "c.auth0.com",
        "audience": "https://api",
        "organization": "org_1",
        "token_endpoint": None,
    },
    "authorization_server": {
        "provider": "okta",
        "domain": "acme.okta.com",
        "authorization_server": "default",
        "token_endpoint": None,
    },
    "default_scopes": {
        "provider": "okta",
        "domain": "b.okta.com",
        "authorization_server": "aus1",
        "default_scopes": True,
        "scopes": (),
        "token_endpoint": None,
    },
    "base_url": {
        "provider": "keycloak",
        "base_url": "https://sso.example.com",
        "realm": "a",
        "token_endpoint": None,
    },
    "realm": {
        "provider": "keycloak",
        "base_url": "https://sso.example.com",
        "realm": "b",
        "token_endpoint": None,
    },
    "strict_scopes": {"strict_scopes": True},
}

# Provider profile settings: they reach the key only through the token endpoint they derive and
# the parameters they add (both covered above), so the shared-cache tests leave them out.
PROFILE_SETTINGS = {
    "provider",
    "tenant",
    "authority_host",
    "domain",
    "default_audience",
    "organization",
    "authorization_server",
    "default_scopes",
    "base_url",
    "realm",
}

# Settings that change neither the request nor the token: engines differing only by these share
# tokens. The secret reference is here because entries are bound to the secret's value instead.
OUTSIDE_THE_KEY = {
    "client_secret",
    "strict_scopes",
    "timeout",
    "allow_insecure_http",
    "ca_bundle",
    "retry",
    "cache",
    "rotation",
    "sinks",
    "renew_on",
    # How an assertion is signed, not what it asks for: no other token.
    "assertion_lifetime",
    "assertion_not_before",
}
# Settings that change how the answer is read, hence the token kept, without changing the request.
HOW_THE_ANSWER_IS_READ = {"token_type", "default_lifetime", "max_lifetime"}

SECRET = SecretValue("s3cret+/%value")


def config_with(**changes: Any) -> ClientConfig:
    """The base client with `changes` applied."""
    return ClientConfig(**{**BASE, **changes})


def sent(config: ClientConfig) -> TokenRequest:
    """The request `config` sends with the same secret (at its endpoint or its issuer).

    An assertion stands as what identifies it (a signed one differs at every request).
    """
    return build_token_request(config, SECRET, config.token_endpoint or config.issuer or "", identity(config))


def test_every_config_field_is_classified() -> None:
    """Every ClientConfig field has a variation here, so a new setting cannot escape the key tests."""
    assert {spec.name for spec in dataclasses.fields(ClientConfig)} == set(VARIATIONS)


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_a_setting_that_changes_the_request_changes_the_key(name: str) -> None:
    """Whenever varying a setting changes the request sent, it changes the cache key."""
    base, varied = config_with(), config_with(**VARIATIONS[name])
    if sent(base) != sent(varied):
        assert cache_key(base) != cache_key(varied)


@pytest.mark.parametrize("name", sorted(set(VARIATIONS) - OUTSIDE_THE_KEY))
def test_each_setting_of_the_request_or_the_answer_is_in_the_key(name: str) -> None:
    """Each setting that reaches the request or the reading of the answer gives another key."""
    assert cache_key(config_with()) != cache_key(config_with(**VARIATIONS[name]))


@pytest.mark.parametrize("name", sorted(OUTSIDE_THE_KEY))
def test_settings_outside_the_request_keep_the_key(name: str) -> None:
    """Transport, retry, cache, rotation settings and the secret reference leave the key alone."""
    base, varied = config_with(), config_with(**VARIATIONS[name])
    assert (sent(base), cache_key(base)) == (sent(varied), cache_key(varied))


def test_request_settings_are_exactly_those_that_change_the_request() -> None:
    """The classification above matches what build_token_request really sends."""
    changes_request = {
        name for name in VARIATIONS if sent(config_with()) != sent(config_with(**VARIATIONS[name]))
    }
    expected = set(VARIATIONS) - OUTSIDE_THE_KEY - HOW_THE_ANSWER_IS_READ
    assert expected == changes_request


def test_basic_auth_encoding_changes_nothing_sent_with_client_secret_post() -> None:
    """With client_secret_post the Basic encoding is not used, so it does not split the cache."""
    post = config_with(auth_method="client_secret_post")
    assert cache_key(post) == cache_key(post.replace(basic_auth_encoding="raw"))


@pytest.mark.parametrize("name", [spec.name for spec in dataclasses.fields(TokenRequest)])
def test_every_token_request_field_reaches_the_key(name: str) -> None:
    """Changing any field of a built TokenRequest changes its identity (introspected, not listed)."""
    request = sent(config_with())
    value = getattr(request, name)
    changed: Any = (
        _client_certificate()
        if name == "client_certificate"
        else value + "/other"
        if isinstance(value, str)
        else (*value, ("added", "field"))
    )
    assert request_identity(request) != request_identity(dataclasses.replace(request, **{name: changed}))


def test_request_identity_covers_every_token_request_field() -> None:
    """The identity names each field of TokenRequest, so a new field cannot be left out silently."""
    fields = {spec.name for spec in dataclasses.fields(TokenRequest)}
    assert fields == set(request_identity(sent(config_with())))


def test_every_extra_params_pair_is_in_the_key() -> None:
    """Two tenants differing by one extra_params value get different keys."""
    tenant_a = config_with(extra_params={"organization": "a", "region": "eu"})
    tenant_b = config_with(extra_params={"organization": "a", "region": "us"})
    assert cache_key(tenant_a) != cache_key(tenant_b)


def test_order_of_pairs_scopes_and_resources_keeps_the_key() -> None:
    """Order does not change what is granted: reordered scopes, resources and params share a key."""
    first = config_with(
        scopes=("api.read", "api.write"),
        resource=("https://a.example", "https://b.example"),
        extra_params=MappingProxyType({"organization": "a", "region": "eu"}),
    )
    second = config_with(
        scopes=("api.write", "api.read"),
        resource=("https://b.example", "https://a.example"),
        extra_params={"region": "eu", "organization": "a"},
    )
    assert cache_key(first) == cache_key(second)


def test_token_endpoint_and_issuer_with_the_same_url_differ() -> None:
    """A token endpoint and an issuer spelt alike are different origins of tokens."""
    url = "https://auth.example.com/oauth2"
    assert cache_key(config_with(token_endpoint=url)) != cache_key(
        config_with(token_endpoint=None, issuer=url)
    )


def test_key_does_not_depend_on_the_secret_and_is_stable() -> None:
    """The same configuration gives the same key in every call: a hex digest, no secret in it."""
    key = cache_key(config_with())
    assert (key, 64, True) == (cache_key(config_with()), len(key), all(c in "0123456789abcdef" for c in key))


def _client_certificate(common_name: str = "billing") -> ClientCertificate:
    """A real client certificate and key (trustme), as the mTLS methods present them."""
    issued = trustme.CA().issue_cert(f"{common_name}.example")
    key = SecretValue(issued.private_key_pem.bytes().decode())
    return ClientCertificate(issued.cert_chain_pems[0].bytes().decode(), key)


def test_client_certificate_identity_is_its_thumbprint_never_its_key() -> None:
    """Two certificates give two identities; the key's PEM is nowhere in the identity."""
    first, second = _client_certificate("a"), _client_certificate("b")
    request = sent(config_with())
    one = request_identity(dataclasses.replace(request, client_certificate=first))
    two = request_identity(dataclasses.replace(request, client_certificate=second))
    assert (first.thumbprint, False) == (one["client_certificate"], first.key.reveal() in repr(one))
    assert one != two


JWT_BASE: dict[str, Any] = {
    **BASE,
    "auth_method": "private_key_jwt",
    "client_secret": None,
    "private_key": "env:K",
}


@pytest.mark.parametrize(
    ("change", "same_key"),
    [
        ({"key_id": "key-2"}, False),
        ({"signing_alg": "ES256"}, False),
        ({"assertion_audience": "token_endpoint"}, False),
        ({"private_key": "vault:secret/billing#key"}, True),
        ({"certificate": "env:CERT"}, True),
        ({"assertion_lifetime": 10.0}, True),
        ({"assertion_not_before": True}, True),
    ],
)
def test_what_identifies_a_signing_key_is_in_the_key_its_reference_is_not(
    change: dict[str, Any], same_key: bool
) -> None:
    """Key id, algorithm and audience choice split the cache; where the key is kept does not."""
    base = ClientConfig(**JWT_BASE)
    assert same_key == (cache_key(base) == cache_key(base.replace(**change)))


def test_the_two_mtls_methods_have_different_keys() -> None:
    """tls_client_auth and self_signed_tls_client_auth send alike but are checked apart: two keys."""
    pki = ClientConfig(**{**BASE, **VARIATIONS["client_certificate"]})
    assert cache_key(pki) != cache_key(pki.replace(auth_method="self_signed_tls_client_auth"))
