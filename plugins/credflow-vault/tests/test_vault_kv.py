"""Reading KV v1 and v2 secrets from a real OpenBao dev server."""

from __future__ import annotations

import pytest
from credflow_vault.testing import VaultDevServer
from vault_helpers import MakeHost, read

from credflow import SecretNotFoundError, SecretSourceError


def test_reads_one_key_of_the_latest_kv2_version(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """`vault:secret/<path>#key` returns that key of the newest version, labelled with it."""
    vault_server.write_secret(secret_path, {"client_id": "billing", "client_secret": "one"})
    vault_server.write_secret(secret_path, {"client_id": "billing", "client_secret": "two"})

    value = read(make_host(), f"vault:secret/{secret_path}#client_secret")

    expected = ("two", "2")
    assert expected == (value.reveal(), value.version)


def test_pinned_version_reads_that_version(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """`?version=1` keeps reading version 1 after version 2 is written."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})
    vault_server.write_secret(secret_path, {"client_secret": "two"})

    value = read(make_host(), f"vault:secret/{secret_path}#client_secret?version=1")

    expected = ("one", "1")
    assert expected == (value.reveal(), value.version)


def test_kv1_mount_configured_in_mounts(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """A mount declared `{ version = 1 }` is read with the KV v1 API, without a version label."""
    vault_server.enable_kv("kv1", version=1)
    vault_server.write_kv1_secret(secret_path, {"client_secret": "v1-value"}, mount="kv1")
    host = make_host(mounts={"kv1": {"version": 1}})

    value = read(host, f"vault:kv1/{secret_path}#client_secret")

    expected = ("v1-value", None)
    assert expected == (value.reveal(), value.version)


def test_kv1_mount_read_as_kv2_hints_at_mounts_setting(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """An undeclared KV v1 mount is not found, and the error says how to declare it."""
    vault_server.enable_kv("kv1", version=1)
    vault_server.write_kv1_secret(secret_path, {"client_secret": "v1-value"}, mount="kv1")

    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), f"vault:kv1/{secret_path}#client_secret")

    assert "sources.vault.mounts" in str(caught.value)


def test_mount_path_with_slashes(vault_server: VaultDevServer, make_host: MakeHost, secret_path: str) -> None:
    """A mount listed in `mounts` may contain slashes; the longest listed mount wins."""
    vault_server.enable_kv("team/kv", version=2)
    vault_server.write_secret(f"app/{secret_path}", {"client_secret": "nested"}, mount="team/kv")
    host = make_host(mounts={"team/kv": {"version": 2}})

    value = read(host, f"vault:team/kv/app/{secret_path}#client_secret")

    expected = "nested"
    assert expected == value.reveal()


def test_missing_key_lists_the_keys(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """A key not in the secret is SecretNotFoundError naming the keys that are there."""
    vault_server.write_secret(secret_path, {"client_id": "x", "client_secret": "y"})

    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), f"vault:secret/{secret_path}#secret")

    assert "keys present: client_id, client_secret" in str(caught.value)


def test_reference_without_key_lists_the_keys(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """Without `#key` the error explains a KV secret is a map and lists its keys."""
    vault_server.write_secret(secret_path, {"client_id": "x", "client_secret": "y"})

    with pytest.raises(SecretSourceError) as caught:
        read(make_host(), f"vault:secret/{secret_path}")

    message = str(caught.value)
    assert "name one with '#<key>'" in message
    assert "client_id, client_secret" in message


def test_missing_path_is_not_found(make_host: MakeHost, secret_path: str) -> None:
    """A path with no secret is SecretNotFoundError naming the API path a read hits."""
    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), f"vault:secret/{secret_path}#client_secret")

    assert f"secret/data/{secret_path}" in str(caught.value)


def test_missing_mount_is_not_found(make_host: MakeHost) -> None:
    """A first path segment that is no mount says no secrets engine is mounted there."""
    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), "vault:nomount/billing#client_secret")

    assert "no secrets engine is mounted at 'nomount'" in str(caught.value)


def test_version_that_never_existed(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """A version above the current one is SecretNotFoundError naming the version."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})

    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), f"vault:secret/{secret_path}#client_secret?version=7")

    assert "has no version 7" in str(caught.value)


def test_destroyed_version_says_destroyed(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """Reading a destroyed version says it was destroyed and cannot be recovered."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})
    vault_server.write_secret(secret_path, {"client_secret": "two"})
    vault_server.admin.secrets.kv.v2.destroy_secret_versions(path=secret_path, versions=[1])

    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), f"vault:secret/{secret_path}#client_secret?version=1")

    assert "version 1 of secret/" in str(caught.value)
    assert "was destroyed" in str(caught.value)


def test_deleted_latest_version_says_deleted(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """When the latest version is soft-deleted the error says so and how to undelete it."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})
    vault_server.write_secret(secret_path, {"client_secret": "two"})
    vault_server.admin.secrets.kv.v2.delete_latest_version_of_secret(path=secret_path)

    with pytest.raises(SecretNotFoundError) as caught:
        read(make_host(), f"vault:secret/{secret_path}#client_secret")

    message = str(caught.value)
    assert "the latest version (2) of secret/" in message
    assert "was deleted" in message
    assert f"bao kv undelete -mount=secret -versions=2 {secret_path}" in message


def test_unknown_parameter_is_rejected(make_host: MakeHost) -> None:
    """A misspelt parameter fails instead of silently reading the latest version."""
    with pytest.raises(SecretSourceError) as caught:
        read(make_host(), "vault:secret/billing#client_secret?verison=1")

    assert "unknown parameter 'verison'" in str(caught.value)


def test_version_on_kv1_mount_is_rejected(make_host: MakeHost) -> None:
    """KV v1 keeps no versions, so `?version=` on a KV v1 mount is an error."""
    host = make_host(mounts={"kv1": {"version": 1}})

    with pytest.raises(SecretSourceError) as caught:
        read(host, "vault:kv1/billing#client_secret?version=2")

    assert "KV v1" in str(caught.value)


def test_cached_value_until_fresh_read(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """A non-fresh read is served from the cache; a fresh read sees the new version."""
    vault_server.write_secret(secret_path, {"client_secret": "one"})
    host = make_host()
    reference = f"vault:secret/{secret_path}#client_secret"
    read(host, reference, fresh=False)
    vault_server.write_secret(secret_path, {"client_secret": "two"})

    cached = read(host, reference, fresh=False)
    fresh = read(host, reference, fresh=True)

    expected = (("one", True), ("two", False))
    assert expected == ((cached.reveal(), cached.cached), (fresh.reveal(), fresh.cached))


def test_namespace_setting_reads_inside_the_namespace(
    vault_server: VaultDevServer, make_host: MakeHost, secret_path: str
) -> None:
    """With `namespace`, the same reference reads the namespace's own KV mount."""
    namespace = f"ns-{secret_path}"
    vault_server.admin.sys.create_namespace(namespace)
    inside = vault_server.client(namespace=namespace)
    inside.sys.enable_secrets_engine("kv", path="secret", options={"version": "2"})
    inside.secrets.kv.v2.create_or_update_secret(secret_path, secret={"client_secret": "in-ns"})
    vault_server.write_secret(secret_path, {"client_secret": "root-ns"})

    value = read(make_host(namespace=namespace), f"vault:secret/{secret_path}#client_secret")

    expected = "in-ns"
    assert expected == value.reveal()
