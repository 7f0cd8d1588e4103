"""End to end: a TokenEngine gets real tokens with a client secret read from Vault."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from credflow_vault.testing import VaultDevServer
from vault_helpers import MakeHost

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer


@pytest.fixture
def auth_server() -> Iterator[AuthServer]:
    """The embedded authorization server."""
    with AuthServer() as server:
        yield server


def engine_for(host: PluginHost, server: AuthServer, client_id: str, reference: str) -> TokenEngine:
    """A token engine for `client_id` whose secret is `reference`."""
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=client_id,
        client_secret=reference,
        scopes=("api.read",),
    )
    return TokenEngine(config, plugins=host)


def test_sync_token_with_secret_from_vault(
    vault_server: VaultDevServer, make_host: MakeHost, auth_server: AuthServer, secret_path: str
) -> None:
    """`get_token()` returns a token issued for the Vault-held secret."""
    client_id = f"billing-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, "from-vault", scopes=["api.read"])
    vault_server.write_secret(secret_path, {"client_secret": "from-vault"})
    host = make_host()

    with engine_for(host, auth_server, client_id, f"vault:secret/{secret_path}#client_secret") as engine:
        token = engine.get_token()

    expected = ("Bearer", 1)
    assert expected == (token.token_type, auth_server.counters.tokens_issued)


async def test_async_token_with_secret_from_vault(
    vault_server: VaultDevServer, make_host: MakeHost, auth_server: AuthServer, secret_path: str
) -> None:
    """`await aget_token()` returns a token issued for the Vault-held secret."""
    client_id = f"billing-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, "from-vault-async", scopes=["api.read"])
    vault_server.write_secret(secret_path, {"client_secret": "from-vault-async"})
    host = make_host()

    with engine_for(host, auth_server, client_id, f"vault:secret/{secret_path}#client_secret") as engine:
        token = await engine.aget_token()

    expected = ("Bearer", 1)
    assert expected == (token.token_type, auth_server.counters.token_requests)


def test_rotated_secret_is_read_again_after_rejection(
    vault_server: VaultDevServer, make_host: MakeHost, auth_server: AuthServer, secret_path: str
) -> None:
    """The cached old secret is rejected; the engine re-reads Vault (fresh) and gets a token."""
    client_id = f"billing-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, "old-secret", scopes=["api.read"])
    vault_server.write_secret(secret_path, {"client_secret": "old-secret"})
    reference = f"vault:secret/{secret_path}#client_secret"
    with engine_for(make_host(), auth_server, client_id, reference) as engine:
        first = engine.get_token()
        vault_server.write_secret(secret_path, {"client_secret": "new-secret"})
        auth_server.rotate_secret(client_id, "new-secret")
        engine.invalidate(first)

        second = engine.get_token()

    counters = auth_server.counters
    expected = (True, 2, 1)
    assert expected == (
        second.fingerprint != first.fingerprint,
        counters.tokens_issued,
        counters.invalid_client,
    )
