"""private_key_jwt with the PEM key in a secret manager: OpenBao (Vault KV v2) and moto's Secrets Manager.

The key is read through the same plugins, caches and rotation rules as a client secret: a new key
version written before the server registers it is refused, and `try_versions` signs with the
previous version until the server knows the new key.
"""

from __future__ import annotations

import credflow_aws.plugin
import credflow_vault.plugin
from credflow_aws.testing import MotoSecretsManager
from credflow_vault.testing import VaultDevServer

from credflow import ClientConfig, PluginHost, RetryPolicy, RotationPolicy, TokenEngine
from credflow.events import SecretRotation
from credflow.testing import AuthServer

from ..client_auth.keys import new_key
from .support import EventRecorder

SIGNER = "signer"


def signing_engine(
    server: AuthServer,
    private_key: str,
    recorder: EventRecorder,
    *,
    plugin: object,
    scheme: str,
    settings: dict[str, object],
    rotation: RotationPolicy | None = None,
) -> TokenEngine:
    """An engine for SIGNER signing with the key at `private_key`."""
    host = PluginHost(source_settings={scheme: settings}, plugins=(recorder, plugin), load_entry_points=False)
    config = ClientConfig(
        client_id=SIGNER,
        auth_method="private_key_jwt",
        private_key=private_key,
        token_endpoint=server.token_endpoint,
        scopes=("api.read",),
        retry=RetryPolicy(attempts=2, deadline=10),
        rotation=rotation or RotationPolicy(),
    )
    return TokenEngine(config, plugins=host)


def test_key_in_vault_kv_v2(
    vault: VaultDevServer, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """A PEM in a Vault KV v2 field signs the assertion; a token comes back."""
    key = new_key("EC")
    auth_server.add_client(SIGNER, None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    auth_server.set_public_keys(SIGNER, key.public_set())
    vault.write_secret(secret_name, {"private_key": key.pem})
    reference = f"vault:secret/{secret_name}#private_key"
    settings = vault.source_settings(cache_ttl=0)
    with signing_engine(
        auth_server, reference, recorder, plugin=credflow_vault.plugin, scheme="vault", settings=settings
    ) as engine:
        assert "api.read" == engine.get_token().scope


def test_key_in_aws_secrets_manager(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """A PEM as a Secrets Manager secret string signs the assertion; a token comes back."""
    key = new_key("RSA")
    auth_server.add_client(SIGNER, None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    auth_server.set_public_keys(SIGNER, key.public_set())
    aws.create_secret(secret_name, key.pem)
    settings = aws.source_settings(cache_ttl=0)
    with signing_engine(
        auth_server,
        f"aws-sm:{secret_name}",
        recorder,
        plugin=credflow_aws.plugin,
        scheme="aws-sm",
        settings=settings,
    ) as engine:
        assert "api.read" == engine.get_token().scope


def test_vault_key_rotation_previous_version_bridges_then_new_key(
    vault: VaultDevServer, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Key v2 written before the server knows it: v1 signs meanwhile; once registered, v2 alone."""
    old, new = new_key("EC"), new_key("EC")
    auth_server.add_client(SIGNER, None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    auth_server.set_public_keys(SIGNER, old.public_set())
    vault.write_secret(secret_name, {"private_key": old.pem})
    reference = f"vault:secret/{secret_name}#private_key"
    settings = vault.source_settings(cache_ttl=0)
    rotation = RotationPolicy(try_versions=True)
    with signing_engine(
        auth_server,
        reference,
        recorder,
        plugin=credflow_vault.plugin,
        scheme="vault",
        settings=settings,
        rotation=rotation,
    ) as engine:
        engine.get_token()
        vault.write_secret(secret_name, {"private_key": new.pem})  # version 2, not registered yet
        engine.invalidate()
        bridged = engine.get_token()
        auth_server.set_public_keys(SIGNER, old.public_set(new))  # both registered
        auth_server.set_public_keys(SIGNER, new.public_set())  # then the old key removed
        engine.invalidate(bridged)
        engine.get_token()
    kinds = [event.kind for event in recorder.of_type(SecretRotation)]
    assert ("candidate-fallback", "fallback-ended") == (kinds[-2], kinds[-1])
