"""Parsing `azure-kv:` references into a vault URL, secret name and version."""

from __future__ import annotations

import pytest
from credflow_azure.address import SecretAddress, parse_address

from credflow import SecretReference, SecretSourceError


def address(text: str, suffix: str = "vault.azure.net") -> SecretAddress:
    """Parse `text` as a reference and address it."""
    return parse_address(SecretReference.parse(text), vault_suffix=suffix)


def test_url_body_survives_reference_parsing() -> None:
    """The core splits at the first colon only, so an https URL stays whole in the body."""
    reference = SecretReference.parse("azure-kv:https://myvault.vault.azure.net/billing#k?version=a1")

    assert ("azure-kv", "https://myvault.vault.azure.net/billing", "k", {"version": "a1"}) == (
        reference.scheme,
        reference.body,
        reference.key,
        dict(reference.params),
    )


def test_url_with_port() -> None:
    """A URL with a port keeps it."""
    expected = SecretAddress("https://127.0.0.1:8443", "billing", None)
    assert expected == address("azure-kv:https://127.0.0.1:8443/billing")


def test_vault_name() -> None:
    """A vault name maps to https://<name>.vault.azure.net."""
    expected = SecretAddress("https://myvault.vault.azure.net", "billing", None)
    assert expected == address("azure-kv:myvault/billing")


def test_vault_suffix_for_sovereign_cloud() -> None:
    """`vault_suffix` changes the host for national clouds."""
    expected = SecretAddress("https://myvault.vault.azure.cn", "billing", "abc123")
    assert expected == address("azure-kv:myvault/billing?version=abc123", "vault.azure.cn")


def test_secret_identifier() -> None:
    """The portal's secret identifier gives name and version."""
    expected = SecretAddress("https://myvault.vault.azure.net", "billing", "0f1e2d")
    assert expected == address("azure-kv:https://myvault.vault.azure.net/secrets/billing/0f1e2d")


def test_secret_identifier_without_version() -> None:
    """A versionless identifier means the latest version."""
    expected = SecretAddress("https://myvault.vault.azure.net", "billing", None)
    assert expected == address("azure-kv:https://myvault.vault.azure.net/secrets/billing")


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("azure-kv:http://myvault.vault.azure.net/billing", "https"),
        ("azure-kv:myvault", "<vault-name>/<secret-name>"),
        ("azure-kv:myvault/a/b", "<vault-name>/<secret-name>"),
        ("azure-kv:my_vault/billing", "not a Key Vault name"),
        ("azure-kv:myvault/bill_ing", "not a Key Vault secret name"),
        ("azure-kv:myvault/billing?verison=1", "unknown parameter 'verison'"),
        ("azure-kv:myvault/billing?version=a-b", "not a Key Vault secret version"),
        ("azure-kv:https://v.vault.azure.net/secrets/b/v1?version=v2", "disagree"),
        ("azure-kv:https://v.vault.azure.net/a/b", "https://<vault-host>/<secret-name>"),
    ],
)
def test_malformed(text: str, complaint: str) -> None:
    """A malformed reference raises SecretSourceError naming it and what is wrong."""
    with pytest.raises(SecretSourceError) as caught:
        address(text)

    assert (True, str(SecretReference.parse(text))) == (
        complaint in str(caught.value),
        caught.value.reference,
    )
