"""Rotation candidates: the latest version, then the newest older live one."""

from __future__ import annotations

import pytest
from credflow_vault.source import VaultSecretSource
from credflow_vault.testing import VaultDevServer
from vault_helpers import MakeHost, read, vault_source

from credflow import SecretReference


def candidates(source: VaultSecretSource, reference: str) -> list[str]:
    """The rotation candidates of `reference`, as strings."""
    found = source.rotation_candidates(SecretReference.parse(reference))
    return [str(candidate) for candidate in found]


def test_latest_then_previous_version(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """Three versions: the reference itself, then ?version=2, whose value is the old secret."""
    for value in ("one", "two", "three"):
        vault_server.write_secret(secret_path, {"client_secret": value})
    host = make_host()
    reference = f"vault:secret/{secret_path}#client_secret"

    found = candidates(vault_source(host), reference)
    previous = read(host, found[1])

    expected = ([reference, f"{reference}?version=2"], "two")
    assert expected == (found, previous.reveal())


@pytest.mark.parametrize("gone", ["delete", "destroy"])
def test_skips_deleted_and_destroyed_versions(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str, gone: str
) -> None:
    """A deleted or destroyed previous version is skipped for the one before it."""
    for value in ("one", "two", "three"):
        vault_server.write_secret(secret_path, {"client_secret": value})
    kv = vault_server.admin.secrets.kv.v2
    if gone == "delete":
        kv.delete_secret_versions(path=secret_path, versions=[2])
    else:
        kv.destroy_secret_versions(path=secret_path, versions=[2])
    reference = f"vault:secret/{secret_path}#client_secret"

    found = candidates(vault_source(make_host()), reference)

    expected = [reference, f"{reference}?version=1"]
    assert expected == found


def test_single_version_has_no_fallback(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """With one version there is nothing to fall back to."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})
    reference = f"vault:secret/{secret_path}#client_secret"

    expected = [reference]
    assert expected == candidates(vault_source(make_host()), reference)


def test_pinned_version_and_kv1_are_only_themselves(make_host: MakeHost) -> None:
    """An explicit ?version= or a KV v1 mount yields just the reference (no server call)."""
    source = vault_source(make_host(mounts={"kv1": {"version": 1}}))
    pinned = "vault:secret/billing#client_secret?version=3"
    kv1 = "vault:kv1/billing#client_secret"

    expected = ([pinned], [kv1])
    assert expected == (candidates(source, pinned), candidates(source, kv1))


def test_no_metadata_permission_leaves_the_reference_alone(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """A policy that cannot read metadata degrades to just the reference (and logs why)."""
    for value in ("one", "two"):
        vault_server.write_secret(secret_path, {"client_secret": value})
    policy = f"data-only-{secret_path}"
    vault_server.create_policy(policy, [f"secret/data/{secret_path}"])
    token = vault_server.admin.auth.token.create(policies=[policy], ttl="10m")["auth"]["client_token"]
    token_file = vault_server.write_file(f"{policy}.token", token)
    source = vault_source(make_host(auth={"method": "token", "token": f"file:{token_file}"}))
    reference = f"vault:secret/{secret_path}#client_secret"

    expected = [reference]
    assert expected == candidates(source, reference)
