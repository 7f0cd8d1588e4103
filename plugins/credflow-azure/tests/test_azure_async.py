"""The async path (the source's `fetch` on credflow's worker thread), mirroring the sync reads."""

from __future__ import annotations

import asyncio

import pytest
from azure_helpers import aresolve
from credflow_azure import SecretDisabledError
from credflow_azure.testing import KeyVaultServer

import credflow


async def test_reads_latest_version(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A reference without a version returns the newest value and its version id."""
    kv.set_secret(name, "value-one")
    latest = kv.set_secret(name, "value-two")

    value = await aresolve(host, kv.reference(name))

    assert ("value-two", latest) == (value.reveal(), value.version)


async def test_concurrent_reads_use_the_cache(
    kv: KeyVaultServer, host: credflow.PluginHost, name: str
) -> None:
    """Concurrent reads within cache_ttl are answered without reaching the vault."""
    kv.set_secret(name, "v")
    await aresolve(host, kv.reference(name))
    reads = kv.counters.secret_reads

    values = await asyncio.gather(*(aresolve(host, kv.reference(name)) for _ in range(10)))

    assert ({"v"}, reads) == ({v.reveal() for v in values}, kv.counters.secret_reads)


async def test_missing_secret(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A secret the vault does not have raises SecretNotFoundError."""
    with pytest.raises(credflow.SecretNotFoundError, match=name):
        await aresolve(host, kv.reference(name))


async def test_disabled_secret(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A disabled secret raises SecretDisabledError."""
    kv.set_secret(name, "v", enabled=False)

    with pytest.raises(SecretDisabledError):
        await aresolve(host, kv.reference(name))


async def test_forbidden(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A 403 raises SecretAccessDeniedError naming secrets/get."""
    kv.set_secret(name, "v")
    kv.set_readers(name, [])

    with pytest.raises(credflow.SecretAccessDeniedError, match="secrets/get"):
        await aresolve(host, kv.reference(name))
