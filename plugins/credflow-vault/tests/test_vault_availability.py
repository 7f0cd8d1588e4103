"""A sealed, unreachable or hanging Vault: clear errors, and stale values while it lasts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from credflow_vault import plugin
from credflow_vault.testing import VaultDevServer
from vault_helpers import MakeHost, read, vault_source

from credflow import PluginHost, SecretSourceUnavailableError
from credflow.testing import free_port


@pytest.fixture
def sealable_server() -> Iterator[VaultDevServer]:
    """A dev server of its own, so sealing it does not disturb the shared one."""
    with VaultDevServer() as server:
        yield server


def test_sealed_server_serves_stale_then_says_sealed(sealable_server: VaultDevServer) -> None:
    """Sealed: a cached value is served stale; a fresh read says the server is sealed."""
    sealable_server.write_secret("billing", {"client_secret": "before-seal"})
    host = PluginHost(
        source_settings={"vault": sealable_server.source_settings(cache_ttl=0, stale_if_error=60)},
        plugins=(plugin,),
        load_entry_points=False,
    )
    reference = "vault:secret/billing#client_secret"
    read(host, reference)
    sealable_server.seal()

    stale = read(host, reference, fresh=False)
    with pytest.raises(SecretSourceUnavailableError) as caught:
        read(host, reference, fresh=True)
    sealable_server.unseal()
    after = read(host, reference, fresh=True)
    vault_source(host).close()

    expected = (("before-seal", True), ("before-seal", False))
    assert expected == ((stale.reveal(), stale.stale), (after.reveal(), after.stale))
    assert f"Vault at {sealable_server.address} is sealed" in str(caught.value)


def test_connection_refused_names_the_address(make_host: MakeHost) -> None:
    """Nothing listening: SecretSourceUnavailableError naming the address to check."""
    port = free_port()
    host = make_host(address=f"http://127.0.0.1:{port}")

    with pytest.raises(SecretSourceUnavailableError) as caught:
        read(host, "vault:secret/billing#client_secret")

    message = str(caught.value)
    assert f"Vault at http://127.0.0.1:{port} could not be reached" in message
    assert "sources.vault.address" in message


def test_server_that_never_answers_times_out(make_host: MakeHost) -> None:
    """A listener that never answers: the read gives up after `timeout` and says so."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)  # connections complete in the backlog but are never answered
        port = sock.getsockname()[1]
        host = make_host(address=f"http://127.0.0.1:{port}", timeout=0.3)

        with pytest.raises(SecretSourceUnavailableError) as caught:
            read(host, "vault:secret/billing#client_secret")

    assert "did not answer in time" in str(caught.value)


@pytest.fixture(scope="module")
def tls_server() -> Iterator[VaultDevServer]:
    """A dev server listening with TLS (`-dev-tls`), its CA in `ca_cert`."""
    with VaultDevServer(tls=True) as server:
        server.write_secret("billing", {"client_secret": "over-tls"})
        yield server


def tls_host(server: VaultDevServer, **settings: Any) -> PluginHost:
    """A host reading from the TLS server with `settings` changed."""
    return PluginHost(
        source_settings={"vault": server.source_settings(**settings)},
        plugins=(plugin,),
        load_entry_points=False,
    )


def test_tls_with_ca_cert(tls_server: VaultDevServer) -> None:
    """`ca_cert` makes the source trust the server's private CA."""
    host = tls_host(tls_server)

    value = read(host, "vault:secret/billing#client_secret")
    vault_source(host).close()

    expected = "over-tls"
    assert expected == value.reveal()


def test_tls_without_ca_cert_says_to_set_it(tls_server: VaultDevServer) -> None:
    """Without `ca_cert` the certificate is not trusted and the error names the setting."""
    settings = tls_server.source_settings()
    del settings["ca_cert"]
    host = PluginHost(source_settings={"vault": settings}, plugins=(plugin,), load_entry_points=False)

    with pytest.raises(SecretSourceUnavailableError) as caught:
        read(host, "vault:secret/billing#client_secret")
    vault_source(host).close()

    assert "set sources.vault.ca_cert" in str(caught.value)
