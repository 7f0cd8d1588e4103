"""A real secret-manager outage: OpenBao sealed mid-run, its stale value, as telemetry shows it."""

from __future__ import annotations

from collections.abc import Iterator

import credflow_vault.plugin
import pytest
from credflow_otel import ACQUIRE_SPAN, SECRET_SPAN
from credflow_vault.testing import VaultDevServer
from otel_helpers import Telemetry, children_of, exported_text, scan_for_leaks, values

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer


@pytest.fixture
def openbao() -> Iterator[VaultDevServer]:
    """An OpenBao dev server of this test's own (sealing it must not disturb other tests)."""
    with VaultDevServer() as server:
        yield server


def test_sealed_openbao_is_served_stale_and_recorded(
    credflow_auth_server: AuthServer, openbao: VaultDevServer, telemetry: Telemetry
) -> None:
    """Cold start reads OpenBao; sealed, the next acquisition gets the stale value and still a token."""
    server = credflow_auth_server
    openbao.write_secret("billing", {"client_secret": server.test_client_secret})
    host = PluginHost(
        source_settings={"vault": openbao.source_settings(cache_ttl=0, stale_if_error=60)},
        plugins=(credflow_vault.plugin, telemetry.plugin),
        load_entry_points=False,
    )
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=server.test_client_id,
        client_secret="vault:secret/billing#client_secret",
        allow_insecure_http=True,
    )
    with TokenEngine(config, plugins=host) as engine:
        engine.get_token()
        openbao.seal()
        try:
            engine.invalidate()
            engine.get_token()  # the secret manager is down: served from the stale cache
        finally:
            openbao.unseal()
    host.close()

    metrics = telemetry.metrics()
    client = server.test_client_id

    # The Vault source reads its own login token once, through a file: reference.
    assert {
        ("file", "ok", "backend"): 1,
        ("vault", "ok", "backend"): 1,
        ("vault", "ok", "stale"): 1,
    } == values(
        metrics["credflow.secret.reads"], "credflow.secret.scheme", "credflow.outcome", "credflow.secret.from"
    )
    assert {(client, "issued", "cold"): 1, (client, "issued", "invalidated"): 1} == values(
        metrics["credflow.token.requests"], "credflow.client", "credflow.outcome", "credflow.reason"
    )
    spans = telemetry.spans()
    outage = [span for span in spans if span.name == ACQUIRE_SPAN][1]
    assert [("vault", "stale")] == [
        ((span.attributes or {})["credflow.secret.scheme"], (span.attributes or {})["credflow.secret.from"])
        for span in children_of(spans, outage)
        if span.name == SECRET_SPAN
    ]
    exported = exported_text(telemetry)
    scan_for_leaks("credflow-otel exported metrics and spans (OpenBao outage)", exported)
    assert server.test_client_secret not in exported
    assert "secret/billing" not in exported  # the reference's scheme only, never its path
