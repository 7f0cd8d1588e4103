"""Each configurable credential, authenticating to the local Entra ID imitation for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from azure_helpers import CERT_APP_ID, WORKLOAD_APP_ID, HostFactory, resolve
from credflow_azure import AzureCredentialError
from credflow_azure.testing import KeyVaultServer, make_client_certificate

CERTIFICATE_KEYS = {"client_secret": None}


def test_certificate_path(
    kv: KeyVaultServer, make_host: HostFactory, client_certificate: Path, name: str
) -> None:
    """credential = "certificate" with certificate_path signs a client assertion Entra ID accepts."""
    kv.set_secret(name, "v")
    host = make_host(
        CERT_APP_ID,
        credential="certificate",
        certificate_path=str(client_certificate),
        **CERTIFICATE_KEYS,
    )

    assert "v" == resolve(host, kv.reference(name)).reveal()


def test_certificate_reference(
    kv: KeyVaultServer, make_host: HostFactory, client_certificate: Path, name: str
) -> None:
    """`certificate` may be a secret reference to the PEM instead of a path."""
    kv.set_secret(name, "v")
    host = make_host(
        CERT_APP_ID,
        credential="certificate",
        certificate=f"file:{client_certificate}",
        **CERTIFICATE_KEYS,
    )

    assert "v" == resolve(host, kv.reference(name)).reveal()


def test_wrong_certificate(kv: KeyVaultServer, make_host: HostFactory, tmp_path: Path, name: str) -> None:
    """A certificate Entra ID does not know for the app raises AzureCredentialError."""
    kv.set_secret(name, "v")
    other = tmp_path / "other.pem"
    other.write_bytes(make_client_certificate("someone-else"))
    host = make_host(CERT_APP_ID, credential="certificate", certificate_path=str(other), **CERTIFICATE_KEYS)

    with pytest.raises(AzureCredentialError, match="AADSTS"):
        resolve(host, kv.reference(name))


def test_workload_identity(kv: KeyVaultServer, make_host: HostFactory, secrets_dir: Path, name: str) -> None:
    """credential = "workload_identity" presents the projected token file as a client assertion."""
    kv.set_secret(name, "v")
    host = make_host(
        WORKLOAD_APP_ID,
        credential="workload_identity",
        token_file_path=str(secrets_dir / "federated-token"),
        **CERTIFICATE_KEYS,
    )

    assert "v" == resolve(host, kv.reference(name)).reveal()


def test_workload_identity_without_token_file(
    kv: KeyVaultServer, make_host: HostFactory, tmp_path: Path, name: str
) -> None:
    """A missing token file raises AzureCredentialError, not a bare SDK error."""
    kv.set_secret(name, "v")
    host = make_host(
        WORKLOAD_APP_ID,
        credential="workload_identity",
        token_file_path=str(tmp_path / "absent"),
        **CERTIFICATE_KEYS,
    )

    with pytest.raises(AzureCredentialError):
        resolve(host, kv.reference(name))


def test_missing_certificate_file(
    kv: KeyVaultServer, make_host: HostFactory, tmp_path: Path, name: str
) -> None:
    """A certificate_path that does not exist raises AzureCredentialError naming the setting."""
    kv.set_secret(name, "v")
    host = make_host(
        CERT_APP_ID,
        credential="certificate",
        certificate_path=str(tmp_path / "absent.pem"),
        **CERTIFICATE_KEYS,
    )

    with pytest.raises(AzureCredentialError, match="certificate_path"):
        resolve(host, kv.reference(name))


def test_unresolvable_client_secret(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """A client_secret reference that cannot be read raises AzureCredentialError naming it."""
    kv.set_secret(name, "v")
    host = make_host(client_secret="env:CREDFLOW_AZURE_TEST_UNSET")

    with pytest.raises(AzureCredentialError, match="CREDFLOW_AZURE_TEST_UNSET"):
        resolve(host, kv.reference(name))
