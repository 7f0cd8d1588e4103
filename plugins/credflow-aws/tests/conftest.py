"""Fixtures: one moto server (real HTTP on 127.0.0.1) per session, and hosts reading from it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import credflow_aws.plugin
import pytest
from aws_helpers import MakeHost, aws_source
from credflow_aws.testing import MotoSecretsManager

from credflow import CredflowError, PluginHost

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


@pytest.fixture(scope="session", autouse=True)
def aws_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Test credentials, empty AWS config files, no instance metadata: never a real account."""
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
        yield home


@pytest.fixture(scope="session")
def aws(aws_environment: Path) -> Iterator[MotoSecretsManager]:
    """The moto server shared by the session (moto missing fails the import above)."""
    with MotoSecretsManager() as server:
        yield server


@pytest.fixture
def name() -> str:
    """A secret (or IAM user) name no other test uses."""
    return f"test/{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_host(aws: MotoSecretsManager) -> Iterator[MakeHost]:
    """Build plugin hosts serving `aws-sm:` from the moto server; close their clients after.

    A setting given as `None` is left out of the `[sources.aws-sm]` table.
    """
    hosts: list[PluginHost] = []

    def make(**settings: Any) -> PluginHost:
        table = {k: v for k, v in aws.source_settings(**settings).items() if v is not None}
        host = PluginHost(
            source_settings={"aws-sm": table},
            plugins=(credflow_aws.plugin,),
            load_entry_points=False,
        )
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        # A host whose settings were refused never got a source; nothing to close then.
        with contextlib.suppress(CredflowError):
            aws_source(host).close()
