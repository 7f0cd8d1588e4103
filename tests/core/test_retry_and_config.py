"""RetryPolicy and ClientConfig validation: errors name the key and what is expected."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest

import credflow
from credflow import CachePolicy, ClientConfig, ConfigError, RetryPolicy, RotationPolicy


def test_retry_policy_accepts_timedelta_and_bounds_backoff() -> None:
    """Durations may be timedeltas; each backoff lies between zero and its cap."""
    # The fields are typed as the seconds they hold once built; a timedelta is accepted on the way in.
    policy = RetryPolicy(attempts=6, deadline=timedelta(seconds=45), initial_backoff=0.5, max_backoff=2)  # type: ignore[arg-type]
    assert 45.0 == policy.deadline
    assert all(0 <= policy.backoff(attempt) <= min(2, 0.5 * 2 ** (attempt - 1)) for attempt in range(1, 7))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"attempts": 0}, "retry.attempts: expected an integer of at least 1, got 0"),
        ({"attempts": True}, "retry.attempts: expected an integer of at least 1, got True"),
        ({"deadline": -1}, "retry.deadline: expected a non-negative number of seconds, got -1"),
    ],
)
def test_retry_policy_validation(kwargs: dict[str, object], message: str) -> None:
    """A bad retry setting names the key."""
    with pytest.raises(ConfigError) as caught:
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
    assert message == str(caught.value)


def base(**changes: object) -> dict[str, object]:
    settings: dict[str, object] = {
        "token_endpoint": "https://auth.example.com/token",
        "client_id": "billing",
        "client_secret": "env:BILLING_SECRET",
    }
    settings.update(changes)
    return settings


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scopes": "api.read"}, "scopes: expected a list of strings, got 'api.read'"),
        ({"scopes": ["a b"]}, "scopes[0]: a scope cannot contain a space"),
        (
            {"auth_method": "private_key"},
            "auth_method: expected one of client_secret_basic, client_secret_post, client_secret_jwt, "
            "private_key_jwt, tls_client_auth, self_signed_tls_client_auth, client_assertion, got",
        ),
        ({"token_endpoint": None}, "token_endpoint: give exactly one of token_endpoint and issuer"),
        (
            {"issuer": "https://auth.example.com"},
            "token_endpoint: give exactly one of token_endpoint and issuer",
        ),
        ({"extra_params": {"scope": "x"}}, "extra_params: scope is set by credflow itself"),
        ({"timeout": 0}, "timeout: expected a positive number of seconds, got 0"),
        ({"client_secret": "hunter2"}, "client_secret: expected a secret reference such as 'env:NAME'"),
        ({"token_endpoint": "ftp://x/token"}, "token_endpoint: 'ftp://x/token' is not an http(s) URL"),
    ],
)
def test_client_config_validation(changes: dict[str, object], message: str) -> None:
    """Each invalid setting raises ConfigError naming the key and what is expected."""
    with pytest.raises(ConfigError) as caught:
        ClientConfig(**base(**changes))  # type: ignore[arg-type]
    assert str(caught.value).startswith(message)
    assert "hunter2" not in str(caught.value)


def test_cache_policy_validation() -> None:
    """A renewal fraction outside (0, 1) names the key."""
    with pytest.raises(
        ConfigError, match=r"cache.renew_fraction: expected a number between 0 and 1, got 1\.5"
    ):
        CachePolicy(renew_fraction=1.5)


def test_rotation_fallbacks_must_be_references() -> None:
    """Fallback secrets are references too; a literal is refused."""
    with pytest.raises(ConfigError, match="rotation.fallback_secrets: expected a secret reference"):
        RotationPolicy(fallback_secrets=("plain-literal",))


def test_every_config_field_is_documented() -> None:
    """Each setting carries the doc the configuration reference is generated from."""
    import dataclasses

    for kind in (ClientConfig, RetryPolicy, CachePolicy, RotationPolicy):
        for field in dataclasses.fields(kind):
            assert field.metadata.get("doc"), f"{kind.__name__}.{field.name} has no doc"


def test_tenacity_never_shows_in_a_public_signature() -> None:
    """Only retry.py imports tenacity, and no public callable mentions it."""
    for name in credflow.__all__:
        obj = getattr(credflow, name)
        if callable(obj):
            try:
                signature = str(inspect.signature(obj))
            except (TypeError, ValueError):
                continue
            assert "tenacity" not in signature
