"""Fixtures: one local Key Vault / Entra ID imitation per session, a plugin host per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import credflow_azure.plugin
import pytest
from azure_helpers import (
    APP_ID,
    APP_SECRET,
    CERT_APP_ID,
    FEDERATED_TOKEN,
    NO_LIST_APP_ID,
    WORKLOAD_APP_ID,
    HostFactory,
)
from credflow_azure.testing import KeyVaultServer, make_client_certificate

import credflow
from credflow.testing import free_port


@pytest.fixture(scope="session")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Files holding the credentials the plugin itself uses (read through file: references)."""
    return tmp_path_factory.mktemp("azure-credentials")


@pytest.fixture(scope="session")
def client_certificate(secrets_dir: Path) -> Path:
    """A PEM file with the certificate app's key and certificate."""
    path = secrets_dir / "client.pem"
    path.write_bytes(make_client_certificate())
    return path


@pytest.fixture(scope="session")
def kv(secrets_dir: Path, client_certificate: Path) -> Iterator[KeyVaultServer]:
    """The running imitation, with the apps the tests authenticate as."""
    (secrets_dir / "app-secret").write_text(APP_SECRET)
    (secrets_dir / "federated-token").write_text(FEDERATED_TOKEN)
    with KeyVaultServer() as server:
        server.add_client(APP_ID, APP_SECRET)
        server.add_client(NO_LIST_APP_ID, APP_SECRET, can_list=False)
        server.add_client(CERT_APP_ID, certificate=client_certificate.read_bytes())
        server.add_client(WORKLOAD_APP_ID, federated_token=FEDERATED_TOKEN)
        yield server


@pytest.fixture(scope="session")
def app_secret_ref(kv: KeyVaultServer, secrets_dir: Path) -> str:
    """The secret reference the source uses for its own client secret."""
    return f"file:{secrets_dir / 'app-secret'}"


@pytest.fixture
def name() -> str:
    """A secret name no other test uses."""
    return f"s-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def make_host(kv: KeyVaultServer, app_secret_ref: str) -> Iterator[HostFactory]:
    """Build plugin hosts whose azure-kv source talks to the imitation; closes their clients."""
    hosts: list[credflow.PluginHost] = []

    def make(client_id: str = APP_ID, **settings: Any) -> credflow.PluginHost:
        table = kv.settings(client_id, app_secret_ref, max_retries=0)
        table.update(settings)
        table = {k: v for k, v in table.items() if v is not None}
        host = credflow.PluginHost(
            source_settings={"azure-kv": table},
            plugins=(credflow_azure.plugin,),
            load_entry_points=False,
        )
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        host.close()


@pytest.fixture
def host(make_host: HostFactory) -> credflow.PluginHost:
    """A host authenticating as the main app with client_secret."""
    return make_host()


@pytest.fixture
def closed_port() -> int:
    """A 127.0.0.1 port nothing listens on."""
    return free_port()
