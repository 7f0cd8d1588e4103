"""The okta profile against the Okta imitation: custom servers, errors, X-Rate-Limit-Reset, two secrets."""

from __future__ import annotations

from typing import Any

import pytest

from credflow import CredentialsRejectedError, OAuthError
from credflow.events import TokenIssued, TokenRetried
from credflow.testing import AuditRecorder
from credflow.testing.providers import OktaImitation

from .conftest import SECRET, SECRET_ENV, EngineFactory


@pytest.fixture
def okta(credflow_okta: OktaImitation) -> OktaImitation:
    """The org with custom server `default` (billing.read, billing.write) and client `svc`."""
    credflow_okta.add_client("svc", SECRET)
    return credflow_okta


def settings(okta: OktaImitation, **changes: Any) -> dict[str, Any]:
    """The okta profile's settings for the custom server `default`, pointed at the imitation."""
    base: dict[str, Any] = {
        "provider": "okta",
        "domain": "acme.okta.com",
        "authorization_server": "default",
        "client_id": "svc",
        "scopes": ("billing.read",),
        "token_endpoint": okta.server_token_endpoint("default"),
    }
    return {**base, **changes}


def test_token_from_the_custom_server(
    okta: OktaImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """The custom server's token endpoint issues the scope asked for; rate-limit headers are audited."""
    token = make_engine(**settings(okta)).get_token()
    assert "billing.read" == token.scope
    assert "/oauth2/default/v1/token" == okta.requests[0].path
    [issued] = recorder.of_type(TokenIssued)
    assert issued.rate_limit is not None
    assert "x-rate-limit-reset" in issued.rate_limit


async def test_token_from_the_custom_server_async(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """The async path too."""
    assert "billing.read" == (await make_engine(**settings(okta)).aget_token()).scope


def test_429_waits_until_x_rate_limit_reset(
    okta: OktaImitation, make_engine: EngineFactory, recorder: AuditRecorder, no_retry_waits: None
) -> None:
    """A 429 with X-Rate-Limit-Reset and no Retry-After is retried at the reset, within the deadline."""
    okta.rate_limit_next(1, reset_in=20)
    assert make_engine(**settings(okta)).get_token().access_token
    [retried] = recorder.of_type(TokenRetried)
    assert 18 <= retried.delay_seconds <= 22
    assert "rate limit resets in" in retried.reason
    assert retried.rate_limit is not None
    assert "0" == retried.rate_limit["x-rate-limit-remaining"]


async def test_429_waits_until_x_rate_limit_reset_async(
    okta: OktaImitation, make_engine: EngineFactory, recorder: AuditRecorder, no_retry_waits: None
) -> None:
    """The async path waits for the reset as well."""
    okta.rate_limit_next(1, reset_in=20)
    assert (await make_engine(**settings(okta)).aget_token()).access_token
    [retried] = recorder.of_type(TokenRetried)
    assert 18 <= retried.delay_seconds <= 22


def test_reset_beyond_the_deadline_is_capped(
    okta: OktaImitation, make_engine: EngineFactory, recorder: AuditRecorder, no_retry_waits: None
) -> None:
    """A reset later than the deadline is waited only up to the deadline."""
    from credflow import RetryPolicy

    okta.rate_limit_next(1, reset_in=500)
    make_engine(**settings(okta, retry=RetryPolicy(attempts=3, deadline=30))).get_token()
    [retried] = recorder.of_type(TokenRetried)
    assert 25 < retried.delay_seconds <= 30


def test_rejected_secret(
    okta: OktaImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """invalid_client names the reference and the two-secret rotation."""
    monkeypatch.setenv(SECRET_ENV, "wrong")
    with pytest.raises(
        CredentialsRejectedError,
        match=r"Okta rejected the secret of client_id 'svc'.*two secrets can be active.*confidential "
        r"client is invalid",
    ):
        make_engine(**settings(okta)).get_token()


def test_two_active_secrets_rotation(
    okta: OktaImitation, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Activate the new secret, switch the source, then deactivate the old: no request is refused."""
    okta.add_secret("svc", "second-secret")
    monkeypatch.setenv(SECRET_ENV, "second-secret")
    assert make_engine(**settings(okta)).get_token().access_token
    okta.deactivate_secret("svc", SECRET)
    assert make_engine(**settings(okta, scopes=("billing.write",))).get_token().access_token
    assert 2 == okta.token_requests


def test_undefined_scope(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """invalid_scope says where to define the scope."""
    with pytest.raises(
        OAuthError,
        match=r"Okta: scopes \['billing\.delete'\] are not defined on authorization server default.*One "
        r"or more scopes",
    ):
        make_engine(**settings(okta, scopes=("billing.delete",))).get_token()


def test_default_scopes_grant_without_scope(
    credflow_okta: OktaImitation, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """default_scopes = true sends no scope; the defaults granted are reported as broader than asked."""
    credflow_okta.servers["default"] = (("billing.read", "billing.write"), ("billing.read",))
    credflow_okta.add_client("svc", SECRET)
    make_engine(**settings(credflow_okta, scopes=(), default_scopes=True)).get_token()
    assert "scope" not in credflow_okta.requests[0].params
    [issued] = recorder.of_type(TokenIssued)
    assert ("billing.read",) == issued.excess_scopes


def test_org_server_wants_private_key_jwt(okta: OktaImitation, make_engine: EngineFactory) -> None:
    """A client secret on the org server gets the private_key_jwt hint."""
    engine = make_engine(
        **settings(
            okta,
            authorization_server=None,
            scopes=("okta.apps.read",),
            token_endpoint=okta.server_token_endpoint(None),
        )
    )
    with pytest.raises(
        OAuthError,
        match=r"org authorization server accepts client credentials from client_id 'svc' only with "
        r"private_key_jwt",
    ):
        engine.get_token()
