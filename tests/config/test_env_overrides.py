"""CREDFLOW_CLIENTS__* and CREDFLOW_SOURCES__* variables override and extend the file."""

from __future__ import annotations

import pytest

from credflow import ConfigError
from credflow.config._file import load_config

from .conftest import WriteConfig

BILLING = """
[clients.billing]
token_endpoint = "https://auth.example.com/oauth2/token"
client_id = "billing-svc"
client_secret = "env:BILLING_SECRET"
scopes = ["api.read"]
"""


def test_top_level_key_is_overridden(write_config: WriteConfig) -> None:
    """CREDFLOW_CLIENTS__<NAME>__<KEY> replaces the file's value."""
    write_config(BILLING)

    config = load_config(env={"CREDFLOW_CLIENTS__BILLING__CLIENT_ID": "other-id"})

    assert "other-id" == config.client("billing").client_id


def test_table_key_is_overridden(write_config: WriteConfig) -> None:
    """CREDFLOW_CLIENTS__<NAME>__<TABLE>__<KEY> sets a key of a sub-table."""
    write_config(BILLING)

    config = load_config(env={"CREDFLOW_CLIENTS__BILLING__RETRY__ATTEMPTS": "2"})

    assert 2 == config.client("billing").retry.attempts


@pytest.mark.parametrize(
    ("variable", "raw", "field", "expected"),
    [
        ("SCOPES", '["a", "b"]', "scopes", ("a", "b")),
        ("TIMEOUT", "2.5", "timeout", 2.5),
        ("ALLOW_INSECURE_HTTP", "true", "allow_insecure_http", True),
        ("AUDIENCE", "https://api.example.com", "audience", "https://api.example.com"),
        ("AUDIENCE", '"30"', "audience", "30"),
        ("EXTRA_PARAMS", '{ tenant = "acme" }', "extra_params", {"tenant": "acme"}),
    ],
)
def test_values_are_read_as_toml_when_they_parse(
    write_config: WriteConfig, variable: str, raw: str, field: str, expected: object
) -> None:
    """Lists, numbers, booleans and inline tables parse as TOML; anything else stays a string."""
    write_config(BILLING)

    config = load_config(env={f"CREDFLOW_CLIENTS__BILLING__{variable}": raw})

    actual = getattr(config.client("billing"), field)
    assert expected == (dict(actual) if field == "extra_params" else actual)


def test_cache_backend_settings_come_from_the_environment(write_config: WriteConfig) -> None:
    """A cache key that is no CachePolicy field goes to the backend's settings."""
    write_config(BILLING)

    config = load_config(env={"CREDFLOW_CLIENTS__BILLING__CACHE__NAMESPACE": "prod"})

    assert {"namespace": "prod"} == dict(config.client("billing").cache.settings)


def test_client_defined_by_environment_alone(write_config: WriteConfig) -> None:
    """Without any file, variables define a whole client; its name is lower-cased."""
    env = {
        "CREDFLOW_CLIENTS__REPORTS__CLIENT_ID": "reports",
        "CREDFLOW_CLIENTS__REPORTS__CLIENT_SECRET": "env:REPORTS_SECRET",
        "CREDFLOW_CLIENTS__REPORTS__ISSUER": "https://auth.example.com",
    }

    config = load_config(env=env)

    assert (["reports"], None) == (list(config.clients), config.path)
    assert ("reports", "env:REPORTS_SECRET") == (config.client().client_id, config.client().client_secret)


def test_underscore_name_matches_a_dashed_client_of_the_file(write_config: WriteConfig) -> None:
    """BILLING_SVC sets [clients.billing-svc] when the file defines it."""
    write_config(BILLING.replace("[clients.billing]", "[clients.billing-svc]"))

    config = load_config(env={"CREDFLOW_CLIENTS__BILLING_SVC__SCOPES": '["api.write"]'})

    assert (["billing-svc"], ("api.write",)) == (list(config.clients), config.client("billing-svc").scopes)


def test_underscore_name_without_dashed_client_keeps_the_underscore(write_config: WriteConfig) -> None:
    """BILLING_SVC names billing_svc when the file has no billing-svc."""
    env = {
        "CREDFLOW_CLIENTS__BILLING_SVC__CLIENT_ID": "b",
        "CREDFLOW_CLIENTS__BILLING_SVC__CLIENT_SECRET": "env:B",
        "CREDFLOW_CLIENTS__BILLING_SVC__TOKEN_ENDPOINT": "https://a/t",
    }

    assert ["billing_svc"] == list(load_config(env=env).clients)


def test_name_matching_two_clients_is_an_error(write_config: WriteConfig) -> None:
    """A variable that could mean billing-svc or billing_svc is refused."""
    write_config(
        BILLING.replace("[clients.billing]", "[clients.billing-svc]")
        + BILLING.replace("[clients.billing]", "[clients.billing_svc]")
    )

    with pytest.raises(ConfigError) as raised:
        load_config(env={"CREDFLOW_CLIENTS__BILLING_SVC__SCOPES": "[]"})

    assert str(raised.value).startswith(
        "environment variable CREDFLOW_CLIENTS__BILLING_SVC__SCOPES: matches clients billing-svc, billing_svc"
    )


def test_scheme_underscore_becomes_a_dash(write_config: WriteConfig) -> None:
    """CREDFLOW_SOURCES__AWS_SM__REGION sets [sources.aws-sm] region."""
    config = load_config(env={"CREDFLOW_SOURCES__AWS_SM__REGION": "eu-west-1"})

    assert ["aws-sm"] == list(config.sources)
    assert "eu-west-1" == config.sources["aws-sm"]["region"]


@pytest.mark.parametrize(
    "variable", ["CREDFLOW_CLIENTS_BILLING_SCOPES", "CREDFLOW_CLIENTS__BILLING", "CREDFLOW_CLIENTS____X"]
)
def test_malformed_variable_names_are_errors(write_config: WriteConfig, variable: str) -> None:
    """A CREDFLOW_CLIENTS* variable that is not <NAME>__<KEY> shaped is refused, not ignored."""
    with pytest.raises(ConfigError) as raised:
        load_config(env={variable: "x"})

    assert str(raised.value).startswith(
        f"environment variable {variable}: expected CREDFLOW_CLIENTS__<NAME>__<KEY>"
    )


def test_errors_name_the_variable(write_config: WriteConfig) -> None:
    """A bad value from the environment names the variable, not the file."""
    write_config(BILLING)

    with pytest.raises(ConfigError) as raised:
        load_config(env={"CREDFLOW_CLIENTS__BILLING__SCOPES": "api.read"})

    expected = (
        "environment variable CREDFLOW_CLIENTS__BILLING__SCOPES: clients.billing.scopes: "
        """expected a list of strings, got 'api.read'; write ["api.read"]"""
    )
    assert expected == str(raised.value)


def test_missing_key_of_an_environment_client_names_its_variables(write_config: WriteConfig) -> None:
    """A client made from variables and missing client_id says which variables to set."""
    env = {
        "CREDFLOW_CLIENTS__REPORTS__CLIENT_SECRET": "env:R",
        "CREDFLOW_CLIENTS__REPORTS__ISSUER": "https://a",
    }

    with pytest.raises(ConfigError) as raised:
        load_config(env=env)

    where = "environment (CREDFLOW_CLIENTS__REPORTS__*)"
    assert f"{where}: clients.reports.client_id: missing: The OAuth2 client id." == str(raised.value)


def test_unrelated_credflow_variables_are_ignored(write_config: WriteConfig) -> None:
    """CREDFLOW_CONFIG-like variables of other features do not count as overrides."""
    write_config(BILLING)

    config = load_config(env={"CREDFLOW_LOAD_PLUGINS": "vault", "CREDFLOW_TRACE_PLUGINS": "0"})

    assert ["billing"] == list(config.clients)
