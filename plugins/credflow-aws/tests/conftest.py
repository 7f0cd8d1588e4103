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
from credflow_aws.testing import REAL_AWS_VARIABLES, MotoSecretsManager, isolated_environment

from credflow import CredflowError, PluginHost


@pytest.fixture(scope="session")
def aws_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home for the empty AWS config and credentials files of the session."""
    return tmp_path_factory.mktemp("aws-home")


@pytest.fixture(autouse=True)
def aws_environment(aws_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Test credentials, empty AWS config files, no instance metadata: never a real account.

    Set for each test and undone after it, so tests of other directories run in any order
    see the environment they started with.
    """
    for name in REAL_AWS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in isolated_environment(aws_home).items():
        monkeypatch.setenv(name, value)
    return aws_home


@pytest.fixture(scope="session")
def aws(aws_home: Path) -> Iterator[MotoSecretsManager]:
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
