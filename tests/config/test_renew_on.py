"""`renew_on`: which API statuses mean "token rejected", checked when the configuration loads."""

from __future__ import annotations

import pytest

from credflow import ClientConfig, ConfigError
from credflow.config_file import load_config

from .conftest import WriteConfig

BILLING = """
[clients.billing]
token_endpoint = "https://auth.example.com/oauth2/token"
client_id = "billing-svc"
client_secret = "env:BILLING_SECRET"
"""


def test_default_is_401_only(write_config: WriteConfig) -> None:
    """Without the key, only 401 renews the token."""
    write_config(BILLING)
    assert (401,) == load_config(env={}).client("billing").renew_on


def test_file_value_is_kept_in_order_without_duplicates(write_config: WriteConfig) -> None:
    """renew_on = [401, 403, 401] loads as (401, 403)."""
    write_config(BILLING + "renew_on = [401, 403, 401]\n")
    assert (401, 403) == load_config(env={}).client("billing").renew_on


def test_environment_overrides_the_file(write_config: WriteConfig) -> None:
    """CREDFLOW_CLIENTS__BILLING__RENEW_ON is read as a TOML list."""
    write_config(BILLING)
    config = load_config(env={"CREDFLOW_CLIENTS__BILLING__RENEW_ON": "[401, 403]"})
    assert (401, 403) == config.client("billing").renew_on


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "renew_on = [401, 500]",
            "clients.billing.renew_on: 500 is not a 4xx HTTP status; list the statuses your API "
            "answers a rejected token with, such as [401, 403]",
        ),
        ("renew_on = [302]", "clients.billing.renew_on: 302 is not a 4xx HTTP status"),
        ('renew_on = ["403"]', "clients.billing.renew_on: expected a list of integers, got ['403']"),
        ("renew_on = 403", "clients.billing.renew_on: expected a list of integers, got 403"),
        ("renew_on = [true]", "clients.billing.renew_on: expected a list of integers, got [True]"),
    ],
)
def test_anything_but_a_list_of_4xx_statuses_is_refused(
    write_config: WriteConfig, line: str, expected: str
) -> None:
    """A 5xx would renew tokens through an API outage; anything else is a mistake: ConfigError, key named."""
    write_config(BILLING + line + "\n")
    with pytest.raises(ConfigError) as raised:
        load_config(env={})
    assert expected in str(raised.value)


def test_client_config_in_python_checks_the_same() -> None:
    """Built in Python, a ClientConfig refuses a 5xx with the same message."""
    with pytest.raises(ConfigError, match="renew_on: 503 is not a 4xx HTTP status"):
        ClientConfig(
            token_endpoint="https://auth.example.com/oauth2/token",
            client_id="billing-svc",
            client_secret="env:BILLING_SECRET",
            renew_on=(401, 503),
        )
