"""Reading credflow.toml: where it is found, what it builds, and what a bad file says."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow import CachePolicy, ConfigError, RetryPolicy, RotationPolicy
from credflow.config._file import load_config

from .conftest import WriteConfig

FULL = """
[clients.billing]
token_endpoint = "https://auth.example.com/oauth2/token"
client_id = "billing-svc"
client_secret = "env:BILLING_SECRET"
auth_method = "client_secret_post"
scopes = ["api.read", "api.write"]
audience = "https://api.example.com"
resource = ["https://api.example.com"]

[clients.billing.retry]
attempts = 3
deadline = 12

[clients.billing.cache]
renew_fraction = 0.5
namespace = "billing"

[clients.billing.rotation]
fallback_secrets = ["file:/run/secrets/billing-previous"]

[clients.reports]
issuer = "https://auth.example.com"
client_id = "reports"
client_secret = "file:/run/secrets/reports.json#client_secret"

[sources.vault]
address = "https://vault.example.com:8200"
"""


def test_every_table_builds_its_policy(write_config: WriteConfig) -> None:
    """Each key of the file lands in the matching ClientConfig field; other cache keys go to settings."""
    write_config(FULL)

    billing = load_config(env={}).client("billing")

    assert ("billing-svc", "env:BILLING_SECRET", "client_secret_post") == (
        billing.client_id,
        billing.client_secret,
        billing.auth_method,
    )
    assert (("api.read", "api.write"), "https://api.example.com", ("https://api.example.com",)) == (
        billing.scopes,
        billing.audience,
        billing.resource,
    )
    assert RetryPolicy(attempts=3, deadline=12.0) == billing.retry
    assert CachePolicy(renew_fraction=0.5, settings={"namespace": "billing"}) == billing.cache
    assert RotationPolicy(fallback_secrets=("file:/run/secrets/billing-previous",)) == billing.rotation


def test_sources_and_path_are_kept(write_config: WriteConfig) -> None:
    """`sources` holds the [sources.*] tables and `path` the file that was read."""
    path = write_config(FULL)

    config = load_config(env={})

    assert ["vault"] == list(config.sources)
    assert "https://vault.example.com:8200" == config.sources["vault"]["address"]
    assert Path("credflow.toml") == config.path
    assert path.exists()


def test_plugin_host_gets_the_sources_settings(write_config: WriteConfig) -> None:
    """The plugin host is built with the [sources.*] settings and serves the built-in schemes."""
    write_config(FULL)

    host = load_config(env={}).plugin_host()

    assert {"env", "file", "vault"} <= host.secret_schemes
    assert "https://vault.example.com:8200" == host.source_settings["vault"]["address"]


def test_explicit_path_wins_over_environment_and_default(write_config: WriteConfig, tmp_path: Path) -> None:
    """`path` beats $CREDFLOW_CONFIG, which beats ./credflow.toml."""
    write_config(
        '[clients.default]\nclient_id = "d"\nclient_secret = "env:X"\ntoken_endpoint = "https://a/t"\n'
    )
    (tmp_path / "env.toml").write_text(
        '[clients.from_env]\nclient_id = "e"\nclient_secret = "env:X"\ntoken_endpoint = "https://a/t"\n'
    )
    (tmp_path / "given.toml").write_text(
        '[clients.given]\nclient_id = "g"\nclient_secret = "env:X"\ntoken_endpoint = "https://a/t"\n'
    )
    env = {"CREDFLOW_CONFIG": str(tmp_path / "env.toml")}

    assert ["default"] == list(load_config(env={}).clients)
    assert ["from_env"] == list(load_config(env=env).clients)
    assert ["given"] == list(load_config(tmp_path / "given.toml", env=env).clients)


def test_missing_default_file_gives_an_empty_config(write_config: WriteConfig) -> None:
    """Without ./credflow.toml the configuration may come from the environment alone."""
    config = load_config(env={})

    assert ({}, None) == (dict(config.clients), config.path)


@pytest.mark.parametrize("how", ["argument", "environment"])
def test_missing_named_file_is_an_error(write_config: WriteConfig, how: str) -> None:
    """A file named by --config or $CREDFLOW_CONFIG must exist."""
    path, env = ("nowhere.toml", {}) if how == "argument" else (None, {"CREDFLOW_CONFIG": "nowhere.toml"})

    with pytest.raises(ConfigError) as raised:
        load_config(path, env=env)

    suffix = " (from CREDFLOW_CONFIG)" if how == "environment" else ""
    assert f"nowhere.toml: configuration file not found{suffix}" == str(raised.value)


def test_toml_syntax_error_names_file_line_and_column(write_config: WriteConfig) -> None:
    """Broken TOML is reported with the file, the line and the column."""
    write_config('[clients.billing]\nclient_id = "x"\nscopes = [api.read]\n')

    with pytest.raises(ConfigError) as raised:
        load_config(env={})

    assert "credflow.toml:3:11: invalid TOML: Invalid value (line 3, column 11)" == str(raised.value)


def test_client_name_may_be_omitted_with_one_client(write_config: WriteConfig) -> None:
    """`client()` without a name is the only client."""
    write_config('[clients.solo]\nclient_id = "s"\nclient_secret = "env:X"\ntoken_endpoint = "https://a/t"\n')

    assert "s" == load_config(env={}).client().client_id


def test_client_name_is_needed_with_several_clients(write_config: WriteConfig) -> None:
    """`client()` without a name lists the clients when there are several."""
    write_config(FULL)

    with pytest.raises(ConfigError) as raised:
        load_config(env={}).client()

    assert "credflow.toml: 2 clients are configured (billing, reports); name the one to use" == str(
        raised.value
    )


def test_unknown_client_name_suggests_the_closest(write_config: WriteConfig) -> None:
    """A misspelt client name gets a suggestion and the list of names."""
    write_config(FULL)

    with pytest.raises(ConfigError) as raised:
        load_config(env={}).client("biling")

    expected = "credflow.toml: no client named 'biling'; did you mean 'billing'? (clients: billing, reports)"
    assert expected == str(raised.value)


def test_engine_is_built_once_per_client(write_config: WriteConfig) -> None:
    """`engine(name)` returns the same engine for the same client, with the config's plugin host."""
    write_config(FULL)
    config = load_config(env={})

    engine = config.engine("billing")

    assert engine is config.engine("billing")
    assert config.client("billing") is engine.config
    engine.close()


def test_unknown_top_level_table_is_an_error(write_config: WriteConfig) -> None:
    """Only [clients.*] and [sources.*] exist at the top level."""
    write_config('[client.billing]\nclient_id = "x"\n')

    with pytest.raises(ConfigError) as raised:
        load_config(env={})

    assert "credflow.toml: client: unknown table; did you mean 'clients'?" == str(raised.value)


def test_signature_does_not_show_the_environment() -> None:
    """help(load_config) must not print os.environ (and the secrets in it) as a default."""
    import inspect

    assert "None" == str(inspect.signature(load_config).parameters["env"].default)


def test_close_closes_engines_and_sources(tmp_path: Path) -> None:
    """Closing the configuration closes the engines it made; using it as a context manager does too."""
    path = tmp_path / "credflow.toml"
    path.write_text(
        '[clients.billing]\ntoken_endpoint = "https://auth.example.com/token"\n'
        'client_id = "billing"\nclient_secret = "env:BILLING_SECRET"\n'
    )
    with load_config(path, env={}, load_entry_points=False) as config:
        engine = config.engine()
        engine._effects._transport._sync_client()
    assert engine._effects._transport._client is None
