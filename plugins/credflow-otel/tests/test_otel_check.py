"""`credflow check` says whether telemetry is on and which meter provider credflow-otel found."""

from __future__ import annotations

from pathlib import Path

import credflow_otel
import pytest

from credflow.cli import main
from credflow.testing import AuthServer


def _telemetry_line(path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """Run `credflow check --config path` in this process; its `telemetry:` line."""
    main(["check", "--config", str(path)])
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("telemetry: ")]
    assert 1 == len(lines)
    return lines[0]


def _write(tmp_path: Path, server: AuthServer, telemetry_table: str = "") -> Path:
    path = tmp_path / "credflow.toml"
    path.write_text(
        f"""{telemetry_table}
[clients.svc]
token_endpoint = "{server.token_endpoint}"
client_id = "{server.test_client_id}"
client_secret = "env:OTEL_CHECK_SECRET"
allow_insecure_http = true
"""
    )
    return path


@pytest.fixture
def global_plugin_restored(monkeypatch: pytest.MonkeyPatch) -> None:
    """`credflow check` configures the process-wide plugin: put its switch back afterwards."""
    monkeypatch.setattr(credflow_otel.telemetry_plugin, "enabled", credflow_otel.telemetry_plugin.enabled)


@pytest.mark.usefixtures("global_plugin_restored")
def test_check_reports_telemetry_on_without_a_meter_provider(
    credflow_auth_server: AuthServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Installed and enabled, with no SDK set up: on, and the no-op provider is named as such."""
    monkeypatch.setenv("OTEL_CHECK_SECRET", credflow_auth_server.test_client_secret)
    path = _write(tmp_path, credflow_auth_server)

    line = _telemetry_line(path, capsys)

    assert (
        "telemetry: on; credflow-otel: no meter provider installed (OpenTelemetry's no-op default: "
        "the application sets one up with the SDK)"
    ) == line


@pytest.mark.usefixtures("global_plugin_restored")
def test_check_reports_telemetry_switched_off(
    credflow_auth_server: AuthServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """[telemetry] enabled = false: off, and the installed plugin is still named."""
    monkeypatch.setenv("OTEL_CHECK_SECRET", credflow_auth_server.test_client_secret)
    path = _write(tmp_path, credflow_auth_server, "[telemetry]\nenabled = false\n")

    line = _telemetry_line(path, capsys)

    assert line.startswith("telemetry: off ([telemetry] enabled = false); installed: credflow-otel: ")
    assert not credflow_otel.telemetry_plugin.enabled


def test_check_reports_no_telemetry_plugin(
    credflow_auth_server: AuthServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """With the plugin blocked, check says telemetry is off and how to install it."""
    monkeypatch.setenv("CREDFLOW_BLOCK_PLUGINS", "otel")
    monkeypatch.setenv("OTEL_CHECK_SECRET", credflow_auth_server.test_client_secret)
    path = _write(tmp_path, credflow_auth_server)

    line = _telemetry_line(path, capsys)

    expected = (
        "telemetry: off: no telemetry plugin installed (pip install 'credflow[otel]' for OpenTelemetry)"
    )
    assert expected == line


def test_describe_names_an_sdk_meter_provider() -> None:
    """Given the SDK's MeterProvider, the plugin names its class."""
    from opentelemetry.sdk.metrics import MeterProvider

    provider = MeterProvider()
    try:
        plugin = credflow_otel.OtelTelemetry(meter_provider=provider)

        assert "credflow-otel: meter provider opentelemetry.sdk.metrics._internal.MeterProvider" == (
            plugin.credflow_describe_telemetry()
        )
    finally:
        provider.shutdown()
