"""Fixtures: one real OpenBao dev server per session, and plugin hosts reading from it."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

import credflow_vault.plugin
import pytest
from credflow_vault.testing import VaultDevServer
from vault_helpers import MakeHost, vault_source

from credflow import CredflowError, PluginHost


@pytest.fixture(scope="session")
def vault_server() -> Iterator[VaultDevServer]:
    """A `bao server -dev` shared by the whole session (a missing binary fails here)."""
    with VaultDevServer() as server:
        yield server


@pytest.fixture
def secret_path() -> str:
    """A secret path no other test writes to."""
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def make_host(vault_server: VaultDevServer) -> Iterator[MakeHost]:
    """Build plugin hosts serving `vault:` from the dev server; close their sources after."""
    hosts: list[PluginHost] = []

    def make(**settings: Any) -> PluginHost:
        host = PluginHost(
            source_settings={"vault": vault_server.source_settings(**settings)},
            plugins=(credflow_vault.plugin,),
            load_entry_points=False,
        )
        hosts.append(host)
        return host

    yield make
    for host in hosts:
        # Tests of invalid settings never got a source; there is nothing to close then.
        with contextlib.suppress(CredflowError):
            vault_source(host).close()
