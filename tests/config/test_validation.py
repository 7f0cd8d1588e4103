"""Validation at load time: types, unknown keys, literal secrets, plugins; no secret echoed."""

from __future__ import annotations

import pytest

from credflow import ConfigError
from credflow.config._file import load_config

from .conftest import WriteConfig

HEAD = """
[clients.billing]
token_endpoint = "https://auth.example.com/oauth2/token"
client_id = "billing-svc"
"""
SECRET = 'client_secret = "env:BILLING_SECRET"\n'


def error_of(write_config: WriteConfig, text: str) -> str:
    write_config(text)
    with pytest.raises(ConfigError) as raised:
        load_config(env={})
    return str(raised.value)


def test_wrong_type_names_file_client_key_and_expectation(write_config: WriteConfig) -> None:
    """A string where a list is expected reads like the documentation promises."""
    message = error_of(write_config, HEAD + SECRET + 'scopes = "api.read"\n')

    assert message.startswith(
        "credflow.toml: clients.billing.scopes: expected a list of strings, got 'api.read'"
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('timeout = "10"', "clients.billing.timeout: expected a number, got '10'"),
        ("allow_insecure_http = 1", "clients.billing.allow_insecure_http: expected true or false, got 1"),
        (
            'auth_method = "basic"',
            "clients.billing.auth_method: expected one of 'client_secret_basic', "
            "'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'tls_client_auth', "
            "'self_signed_tls_client_auth', 'client_assertion', got 'basic'",
        ),
        (
            "extra_params = { a = 1 }",
            "clients.billing.extra_params: expected a table of strings (key = \"value\"), got {'a': 1}",
        ),
        ("retry = 3", "clients.billing.retry: expected a table ([clients.<name>.retry]), got 3"),
        (
            "[clients.billing.retry]\nattempts = 0",
            "clients.billing.retry.attempts: expected an integer of at least 1, got 0",
        ),
        (
            "[clients.billing.cache]\nrenew_fraction = 1.5",
            "clients.billing.cache.renew_fraction: expected a number between 0 and 1, got 1.5",
        ),
    ],
)
def test_each_type_error_says_what_is_expected(write_config: WriteConfig, line: str, expected: str) -> None:
    """Type and range errors of every table name the full key path."""
    assert f"credflow.toml: {expected}" == error_of(write_config, HEAD + SECRET + line + "\n")


def test_unknown_key_suggests_the_closest(write_config: WriteConfig) -> None:
    """A misspelt key is an error with a difflib suggestion."""
    message = error_of(write_config, HEAD + SECRET + 'scoeps = ["a"]\n')

    assert "credflow.toml: clients.billing.scoeps: unknown key; did you mean 'scopes'?" == message


def test_unknown_key_in_a_closed_table_suggests_the_closest(write_config: WriteConfig) -> None:
    """retry has no free-form keys: a typo there is refused."""
    message = error_of(write_config, HEAD + SECRET + "[clients.billing.retry]\nattempt = 3\n")

    assert "credflow.toml: clients.billing.retry.attempt: unknown key; did you mean 'attempts'?" == message


def test_near_miss_in_the_cache_table_is_not_taken_for_a_backend_setting(write_config: WriteConfig) -> None:
    """renew_fractoin is a typo of renew_fraction, not a setting for the backend."""
    message = error_of(write_config, HEAD + SECRET + "[clients.billing.cache]\nrenew_fractoin = 0.5\n")

    assert message == (
        "credflow.toml: clients.billing.cache.renew_fractoin: unknown key; did you mean 'renew_fraction'? "
        "(other keys of [cache] go to the backend plugin)"
    )


def test_missing_required_key(write_config: WriteConfig) -> None:
    """client_secret is required by the default auth_method, and the error says what it is."""
    message = error_of(write_config, HEAD)

    assert message.startswith(
        "credflow.toml: clients.billing.client_secret: missing: a secret reference, needed by "
        "auth_method 'client_secret_basic'"
    )


def test_endpoint_or_issuer_exactly_one(write_config: WriteConfig) -> None:
    """ClientConfig's own checks are reported with the file and client."""
    message = error_of(write_config, HEAD + SECRET + 'issuer = "https://auth.example.com"\n')

    assert (
        "credflow.toml: clients.billing.token_endpoint: give exactly one of token_endpoint and issuer"
        == message
    )


def test_plain_http_to_a_remote_host_is_refused(write_config: WriteConfig) -> None:
    """An insecure token endpoint is a configuration error at load time."""
    text = HEAD.replace("https://auth.example.com", "http://auth.example.com") + SECRET

    message = error_of(write_config, text)

    expected = "refusing plain http:// to remote host 'auth.example.com'"
    assert message.startswith(f"credflow.toml: clients.billing.token_endpoint: {expected}")


@pytest.mark.parametrize("literal", ["hunter2", "s3cr3t!", "Tr0ub4dor&3", "abc:def-ghi", "https://not-a-ref"])
def test_literal_secret_is_refused_without_being_echoed(write_config: WriteConfig, literal: str) -> None:
    """A literal where a reference belongs is refused with the env:/file: hint, and never repeated."""
    message = error_of(write_config, HEAD + f'client_secret = "{literal}"\n')

    assert message.startswith("credflow.toml: clients.billing.client_secret: ")
    assert "'env:VARIABLE_NAME'" in message
    assert "'file:/path/to/file'" in message
    assert literal not in message
    assert literal.split(":", maxsplit=1)[0] not in message.split("client_secret: ", 1)[1]


def test_literal_fallback_secret_is_refused_without_being_echoed(write_config: WriteConfig) -> None:
    """rotation.fallback_secrets are references too."""
    message = error_of(
        write_config, HEAD + SECRET + '[clients.billing.rotation]\nfallback_secrets = ["pa55word"]\n'
    )

    assert message.startswith(
        "credflow.toml: clients.billing.rotation.fallback_secrets: expected a secret reference"
    )
    assert "pa55word" not in message


def test_non_string_secret_is_refused_without_being_echoed(write_config: WriteConfig) -> None:
    """Even a number in client_secret is not repeated back."""
    message = error_of(write_config, HEAD + "client_secret = 918273645\n")

    expected = "expected a secret reference such as 'env:NAME', got a number"
    assert f"credflow.toml: clients.billing.client_secret: {expected}" == message


def test_reference_to_a_first_party_plugin_names_the_package(write_config: WriteConfig) -> None:
    """A known scheme whose plugin is not installed names the package to install."""
    write_config(HEAD + 'client_secret = "vault:secret/billing#client_secret"\n')

    with pytest.raises(ConfigError) as raised:
        load_config(env={}, load_entry_points=False)

    assert str(raised.value) == (
        "credflow.toml: clients.billing.client_secret: no installed plugin serves 'vault:' references; "
        "install it with pip install 'credflow[vault]' (installed schemes: env, file)"
    )


def test_source_table_for_an_unserved_scheme_names_the_package(write_config: WriteConfig) -> None:
    """[sources.vault] without the vault plugin is an error naming credflow[vault]."""
    write_config(HEAD + SECRET + '[sources.vault]\naddr = "https://vault:8200"\n')

    with pytest.raises(ConfigError) as raised:
        load_config(env={}, load_entry_points=False)

    assert str(raised.value) == (
        "credflow.toml: sources.vault: no installed plugin serves the secret scheme 'vault'; "
        "install it with pip install 'credflow[vault]' (installed schemes: env, file)"
    )


def test_source_table_for_an_unknown_scheme(write_config: WriteConfig) -> None:
    """[sources.X] for a scheme nobody registers is refused."""
    message = error_of(write_config, HEAD + SECRET + '[sources.keepass]\npath = "/x"\n')

    assert message.startswith(
        "credflow.toml: sources.keepass: no installed plugin serves the secret scheme 'keepass'; "
        "install the credflow plugin that provides it"
    )


def test_unknown_cache_backend_names_the_package(write_config: WriteConfig) -> None:
    """A cache backend no plugin provides names its package when it is a first-party one."""
    write_config(HEAD + SECRET + '[clients.billing.cache]\nbackend = "redis"\n')

    with pytest.raises(ConfigError) as raised:
        load_config(env={}, load_entry_points=False)

    assert str(raised.value) == (
        "credflow.toml: clients.billing.cache.backend: no installed plugin provides the token cache backend "
        "'redis' (installed: file, memory); install it with pip install 'credflow[redis]'"
    )


def test_malformed_reference_is_not_echoed(write_config: WriteConfig) -> None:
    """A reference with broken parameters is refused without repeating them."""
    message = error_of(write_config, HEAD + 'client_secret = "env:X?zz-top-secret"\n')

    assert "credflow.toml: clients.billing.client_secret: malformed 'env:' secret reference" in message
    assert "zz-top-secret" not in message
