"""`rotation_candidates`: the latest version, then the previous enabled one."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from azure_helpers import NO_LIST_APP_ID, HostFactory
from credflow_azure.source import AzureKeyVaultSource
from credflow_azure.testing import KeyVaultServer

from credflow import PluginHost, SecretReference


def candidates(host: PluginHost, text: str) -> list[str]:
    """The candidate references, as strings."""
    source = host.secret_source("azure-kv")
    assert isinstance(source, AzureKeyVaultSource)
    return [str(ref) for ref in source.rotation_candidates(SecretReference.parse(text))]


def test_latest_then_previous(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """Without a version: the reference, then the version before the latest."""
    previous = kv.set_secret(name, "old")
    kv.set_secret(name, "new")
    reference = kv.reference(name)

    assert [reference, kv.reference(name, version=previous)] == candidates(host, reference)


def test_key_is_kept(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """A `#key` reference's candidates keep the key."""
    previous = kv.set_secret(name, '{"s": "old"}')
    kv.set_secret(name, '{"s": "new"}')
    reference = kv.reference(name, key="s")

    assert [reference, kv.reference(name, key="s", version=previous)] == candidates(host, reference)


def test_skips_disabled_and_expired(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """Disabled and expired versions are not candidates; the newest usable older one is."""
    usable = kv.set_secret(name, "value-oldest")
    kv.set_secret(name, "value-expired", expires_on=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    kv.set_secret(name, "value-disabled", enabled=False)
    kv.set_secret(name, "value-latest")
    reference = kv.reference(name)

    assert [reference, kv.reference(name, version=usable)] == candidates(host, reference)


def test_candidate_reads_that_version(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """The second candidate resolves to the previous value."""
    kv.set_secret(name, "old")
    kv.set_secret(name, "new")
    second = candidates(host, kv.reference(name))[1]

    value = host.resolve_secret(SecretReference.parse(second), fresh=True)

    assert "old" == value.reveal()


def test_pinned_version_has_no_alternative(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """A reference with `?version=` is its only candidate (and lists nothing)."""
    first = kv.set_secret(name, "old")
    kv.set_secret(name, "new")
    lists = kv.counters.version_lists
    reference = kv.reference(name, version=first)

    assert ([reference], lists) == (candidates(host, reference), kv.counters.version_lists)


def test_single_version(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """A secret with one version has no previous one."""
    kv.set_secret(name, "only")
    reference = kv.reference(name)

    assert [reference] == candidates(host, reference)


def test_pages_of_versions(kv: KeyVaultServer, host: PluginHost, name: str) -> None:
    """Versions spread over several pages (nextLink) are all considered."""
    for index in range(kv.page_size + 5):
        kv.set_secret(name, f"value-{index}")
    previous = kv.versions(name)[-2]
    reference = kv.reference(name)

    assert [reference, kv.reference(name, version=previous)] == candidates(host, reference)


def test_without_list_permission(
    kv: KeyVaultServer, make_host: HostFactory, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Without secrets/list, only the reference is returned and the reason is logged."""
    kv.set_secret(name, "old")
    kv.set_secret(name, "new")
    reference = kv.reference(name)

    with caplog.at_level(logging.WARNING, logger="credflow.azure"):
        result = candidates(make_host(client_id=NO_LIST_APP_ID), reference)

    assert ([reference], True) == (result, "secrets/list" in caplog.text)
