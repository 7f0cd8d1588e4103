"""The async path mirrors the sync one: `aresolve_secret` runs the source's `fetch` off the event loop."""

from __future__ import annotations

import uuid

import pytest
from credflow_vault.testing import VaultDevServer
from vault_helpers import MakeHost, vault_source

from credflow import SecretNotFoundError, SecretReference


async def test_async_reads_one_key_of_the_latest_kv2_version(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """`await host.aresolve_secret(...)` returns the newest version's key."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})
    vault_server.write_secret(secret_path, {"client_secret": "two"})
    reference = SecretReference.parse(f"vault:secret/{secret_path}#client_secret")

    value = await make_host().aresolve_secret(reference, fresh=True)

    expected = ("two", "2")
    assert expected == (value.reveal(), value.version)


async def test_async_missing_path_is_not_found(make_host: MakeHost, secret_path: str) -> None:
    """A missing path raises SecretNotFoundError on the async path too."""
    reference = SecretReference.parse(f"vault:secret/{secret_path}#client_secret")

    with pytest.raises(SecretNotFoundError):
        await make_host().aresolve_secret(reference, fresh=True)


async def test_async_approle_login(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """An AppRole login happens on the async path as well."""
    vault_server.write_secret(secret_path, {"client_secret": "async-secret"})
    policy = f"read-{secret_path}"
    vault_server.create_policy(policy, [f"secret/data/{secret_path}"])
    role_id, secret_id = vault_server.create_approle(f"async-{uuid.uuid4().hex[:6]}", policies=[policy])
    secret_file = vault_server.write_file(f"{policy}.sid", secret_id)
    host = make_host(auth={"method": "approle", "role_id": role_id, "secret_id": f"file:{secret_file}"})
    reference = SecretReference.parse(f"vault:secret/{secret_path}#client_secret")

    value = await host.aresolve_secret(reference, fresh=True)

    expected = ("async-secret", 1)
    assert expected == (value.reveal(), vault_source(host).logins)
