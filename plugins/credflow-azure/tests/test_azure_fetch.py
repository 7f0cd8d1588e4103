"""Reading secrets through the plugin host from the local Key Vault imitation."""

from __future__ import annotations

import datetime as dt
import json
import re

import credflow_azure.plugin
import pytest
from azure_helpers import APP_ID, APP_SECRET, HostFactory, resolve
from credflow_azure import AzureCredentialError, SecretDisabledError, SecretExpiredError
from credflow_azure.testing import KeyVaultServer

import credflow

PAST = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def test_reads_latest_version(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A reference without a version returns the newest value and its version id."""
    kv.set_secret(name, "value-one")
    latest = kv.set_secret(name, "value-two")

    value = resolve(host, kv.reference(name))

    assert ("value-two", latest) == (value.reveal(), value.version)


def test_reads_pinned_version(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """`?version=` reads that version, not the latest."""
    first = kv.set_secret(name, "value-one")
    kv.set_secret(name, "value-two")

    value = resolve(host, kv.reference(name, version=first))

    assert ("value-one", first) == (value.reveal(), value.version)


def test_secret_identifier_url(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """The portal's secret identifier (https://host/secrets/name/version) works as a body."""
    first = kv.set_secret(name, "value-one")
    kv.set_secret(name, "value-two")

    value = resolve(host, f"azure-kv:{kv.vault_url}/secrets/{name}/{first}")

    assert "value-one" == value.reveal()


def test_selects_json_key(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """`#key` selects one field of a JSON secret."""
    kv.set_secret(name, json.dumps({"client_secret": "s3cr3t", "other": "x"}))

    value = resolve(host, kv.reference(name, key="client_secret"))

    assert "s3cr3t" == value.reveal()


def test_challenge_and_token_once(app_secret_ref: str, name: str) -> None:
    """A new vault is challenged once and one token is requested; later reads reuse it.

    azure-keyvault-secrets caches a vault's challenge for the whole process, so
    this test uses a vault address no other test has used.
    """
    with KeyVaultServer() as fresh_kv:
        fresh_kv.add_client(APP_ID, APP_SECRET)
        fresh_kv.set_secret(name, "v")
        host = credflow.PluginHost(
            source_settings={"azure-kv": fresh_kv.settings(APP_ID, app_secret_ref, cache_ttl=0)},
            plugins=(credflow_azure.plugin,),
            load_entry_points=False,
        )
        try:
            for _ in range(3):
                resolve(host, fresh_kv.reference(name))
        finally:
            host.close()
        counters = fresh_kv.counters

    assert (1, 1, 3) == (counters.challenges, counters.token_requests, counters.secret_reads)


def test_cache_serves_within_ttl(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A second read within cache_ttl does not reach the vault and is marked cached."""
    kv.set_secret(name, "v")
    resolve(host, kv.reference(name))
    reads = kv.counters.secret_reads

    value = resolve(host, kv.reference(name))

    assert (True, reads) == (value.cached, kv.counters.secret_reads)


def test_fresh_read_sees_new_version(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """`fresh=True` bypasses the cache and returns a version created since."""
    kv.set_secret(name, "old")
    resolve(host, kv.reference(name))
    kv.set_secret(name, "new")

    value = resolve(host, kv.reference(name), fresh=True)

    assert ("new", False) == (value.reveal(), value.cached)


def test_revoked_token_recovers(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """A token the vault stopped accepting is replaced: the read succeeds with a new token.

    The SDK keeps using its cached token after a plain 401, so the source
    builds a new credential and tries once more.
    """
    kv.set_secret(name, "v")
    host = make_host(cache_ttl=0)
    resolve(host, kv.reference(name))
    kv.revoke_tokens()
    tokens = kv.counters.token_requests

    value = resolve(host, kv.reference(name))

    assert ("v", tokens + 1) == (value.reveal(), kv.counters.token_requests)


def test_token_rejected_by_vault(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """A vault that rejects every token raises AzureCredentialError naming the vault."""
    kv.set_secret(name, "v")
    host = make_host(cache_ttl=0)
    resolve(host, kv.reference(name))
    kv.token_lifetime = -1  # every token issued from now on is already expired
    kv.revoke_tokens()
    try:
        with pytest.raises(AzureCredentialError, match=re.escape(f"Key Vault {kv.vault_url} rejected")):
            resolve(host, kv.reference(name))
    finally:
        kv.token_lifetime = 3600


def test_short_lived_tokens_are_renewed(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """Tokens within minutes of expiry are not reused: each read gets a new one."""
    kv.set_secret(name, "v")
    host = make_host(cache_ttl=0)
    kv.token_lifetime = 60
    try:
        before = kv.counters.token_requests
        for _ in range(2):
            resolve(host, kv.reference(name))
        requested = kv.counters.token_requests - before
    finally:
        kv.token_lifetime = 3600

    assert 2 == requested


def test_missing_secret(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A secret the vault does not have raises SecretNotFoundError naming it and the vault."""
    with pytest.raises(credflow.SecretNotFoundError) as caught:
        resolve(host, kv.reference(name))

    assert (kv.reference(name), True, True) == (
        caught.value.reference,
        name in str(caught.value),
        kv.vault_url in str(caught.value),
    )


def test_missing_version(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A version the secret does not have raises SecretNotFoundError naming the version."""
    kv.set_secret(name, "v")
    missing = "0" * 32

    with pytest.raises(credflow.SecretNotFoundError, match=f"version {missing}"):
        resolve(host, kv.reference(name, version=missing))


def test_forbidden_names_permission(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """403 from the vault raises SecretAccessDeniedError naming secrets/get and the RBAC role."""
    kv.set_secret(name, "v")
    kv.set_readers(name, ["someone-else"])

    with pytest.raises(credflow.SecretAccessDeniedError) as caught:
        resolve(host, kv.reference(name))

    message = str(caught.value)
    assert (True, True, True) == (
        "secrets/get" in message,
        "Key Vault Secrets User" in message,
        f"appid={APP_ID}" in message,
    )


def test_forbidden_by_rbac(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """An RBAC-model 403 is also an access-denied error with the role to grant."""
    kv.set_secret(name, "v")
    kv.set_readers(name, [])
    kv.permission_model = "rbac"
    try:
        with pytest.raises(credflow.SecretAccessDeniedError, match="Key Vault Secrets User"):
            resolve(host, kv.reference(name))
    finally:
        kv.permission_model = "access-policy"


def test_disabled_secret(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A disabled latest version raises SecretDisabledError saying it is disabled."""
    kv.set_secret(name, "v", enabled=False)

    with pytest.raises(SecretDisabledError, match="is disabled"):
        resolve(host, kv.reference(name))


def test_expired_secret(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """Key Vault returns expired secrets; the plugin refuses them with SecretExpiredError."""
    kv.set_secret(name, "v", expires_on=PAST)

    with pytest.raises(SecretExpiredError, match="expired at 2020-01-01"):
        resolve(host, kv.reference(name))


def test_allow_expired(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """`allow_expired = true` returns an expired secret."""
    kv.set_secret(name, "v", expires_on=PAST)

    value = resolve(make_host(allow_expired=True), kv.reference(name))

    assert "v" == value.reveal()


def test_future_expiry_is_fine(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A secret expiring later is returned."""
    kv.set_secret(name, "v", expires_on=dt.datetime.now(dt.UTC) + dt.timedelta(days=1))

    assert "v" == resolve(host, kv.reference(name)).reveal()


def test_vault_unreachable(host: credflow.PluginHost, closed_port: int) -> None:
    """A vault nobody answers raises SecretSourceUnavailableError naming its URL."""
    vault_url = f"https://127.0.0.1:{closed_port}"

    expected = re.escape(f"reach Key Vault {vault_url}")
    with pytest.raises(credflow.SecretSourceUnavailableError, match=expected):
        resolve(host, f"azure-kv:{vault_url}/billing")


def test_vault_server_error(kv: KeyVaultServer, host: credflow.PluginHost, name: str) -> None:
    """A 5xx from the vault raises SecretSourceUnavailableError naming the vault and status."""
    kv.set_secret(name, "v")
    with kv.vault_outage(503), pytest.raises(credflow.SecretSourceUnavailableError) as caught:
        resolve(host, kv.reference(name))

    assert (True, True) == (kv.vault_url in str(caught.value), "HTTP 503" in str(caught.value))


def test_stale_if_error(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """During an outage, the last good value is served marked stale."""
    kv.set_secret(name, "v")
    host = make_host(cache_ttl=0, stale_if_error=900)
    resolve(host, kv.reference(name))

    with kv.vault_outage(500):
        value = resolve(host, kv.reference(name))

    assert ("v", True) == (value.reveal(), value.stale)


def test_wrong_client_secret(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """Entra ID refusing the client secret raises AzureCredentialError pointing at the settings."""
    kv.set_secret(name, "v")
    host = make_host(client_secret="env:CREDFLOW_AZURE_TEST_WRONG")

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDFLOW_AZURE_TEST_WRONG", "not-the-secret")
        with pytest.raises(AzureCredentialError) as caught:
            resolve(host, kv.reference(name))

    message = str(caught.value)
    assert (True, True, False) == (
        "AADSTS7000215" in message,
        "client_id" in message,
        "not-the-secret" in message,
    )


def test_rotated_client_secret_is_reread(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """When Entra ID refuses the client secret, it is read again and a corrected one is used."""
    kv.set_secret(name, "v")
    host = make_host(client_secret="env:CREDFLOW_AZURE_TEST_ROTATING", cache_ttl=0)

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CREDFLOW_AZURE_TEST_ROTATING", "stale-secret")
        with pytest.raises(AzureCredentialError):
            resolve(host, kv.reference(name))
        patch.setenv("CREDFLOW_AZURE_TEST_ROTATING", "app-secret-value")
        value = resolve(host, kv.reference(name))

    assert "v" == value.reveal()


def test_identity_outage_is_unavailable(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """Entra ID answering 503 is a transient SecretSourceUnavailableError."""
    kv.set_secret(name, "v")
    host = make_host()

    with kv.identity_outage(503), pytest.raises(credflow.SecretSourceUnavailableError):
        resolve(host, kv.reference(name))


def test_unknown_client(kv: KeyVaultServer, make_host: HostFactory, name: str) -> None:
    """An app Entra ID does not know raises AzureCredentialError with Entra's reason."""
    kv.set_secret(name, "v")
    host = make_host(client_id="nobody")

    with pytest.raises(AzureCredentialError, match="AADSTS700016"):
        resolve(host, kv.reference(name))


def test_identity_unreachable_is_unavailable(
    kv: KeyVaultServer, make_host: HostFactory, closed_port: int, name: str
) -> None:
    """An authority nobody answers is a transient SecretSourceUnavailableError."""
    kv.set_secret(name, "v")
    host = make_host(authority=f"https://127.0.0.1:{closed_port}")

    with pytest.raises(credflow.SecretSourceUnavailableError, match="Entra ID"):
        resolve(host, kv.reference(name))
