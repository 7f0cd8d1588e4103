"""Entra ID certificate and federated credentials against the imitation: tokens, refusals, hints."""

from __future__ import annotations

import datetime
import time
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from credflow import ClientConfig, CredentialsRejectedError, OAuthError
from credflow.client_auth._methods import assertion_audience, certificate_thumbprint
from credflow.testing.providers import EntraImitation
from credflow.testing.providers.entra import EXCHANGE_AUDIENCE, FederatedCredential

from ..client_auth import keys
from ..client_auth.keys import new_key
from ..client_auth.workload import SERVICE_ACCOUNT, ClusterIssuer
from .conftest import EngineFactory

RESOURCE = "api://billing"
CLIENT = "11111111-2222-3333-4444-555555555555"
KEY_ENV, CERT_ENV, FEDERATED_ENV = "ENTRA_TEST_KEY", "ENTRA_TEST_CERT", "ENTRA_TEST_FEDERATED"


def certificate_of(key: keys.TestKey, common_name: str = "billing") -> str:
    """A self-signed certificate (PEM) for `key`, valid one day, as one uploads to an app registration."""
    private = serialization.load_pem_private_key(key.pem.encode(), password=None)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private, hashes.SHA256())  # type: ignore[arg-type]
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture(scope="module")
def key() -> keys.TestKey:
    """The app's RSA key (2048 bits: generated once for the module)."""
    return new_key("RSA")


@pytest.fixture(scope="module")
def certificate(key: keys.TestKey) -> str:
    """The certificate of `key`."""
    return certificate_of(key)


def register(entra: EntraImitation, certificate: str) -> EntraImitation:
    """App CLIENT with resource api://billing and `certificate` uploaded (its secret is never used)."""
    entra.add_client(CLIENT, "unused-secret-of-the-app", scopes=("Invoices.Read",), resources=(RESOURCE,))
    entra.add_certificate(CLIENT, certificate)
    return entra


@pytest.fixture
def entra(credflow_entra: EntraImitation, certificate: str) -> EntraImitation:
    """The imitation with app CLIENT and its certificate registered."""
    return register(credflow_entra, certificate)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch, key: keys.TestKey, certificate: str) -> None:
    """The key and certificate in $ENTRA_TEST_KEY / $ENTRA_TEST_CERT (restored after the test)."""
    monkeypatch.setenv(KEY_ENV, key.pem)
    monkeypatch.setenv(CERT_ENV, certificate)


def settings(entra: EntraImitation, **changes: Any) -> dict[str, Any]:
    """private_key_jwt with a certificate, provider entra, pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "entra",
        "tenant": entra.tenant,
        "client_id": CLIENT,
        "scopes": (f"{RESOURCE}/.default",),
        "token_endpoint": entra.token_endpoint,
        "auth_method": "private_key_jwt",
        "client_secret": None,
        "private_key": f"env:{KEY_ENV}",
        "certificate": f"env:{CERT_ENV}",
    }
    return {**base, **changes}


# -- the audience the profile chooses -------------------------------------------------------------


def real_tenant(**changes: Any) -> ClientConfig:
    """A certificate client of the real contoso tenant (nothing is requested)."""
    base: dict[str, Any] = {
        "provider": "entra",
        "tenant": "contoso.onmicrosoft.com",
        "client_id": CLIENT,
        "scopes": (f"{RESOURCE}/.default",),
        "auth_method": "private_key_jwt",
        "private_key": f"env:{KEY_ENV}",
        "certificate": f"env:{CERT_ENV}",
    }
    return ClientConfig(**{**base, **changes})


def test_entra_assertion_audience_is_the_token_endpoint_not_the_issuer() -> None:
    """Without assertion_audience an Entra client's assertion aud is the v2.0 token endpoint in use."""
    config = real_tenant()
    endpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    assert (endpoint, "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0") == (
        assertion_audience(config, endpoint, config.issuer),
        config.issuer,
    )


def test_entra_assertion_audience_follows_a_discovered_token_endpoint() -> None:
    """The endpoint in use (discovered, or an imitation's) is the aud, not the derived one."""
    config = real_tenant()
    assert "http://127.0.0.1:1/t/oauth2/v2.0/token" == assertion_audience(
        config, "http://127.0.0.1:1/t/oauth2/v2.0/token", config.issuer
    )


def test_explicit_assertion_audience_still_wins() -> None:
    """assertion_audience = 'issuer' on an Entra client sends the issuer, as the user asked."""
    config = real_tenant(assertion_audience="issuer")
    assert config.issuer == assertion_audience(config, "https://x.example/token", config.issuer)


def test_generic_path_keeps_the_issuer() -> None:
    """Without a provider the unset assertion_audience still means the issuer when it is known."""
    config = ClientConfig(
        client_id="svc",
        issuer="https://sso.example",
        auth_method="private_key_jwt",
        private_key=f"env:{KEY_ENV}",
    )
    assert "https://sso.example" == assertion_audience(
        config, "https://sso.example/token", "https://sso.example"
    )


# -- certificate credentials ----------------------------------------------------------------------


def test_certificate_credential_gets_a_token(
    entra: EntraImitation, credentials: None, make_engine: EngineFactory
) -> None:
    """An assertion with x5t#S256 of the registered certificate and aud = the token endpoint is accepted."""
    token = make_engine(**settings(entra)).get_token()
    assert 3599 == round(token.lifetime_seconds)
    [seen] = entra.requests
    assert ("none", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", CLIENT) == (
        seen.client_auth,
        seen.params["client_assertion_type"],
        seen.params["client_id"],
    )
    assert "client_secret" not in seen.params


async def test_certificate_credential_gets_a_token_async(
    entra: EntraImitation, credentials: None, make_engine: EngineFactory
) -> None:
    """The async path, signing PS256 as Entra's certificate-credentials page now recommends."""
    token = await make_engine(**settings(entra, signing_alg="PS256")).aget_token()
    assert token.access_token
    assert 1 == entra.token_requests


def test_key_not_matching_the_certificate(
    entra: EntraImitation, credentials: None, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """AADSTS700027 (invalid signature): the hint names private_key and certificate with their references."""
    monkeypatch.setenv(KEY_ENV, new_key("RSA").pem)
    with pytest.raises(CredentialsRejectedError) as caught:
        make_engine(**settings(entra)).get_token()
    message = str(caught.value)
    assert (700027,) == caught.value.error_codes
    assert (
        f"certificate of client_id {CLIENT!r} is not registered on the app, or the key does not match"
        in message
    )
    assert f"env:{CERT_ENV} (config key certificate)" in message
    assert f"private_key at its private key (now env:{KEY_ENV})" in message
    assert message.index("config key certificate") < message.index("AADSTS700027: Client assertion contains")


def test_certificate_not_registered(
    entra: EntraImitation, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """AADSTS700027 (the key was not found): another key pair's certificate is not on the app."""
    other = new_key("RSA")
    monkeypatch.setenv(KEY_ENV, other.pem)
    monkeypatch.setenv(CERT_ENV, certificate_of(other))
    with pytest.raises(CredentialsRejectedError, match=r"config key certificate.*The key was not found"):
        make_engine(**settings(entra)).get_token()


def test_no_certificate_configured(
    entra: EntraImitation, credentials: None, make_engine: EngineFactory
) -> None:
    """Without certificate the assertion has no thumbprint: the hint says to set certificate."""
    with pytest.raises(
        CredentialsRejectedError, match=r"names no certificate: set certificate to a secret reference"
    ):
        make_engine(**settings(entra, certificate=None)).get_token()


def test_expired_assertion(
    credflow_signing_key: Any, certificate: str, credentials: None, make_engine: EngineFactory
) -> None:
    """AADSTS700024: a host clock an hour behind Entra's gets the clock hint with assertion_lifetime."""
    with EntraImitation(signing_key=credflow_signing_key, clock=lambda: time.time() + 3600) as entra:
        register(entra, certificate)
        with pytest.raises(
            CredentialsRejectedError,
            match=r"not within its valid time range when Entra read it: synchronise this host's clock "
            r"\(NTP\); assertion_lifetime is 60 s.*AADSTS700024",
        ):
            make_engine(**settings(entra)).get_token()


def test_wrong_audience(entra: EntraImitation, credentials: None, make_engine: EngineFactory) -> None:
    """AADSTS700023: assertion_audience = 'issuer' is refused; the hint names assertion_audience."""
    engine = make_engine(**settings(entra, issuer=entra.issuer, assertion_audience="issuer"))
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    message = str(caught.value)
    assert (
        f"client assertion of client_id {CLIENT!r} must have aud equal to the v2.0 token endpoint" in message
    )
    assert "remove assertion_audience" in message
    assert (700023,) == caught.value.error_codes


def test_certificate_rotation(
    entra: EntraImitation,
    credentials: None,
    certificate: str,
    monkeypatch: pytest.MonkeyPatch,
    make_engine: EngineFactory,
) -> None:
    """Upload the new certificate, switch the sources, remove the old one: each step gets a token."""
    assert make_engine(**settings(entra)).get_token().access_token
    new = new_key("RSA")
    new_certificate = certificate_of(new, "billing-2")
    entra.add_certificate(CLIENT, new_certificate)
    monkeypatch.setenv(KEY_ENV, new.pem)
    monkeypatch.setenv(CERT_ENV, new_certificate)
    assert make_engine(**settings(entra)).get_token().access_token
    entra.remove_certificate(CLIENT, certificate_thumbprint(certificate))
    assert make_engine(**settings(entra)).get_token().access_token
    assert 3 == entra.token_requests


# -- federated credentials (workload identity) ----------------------------------------------------


@pytest.fixture
def cluster(entra: EntraImitation) -> ClusterIssuer:
    """A cluster whose service account payments/billing is trusted by app CLIENT."""
    issuer = ClusterIssuer()
    entra.add_federated_credential(CLIENT, FederatedCredential(issuer.issuer, SERVICE_ACCOUNT, issuer.jwks))
    return issuer


def federated(entra: EntraImitation) -> dict[str, Any]:
    """auth_method client_assertion: the projected token read from $ENTRA_TEST_FEDERATED."""
    return settings(
        entra,
        auth_method="client_assertion",
        private_key=None,
        certificate=None,
        client_assertion=f"env:{FEDERATED_ENV}",
    )


def test_federated_token_gets_a_token_without_any_secret(
    entra: EntraImitation, cluster: ClusterIssuer, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """A projected token with aud api://AzureADTokenExchange is exchanged for an Entra token."""
    monkeypatch.setenv(FEDERATED_ENV, cluster.token(audience=EXCHANGE_AUDIENCE))
    assert make_engine(**federated(entra)).get_token().access_token
    assert "client_secret" not in entra.requests[0].params


async def test_federated_token_gets_a_token_async(
    entra: EntraImitation, cluster: ClusterIssuer, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """The async path exchanges the federated token too."""
    monkeypatch.setenv(FEDERATED_ENV, cluster.token(audience=EXCHANGE_AUDIENCE))
    assert (await make_engine(**federated(entra)).aget_token()).access_token


def test_federated_token_with_the_wrong_audience(
    entra: EntraImitation, cluster: ClusterIssuer, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """AADSTS70021: a token for another audience; the hint names client_assertion and the audience."""
    monkeypatch.setenv(FEDERATED_ENV, cluster.token(audience="api://something-else"))
    with pytest.raises(OAuthError) as caught:
        make_engine(**federated(entra)).get_token()
    message = str(caught.value)
    assert ("invalid_request", (70021,)) == (caught.value.error, caught.value.error_codes)
    assert f"read from env:{FEDERATED_ENV} (config key client_assertion)" in message
    assert "aud api://AzureADTokenExchange" in message
    assert "Assertion Audience: 'api://something-else'" in message


def test_federated_token_from_an_untrusted_subject(
    entra: EntraImitation, cluster: ClusterIssuer, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """AADSTS70021: another service account of the same cluster is not trusted."""
    monkeypatch.setenv(FEDERATED_ENV, cluster.token(subject="system:serviceaccount:payments:other"))
    with pytest.raises(OAuthError, match=r"no federated credential of client_id.*AADSTS70021"):
        make_engine(**federated(entra)).get_token()
