"""End to end: a TokenEngine gets real tokens with a client secret read from Key Vault."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from azure_helpers import HostFactory
from credflow_azure.testing import KeyVaultServer

from credflow import ClientConfig, PluginHost, RotationPolicy, TokenEngine
from credflow.testing import AuthServer


@pytest.fixture
def auth_server() -> Iterator[AuthServer]:
    """The embedded authorization server."""
    with AuthServer() as server:
        yield server


def engine_for(
    host: PluginHost, server: AuthServer, client_id: str, reference: str, *, versions: bool = False
) -> TokenEngine:
    """A token engine for `client_id` whose secret is `reference`."""
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=client_id,
        client_secret=reference,
        scopes=("api.read",),
        rotation=RotationPolicy(try_versions=versions),
    )
    return TokenEngine(config, plugins=host)


def test_sync_token(kv: KeyVaultServer, make_host: HostFactory, auth_server: AuthServer, name: str) -> None:
    """`get_token()` returns a token issued for the secret held in Key Vault."""
    client_id = f"billing-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, "from-key-vault", scopes=["api.read"])
    kv.set_secret(name, "from-key-vault")

    with engine_for(make_host(), auth_server, client_id, kv.reference(name)) as engine:
        token = engine.get_token()

    assert ("Bearer", 1) == (token.token_type, auth_server.counters.tokens_issued)


async def test_async_token(
    kv: KeyVaultServer, make_host: HostFactory, auth_server: AuthServer, name: str
) -> None:
    """`await aget_token()` returns a token issued for the secret held in Key Vault."""
    client_id = f"billing-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, "from-key-vault-async", scopes=["api.read"])
    kv.set_secret(name, '{"client_secret": "from-key-vault-async"}')

    reference = kv.reference(name, key="client_secret")
    with engine_for(make_host(), auth_server, client_id, reference) as engine:
        token = await engine.aget_token()

    assert ("Bearer", 1) == (token.token_type, auth_server.counters.tokens_issued)


def test_rotation_falls_back_to_previous_version(
    kv: KeyVaultServer, make_host: HostFactory, auth_server: AuthServer, name: str
) -> None:
    """Key Vault rotated before the authorization server did: the previous version gets a token."""
    client_id = f"billing-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, "current-secret", scopes=["api.read"])
    kv.set_secret(name, "current-secret")
    kv.set_secret(name, "next-secret-not-yet-registered")

    with engine_for(make_host(), auth_server, client_id, kv.reference(name), versions=True) as engine:
        token = engine.get_token()

    counters = auth_server.counters
    assert ("Bearer", 1, 1) == (token.token_type, counters.tokens_issued, counters.invalid_client)


def test_private_key_jwt_key_from_key_vault(
    kv: KeyVaultServer, make_host: HostFactory, auth_server: AuthServer, name: str
) -> None:
    """A PEM private key stored as a Key Vault secret signs the private_key_jwt assertion."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from joserfc.jwk import import_key

    pem = (
        ec.generate_private_key(ec.SECP256R1())
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )
    key = import_key(pem, "EC")
    client_id = f"signer-{uuid.uuid4().hex[:6]}"
    auth_server.add_client(client_id, None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    auth_server.set_public_keys(
        client_id, {"keys": [{**key.as_dict(private=False), "kid": key.thumbprint()}]}
    )
    kv.set_secret(name, pem)
    config = ClientConfig(
        token_endpoint=auth_server.token_endpoint,
        client_id=client_id,
        auth_method="private_key_jwt",
        private_key=kv.reference(name),
        scopes=("api.read",),
    )
    with TokenEngine(config, plugins=make_host()) as engine:
        token = engine.get_token()

    assert ("Bearer", 1) == (token.token_type, auth_server.counters.tokens_issued)
