"""Vault / OpenBao KV v2 rotation windows: the latest version, then the previous one."""

from __future__ import annotations

import credflow_vault.plugin
import pytest
from credflow_vault.testing import VaultDevServer

from credflow import CredentialsRejectedError, RotationPolicy, TokenEngine
from credflow.events import SecretRotation
from credflow.testing import AuthServer

from .support import CLIENT_ID, NEW, OLD, EventRecorder, make_engine


def vault_engine(
    vault: VaultDevServer,
    server: AuthServer,
    path: str,
    recorder: EventRecorder,
    rotation: RotationPolicy,
    *,
    cache_ttl: float = 0,
) -> TokenEngine:
    """An engine reading `vault:secret/<path>#client_secret` (uncached unless `cache_ttl`)."""
    return make_engine(
        server.token_endpoint,
        f"vault:secret/{path}#client_secret",
        recorder,
        plugins=(credflow_vault.plugin,),
        source_settings={"vault": vault.source_settings(cache_ttl=cache_ttl)},
        rotation=rotation,
    )


def renew_counting_rejections(engine: TokenEngine, server: AuthServer) -> int:
    """Drop the token, get a new one; return the `invalid_client` answers that took."""
    before = server.counters.invalid_client
    engine.invalidate()
    engine.get_token()
    return server.counters.invalid_client - before


def test_manager_first_falls_back_to_the_previous_version_then_back(
    vault: VaultDevServer, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """A new version before the server accepts it: `?version=1` bridges the gap, then latest again."""
    vault.write_secret(secret_name, {"client_secret": OLD})
    rotation = RotationPolicy(try_versions=True)
    with vault_engine(vault, auth_server, secret_name, recorder, rotation) as engine:
        engine.get_token()
        vault.write_secret(secret_name, {"client_secret": NEW})  # version 2; server accepts OLD only

        rejected = [renew_counting_rejections(engine, auth_server)]
        rejected.append(renew_counting_rejections(engine, auth_server))  # remembered
        auth_server.rotate_secret(CLIENT_ID, NEW)  # OLD revoked at once
        rejected.append(renew_counting_rejections(engine, auth_server))
        rejected.append(renew_counting_rejections(engine, auth_server))

    reference = f"vault:secret/{secret_name}#client_secret"
    events = recorder.of_type(SecretRotation)
    expected = (
        [1, 0, 1, 0],
        [
            ("changed", None),
            ("candidate-fallback", f"{reference}?version=1"),
            ("fallback-ended", reference),
        ],
    )
    assert expected == (rejected, [(event.kind, event.candidate) for event in events])


def test_server_first_with_overlap_needs_only_the_reread(
    vault: VaultDevServer, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Server accepts both, Vault updated, old revoked: the cached old value is re-read once."""
    vault.write_secret(secret_name, {"client_secret": OLD})
    with vault_engine(vault, auth_server, secret_name, recorder, RotationPolicy(), cache_ttl=300) as engine:
        engine.get_token()
        auth_server.rotate_secret(CLIENT_ID, NEW, grace_seconds=3600)  # [OLD, NEW]
        vault.write_secret(secret_name, {"client_secret": NEW})
        engine.invalidate()
        engine.get_token()  # the cached OLD still works during the overlap
        auth_server.revoke_secret(CLIENT_ID, OLD)  # [NEW]

        rejected = renew_counting_rejections(engine, auth_server)

    expected = (1, 1, ["changed"])
    assert expected == (rejected, recorder.backend_reads(fresh=True), recorder.rotation_kinds())


def test_previous_version_is_not_tried_by_default(
    vault: VaultDevServer, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Without `try_versions` (nor last known good) the manager-first gap is CredentialsRejectedError."""
    vault.write_secret(secret_name, {"client_secret": OLD})
    rotation = RotationPolicy(last_good_for=0)
    with vault_engine(vault, auth_server, secret_name, recorder, rotation) as engine:
        engine.get_token()
        vault.write_secret(secret_name, {"client_secret": NEW})
        engine.invalidate()
        with pytest.raises(CredentialsRejectedError):
            engine.get_token()

    expected = ["changed"]
    assert expected == recorder.rotation_kinds()
