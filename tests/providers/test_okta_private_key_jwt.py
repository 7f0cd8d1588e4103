"""Okta private_key_jwt against the imitation: org and custom servers, refusals with their hints."""

from __future__ import annotations

import time
from typing import Any

import pytest

from credflow import CredentialsRejectedError
from credflow.testing.providers import OktaImitation

from ..client_auth import keys
from ..client_auth.keys import new_key
from .conftest import SECRET, SECRET_ENV, EngineFactory

CLIENT = "0oakdtexeaxklfpc61d7"
KEY_ENV = "OKTA_TEST_KEY"


@pytest.fixture(scope="module")
def key() -> keys.TestKey:
    """The service app's RSA key (generated once for the module)."""
    return new_key("RSA")


def register(okta: OktaImitation, key: keys.TestKey) -> OktaImitation:
    """Service app CLIENT (created with secret SECRET) switched to `key`'s public half (kid: thumbprint)."""
    okta.add_client(CLIENT, SECRET)
    okta.set_public_keys(CLIENT, key.public_set())
    return okta


@pytest.fixture
def okta(credflow_okta: OktaImitation, key: keys.TestKey, monkeypatch: pytest.MonkeyPatch) -> OktaImitation:
    """The org with CLIENT registered for private_key_jwt; its private key in $OKTA_TEST_KEY."""
    monkeypatch.setenv(KEY_ENV, key.pem)
    return register(credflow_okta, key)


def settings(okta: OktaImitation, server: str | None = "default", **changes: Any) -> dict[str, Any]:
    """private_key_jwt with provider okta, at `server` (None: the org server), pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "okta",
        "domain": "acme.okta.com",
        "authorization_server": server,
        "client_id": CLIENT,
        "scopes": ("billing.read",) if server else ("okta.apps.read",),
        "token_endpoint": okta.server_token_endpoint(server),
        "auth_method": "private_key_jwt",
        "client_secret": None,
        "private_key": f"env:{KEY_ENV}",
    }
    return {**base, **changes}


def test_custom_server_token_with_private_key_jwt(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """An assertion with the registered kid and aud = the custom server's token endpoint is accepted."""
    token = make_engine(**settings(okta)).get_token()
    assert "billing.read" == token.scope
    [seen] = okta.requests
    assert ("none", "/oauth2/default/v1/token") == (seen.client_auth, seen.path)


async def test_org_server_token_with_private_key_jwt(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """The org server, which refuses secrets, issues an Okta API scope to private_key_jwt (async path)."""
    token = await make_engine(**settings(okta, server=None)).aget_token()
    assert ("okta.apps.read", "/oauth2/v1/token") == (token.scope, okta.requests[0].path)


def test_wrong_key(
    okta: OktaImitation, key: keys.TestKey, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another key under the registered kid: the signature is invalid; the hint names private_key."""
    monkeypatch.setenv(KEY_ENV, new_key("RSA").pem)
    engine = make_engine(**settings(okta, key_id=key.thumbprint))
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    message = str(caught.value)
    assert (
        f"Okta rejected the secret of client_id {CLIENT!r} read from env:{KEY_ENV} (config key private_key)"
        in message
    )
    assert message.index("config key private_key") < message.index(
        "The client_assertion signature is invalid."
    )


def test_unregistered_kid(
    okta: OktaImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key whose kid is not registered: Okta's kid error; the hint names key_id and private_key."""
    monkeypatch.setenv(KEY_ENV, new_key("RSA").pem)
    with pytest.raises(
        CredentialsRejectedError,
        match=rf"set key_id to the kid shown under the app's Public Keys, or register the public half of the "
        rf"key read from env:{KEY_ENV} \(config key private_key\).*The client_assertion JWT kid is invalid",
    ):
        make_engine(**settings(okta)).get_token()


def test_wrong_audience(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """aud = the issuer is refused; the hint names token_endpoint and assertion_audience."""
    engine = make_engine(
        **settings(okta, assertion_audience="issuer", issuer=f"{okta.base_url}/oauth2/default")
    )
    with pytest.raises(
        CredentialsRejectedError,
        match=r"must have aud equal to the token endpoint it is sent to: set token_endpoint .* remove "
        r"assertion_audience .*must be the endpoint invoked for the request",
    ):
        engine.get_token()


def test_expired_assertion(
    credflow_signing_key: Any, key: keys.TestKey, monkeypatch: pytest.MonkeyPatch, make_engine: EngineFactory
) -> None:
    """An Okta clock an hour ahead finds the assertion expired: the clock and assertion_lifetime hint."""
    monkeypatch.setenv(KEY_ENV, key.pem)
    with OktaImitation(signing_key=credflow_signing_key, clock=lambda: time.time() + 3600) as okta:
        register(okta, key)
        with pytest.raises(
            CredentialsRejectedError,
            match=r"expired or not yet valid when Okta read it: synchronise this host's clock \(NTP\); "
            r"assertion_lifetime is 60 s.*token is expired",
        ):
            make_engine(**settings(okta)).get_token()


def test_secret_no_longer_works_after_keys_are_set(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """Switching the app to public-key authentication retires the secret it was created with."""
    secret_settings = settings(okta, auth_method="client_secret_basic", private_key=None)
    with pytest.raises(
        CredentialsRejectedError, match=rf"read from env:{SECRET_ENV} \(config key client_secret\)"
    ):
        make_engine(**{**secret_settings, "client_secret": f"env:{SECRET_ENV}"}).get_token()


def test_key_rotation_with_two_registered_keys(
    okta: OktaImitation, key: keys.TestKey, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Register the new key beside the old, switch the source, then remove the old: no request refused."""
    new = new_key("RSA")
    okta.set_public_keys(CLIENT, key.public_set(new))
    assert make_engine(**settings(okta)).get_token().access_token
    monkeypatch.setenv(KEY_ENV, new.pem)
    assert make_engine(**settings(okta, scopes=("billing.write",))).get_token().access_token
    okta.set_public_keys(CLIENT, new.public_set())
    assert make_engine(**settings(okta)).get_token().access_token
    assert 3 == okta.token_requests
