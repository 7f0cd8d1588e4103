"""`[sources.vault]` validation, and loading the plugin without importing hvac."""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from typing import Any

import pytest
from credflow_vault import plugin
from credflow_vault.settings import DEFAULT_KUBERNETES_JWT_PATH, parse_settings
from credflow_vault.source import VaultSecretSource

from credflow import ConfigError, PluginHost

ADDRESS = "http://127.0.0.1:8200"


def config_error(**settings: Any) -> str:
    """The ConfigError message for `settings`."""
    with pytest.raises(ConfigError) as caught:
        parse_settings(settings)
    return str(caught.value)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"address": ADDRESS, "adress": "x"}, "sources.vault.adress: unknown key; did you mean 'address'?"),
        ({"address": ADDRESS, "timeout": "10"}, "sources.vault.timeout: expected a number"),
        ({"address": ADDRESS, "timeout": True}, "sources.vault.timeout: expected a number"),
        ({"address": ADDRESS, "cache_ttl": -1}, "sources.vault.cache_ttl: expected a non-negative number"),
        ({"address": ADDRESS, "timeout": float("nan")}, "sources.vault.timeout: expected a finite number"),
        (
            {"address": ADDRESS, "stale_if_error": float("inf")},
            "sources.vault.stale_if_error: expected a finite",
        ),
        (
            {"address": ADDRESS, "cache_ttl": 1e12},
            "sources.vault.cache_ttl: expected at most 315360000 seconds",
        ),
        (
            {"address": "https://root:hunter2@vault.example:8200"},
            "sources.vault.address: 'https://***@vault.example:8200' carries credentials (user:password@)",
        ),
        (
            {"address": "root:hunter2@vault.example:8200"},
            "sources.vault.address: '***@vault.example:8200' carries credentials",
        ),
        ({"address": "vault.example:8200"}, "sources.vault.address: expected an http://"),
        ({"address": ADDRESS, "verify": "yes"}, "sources.vault.verify: expected true or false"),
        (
            {"address": ADDRESS, "verify": False, "ca_cert": "/ca.pem"},
            "sources.vault.ca_cert: set together with verify = false",
        ),
        ({"address": ADDRESS, "auth": {"method": "ldap"}}, "sources.vault.auth.method: expected one of"),
        (
            {"address": ADDRESS, "auth": {"method": "approle", "secret_id": "env:SID"}},
            "sources.vault.auth.role_id: required",
        ),
        (
            {"address": ADDRESS, "auth": {"method": "approle", "role_id": "r", "secret_id": "abc123"}},
            "sources.vault.auth.secret_id: expected a secret reference",
        ),
        (
            {"address": ADDRESS, "auth": {"method": "jwt", "role": "r", "jwt": "vault:secret/x#jwt"}},
            "sources.vault.auth.jwt: the Vault source cannot read its own login credentials",
        ),
        (
            {"address": ADDRESS, "auth": {"method": "approle", "role_id": "vault:secret/r#id"}},
            "sources.vault.auth.role_id: the Vault source cannot read its own login credentials",
        ),
        ({"address": ADDRESS, "auth": {"method": "jwt", "role": "r"}}, "sources.vault.auth.jwt: required"),
        ({"address": ADDRESS, "auth": {"method": "kubernetes"}}, "sources.vault.auth.role: required"),
        (
            {"address": ADDRESS, "auth": {"method": "token", "role": "r"}},
            "sources.vault.auth.role: unknown setting for method = 'token'",
        ),
        (
            {"address": ADDRESS, "mounts": {"kv1": {"version": 3}}},
            "sources.vault.mounts.kv1.version: expected an integer of at most 2",
        ),
    ],
)
def test_invalid_settings_name_the_key(settings: dict[str, Any], expected: str) -> None:
    """Each invalid setting raises ConfigError naming `sources.vault.<key>` and what is expected."""
    message = config_error(**settings)

    assert expected in message
    assert "hunter2" not in message


def test_address_falls_back_to_vault_addr(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `address`, VAULT_ADDR is used (and VAULT_NAMESPACE for the namespace)."""
    monkeypatch.setenv("VAULT_ADDR", "https://vault.example:8200/")
    monkeypatch.setenv("VAULT_NAMESPACE", "team-a")

    settings = parse_settings({})

    expected = ("https://vault.example:8200", "team-a")
    assert expected == (settings.address, settings.namespace)


def test_no_address_anywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without `address` or VAULT_ADDR the error names both."""
    monkeypatch.delenv("VAULT_ADDR", raising=False)
    monkeypatch.delenv("BAO_ADDR", raising=False)

    message = config_error()

    assert "sources.vault.address: not set, and neither is VAULT_ADDR" in message


def test_defaults() -> None:
    """Token auth, TLS verification, 10 s timeout, 300 s cache, 900 s stale, KV v2 mounts."""
    settings = parse_settings({"address": ADDRESS})

    expected: tuple[object, ...] = ("token", True, 10.0, 300.0, 900.0, {})
    assert expected == (
        settings.auth.method,
        settings.verify,
        settings.timeout,
        settings.cache_ttl,
        settings.stale_if_error,
        dict(settings.mounts),
    )


def test_kubernetes_defaults() -> None:
    """The kubernetes method defaults to the in-pod token path and the `kubernetes` mount."""
    auth = parse_settings({"address": ADDRESS, "auth": {"method": "kubernetes", "role": "api"}}).auth

    expected = (DEFAULT_KUBERNETES_JWT_PATH, "kubernetes")
    assert expected == (auth.jwt_path, auth.mount)


def test_ca_cert_becomes_the_verify_bundle() -> None:
    """`ca_cert` is the CA bundle TLS verification uses."""
    expected = "/etc/ssl/vault-ca.pem"
    assert expected == parse_settings({"address": ADDRESS, "ca_cert": expected}).verify


def test_host_rejects_bad_settings_when_it_loads() -> None:
    """A PluginHost checks `[sources.vault]` as it loads the plugin, before any source exists."""
    with pytest.raises(ConfigError) as caught:
        PluginHost(
            source_settings={"vault": {"address": ADDRESS, "timeout": "slow"}},
            plugins=(plugin,),
            load_entry_points=False,
        )

    expected = "sources.vault.timeout: expected a number of seconds, got str"
    assert expected == str(caught.value)


def test_checked_settings_reach_the_factory_with_defaults() -> None:
    """The source is built from the checked table: defaults filled in, parsed again unchanged."""
    host = PluginHost(
        source_settings={"vault": {"address": ADDRESS}}, plugins=(plugin,), load_entry_points=False
    )

    settings = parse_settings(host.source_settings["vault"])

    expected = (ADDRESS, 10.0, 300.0, "token")
    assert expected == (settings.address, settings.timeout, settings.cache_ttl, settings.auth.method)


def test_entry_point_registers_the_vault_scheme(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed distribution's `credflow` entry point `vault` serves the `vault` scheme."""
    monkeypatch.setenv("CREDFLOW_LOAD_PLUGINS", "vault")
    (entry_point,) = [ep for ep in metadata.entry_points(group="credflow") if ep.name == "vault"]
    host = PluginHost(source_settings={"vault": {"address": ADDRESS}})
    source = host.secret_source("vault")
    assert isinstance(source, VaultSecretSource)
    source.close()

    expected = "credflow_vault.plugin"
    assert expected == entry_point.value


def test_loading_the_plugin_does_not_import_hvac() -> None:
    """`import credflow` and the plugin module leave hvac and requests unimported."""
    code = (
        "import sys, credflow, credflow_vault.plugin; "
        "print(sorted(m for m in ('hvac', 'requests') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    expected = "[]"
    assert expected == result.stdout.strip()
