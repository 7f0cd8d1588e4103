"""Loading and switching: the entry point, `[telemetry] enabled = false`, and no provider at all."""

from __future__ import annotations

from pathlib import Path

import credflow_otel
from otel_helpers import FlakySecretManager, Telemetry

from credflow import ClientConfig, PluginHost, TokenEngine, load_config
from credflow.testing import AuthServer


def _config_file(tmp_path: Path, server: AuthServer, telemetry_table: str) -> Path:
    path = tmp_path / "credflow.toml"
    path.write_text(
        f"""{telemetry_table}
[clients.svc]
token_endpoint = "{server.token_endpoint}"
client_id = "{server.test_client_id}"
client_secret = "flaky:svc"
allow_insecure_http = true
"""
    )
    return path


def test_entry_point_registers_the_process_wide_plugin() -> None:
    """An installed credflow-otel is loaded by name `otel` from its distribution, enabled."""
    host = PluginHost()

    loaded = {plugin.name: plugin.distribution for plugin in host.plugins}
    registered = host.plugin_manager.get_plugin("otel")

    assert "credflow-otel" == loaded["otel"]
    assert credflow_otel.telemetry_plugin is registered
    assert credflow_otel.telemetry_plugin.enabled


def test_disabled_in_the_file_records_nothing(
    credflow_auth_server: AuthServer, telemetry: Telemetry, tmp_path: Path
) -> None:
    """With [telemetry] enabled = false, tokens flow and no metric or span is recorded."""
    server = credflow_auth_server
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    path = _config_file(tmp_path, server, "[telemetry]\nenabled = false\n")

    with load_config(path, env={}, plugins=(secrets, telemetry.plugin), load_entry_points=False) as config:
        config.engine("svc").get_token()
        config.engine("svc").get_token()

    assert {} == telemetry.metrics()
    assert () == telemetry.spans()


def test_enabled_by_default_records(
    credflow_auth_server: AuthServer, telemetry: Telemetry, tmp_path: Path
) -> None:
    """Without a [telemetry] table, the same run records its token request and its span."""
    server = credflow_auth_server
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    path = _config_file(tmp_path, server, "")

    with load_config(path, env={}, plugins=(secrets, telemetry.plugin), load_entry_points=False) as config:
        config.engine("svc").get_token()

    assert 1 == sum(value for _, value in telemetry.metrics()["credflow.token.requests"])
    assert ["credflow read secret", "POST", "credflow acquire token"] == [
        span.name for span in telemetry.spans()
    ]


def test_without_an_sdk_the_api_no_ops(credflow_auth_server: AuthServer) -> None:
    """With OpenTelemetry's default (no-op) providers the plugin runs and tokens are served."""
    server = credflow_auth_server
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    plugin = credflow_otel.OtelTelemetry()
    host = PluginHost(plugins=(secrets, plugin), load_entry_points=False)
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=server.test_client_id,
        client_secret="flaky:svc",
        allow_insecure_http=True,
    )
    with TokenEngine(config, plugins=host) as engine:
        first = engine.get_token()
        second = engine.get_token()

    assert first.fingerprint == second.fingerprint
    assert 1 == server.counters.token_requests
    assert "opentelemetry" in plugin.meter_provider_name()
