"""Validating `[sources.azure-kv]`: every mistake is a ConfigError naming the key."""

from __future__ import annotations

from typing import Any

import pytest
from credflow_azure import AzureKeyVaultSettings
from credflow_azure.plugin import make_source

from credflow import ConfigError
from credflow.plugin import SourceContext

CLIENT_SECRET = {
    "credential": "client_secret",
    "tenant_id": "t",
    "client_id": "c",
    "client_secret": "env:S",
}


def test_defaults() -> None:
    """An empty table means DefaultAzureCredential, public cloud, challenge verification on."""
    settings = AzureKeyVaultSettings.from_mapping({})

    assert ("default", "vault.azure.net", True, 300.0, 900.0) == (
        settings.credential,
        settings.vault_suffix,
        settings.verify_challenge_resource,
        settings.cache_ttl,
        settings.stale_if_error,
    )


@pytest.mark.parametrize(
    ("table", "complaint"),
    [
        ({"cache_tll": 5}, "sources.azure-kv.cache_tll: unknown key; did you mean 'cache_ttl'?"),
        ({"cache_ttl": "5"}, "sources.azure-kv.cache_ttl: expected a number of seconds"),
        ({"cache_ttl": True}, "sources.azure-kv.cache_ttl: expected a number of seconds"),
        ({"timeout": 0}, "sources.azure-kv.timeout: expected a positive number of seconds, got 0"),
        ({"timeout": float("nan")}, "sources.azure-kv.timeout: expected a finite number of seconds, got nan"),
        ({"cache_ttl": float("inf")}, "sources.azure-kv.cache_ttl: expected a finite number of seconds"),
        ({"stale_if_error": -1}, "sources.azure-kv.stale_if_error: expected a non-negative number"),
        ({"max_retries": -1}, "sources.azure-kv.max_retries: expected an integer of at least 0, got -1"),
        ({"max_retries": 10**9}, "sources.azure-kv.max_retries: expected an integer of at most 100"),
        (
            {"authority": "https://admin:hunter2@login.example"},
            "sources.azure-kv.authority: 'https://***@login.example' carries credentials",
        ),
        ({"max_retries": 1.5}, "sources.azure-kv.max_retries: expected an integer of at least 0, got 1.5"),
        ({"verify_challenge_resource": "no"}, "verify_challenge_resource: expected true or false"),
        ({"vault_suffix": "https://vault.azure.cn"}, "sources.azure-kv.vault_suffix"),
        ({"ca_bundle": "/nonexistent/ca.pem"}, "sources.azure-kv.ca_bundle: must name"),
        ({"authority": "http://login.example"}, "sources.azure-kv.authority: must be an https"),
        ({"credential": "password"}, "sources.azure-kv.credential: expected one of"),
        ({"credential": "client_secret"}, "sources.azure-kv.tenant_id: is required"),
        (
            {**CLIENT_SECRET, "client_secret": ""},
            "client_secret: expected a secret reference",
        ),
        ({"client_secret": "env:S"}, "client_secret: is not used with credential = 'default'"),
        ({"credential": "managed_identity", "authority": "x"}, "authority: is not used"),
        (
            {"credential": "certificate", "tenant_id": "t", "client_id": "c"},
            "set exactly one of certificate_path",
        ),
    ],
)
def test_invalid(table: dict[str, Any], complaint: str) -> None:
    """Each mistake is a ConfigError that names the key and what is expected."""
    with pytest.raises(ConfigError) as caught:
        AzureKeyVaultSettings.from_mapping(table)

    assert complaint in str(caught.value)
    assert "hunter2" not in str(caught.value)


def test_credential_secret_cannot_live_in_key_vault() -> None:
    """client_secret = "azure-kv:..." is refused: it would need itself to be read."""
    context = SourceContext(scheme="azure-kv", settings={**CLIENT_SECRET, "client_secret": "azure-kv:v/s"})

    with pytest.raises(ConfigError, match=r"sources\.azure-kv\.client_secret: cannot be"):
        make_source(context)


def test_valid_client_secret_table() -> None:
    """A complete client_secret table validates and keeps the reference, not a value."""
    settings = AzureKeyVaultSettings.from_mapping(CLIENT_SECRET)

    assert ("client_secret", "env:S") == (settings.credential, settings.client_secret)
