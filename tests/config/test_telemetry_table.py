"""The [telemetry] table: declared once, checked at load, handed to telemetry plugins."""

from __future__ import annotations

import pytest

from credflow import ConfigError, hookimpl
from credflow.config._file import load_config
from credflow.config._telemetry import TelemetryConfig

from .conftest import WriteConfig


class SettingsRecorder:
    """A telemetry plugin that only remembers the settings it was given."""

    def __init__(self) -> None:
        self.seen: list[TelemetryConfig] = []

    @hookimpl
    def credflow_configure_telemetry(self, settings: TelemetryConfig) -> None:
        self.seen.append(settings)


def test_telemetry_is_enabled_by_default(write_config: WriteConfig) -> None:
    """A file without [telemetry] hands the plugins enabled = true."""
    recorder = SettingsRecorder()
    path = write_config("")

    config = load_config(path, env={}, plugins=(recorder,), load_entry_points=False)

    assert [TelemetryConfig(enabled=True)] == recorder.seen
    assert TelemetryConfig(enabled=True) == config.telemetry


def test_telemetry_switched_off_in_the_file(write_config: WriteConfig) -> None:
    """[telemetry] enabled = false reaches the plugins and shows in `config show`."""
    recorder = SettingsRecorder()
    path = write_config("[telemetry]\nenabled = false\n")

    config = load_config(path, env={}, plugins=(recorder,), load_entry_points=False)

    assert [TelemetryConfig(enabled=False)] == recorder.seen
    assert {"enabled": False} == config.as_dict()["telemetry"]


def test_telemetry_switched_off_from_the_environment(write_config: WriteConfig) -> None:
    """CREDFLOW_TELEMETRY__ENABLED=false overrides the file."""
    recorder = SettingsRecorder()
    path = write_config("[telemetry]\nenabled = true\n")

    load_config(
        path, env={"CREDFLOW_TELEMETRY__ENABLED": "false"}, plugins=(recorder,), load_entry_points=False
    )

    assert [TelemetryConfig(enabled=False)] == recorder.seen


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[telemetry]\nenable = false\n", "telemetry.enable: unknown key; did you mean 'enabled'?"),
        ('[telemetry]\nenabled = "no"\n', "telemetry.enabled: expected"),
        ("telemetry = 1\n", r"telemetry: expected a table \(\[telemetry\]\), got 1"),
    ],
)
def test_bad_telemetry_table_is_refused(write_config: WriteConfig, text: str, message: str) -> None:
    """A misspelt key, a non-boolean or a non-table fails at load, naming the key."""
    path = write_config(text)

    with pytest.raises(ConfigError, match=message):
        load_config(path, env={}, load_entry_points=False)


def test_bad_telemetry_variable_is_refused(write_config: WriteConfig) -> None:
    """A variable with a level too many says the expected shape."""
    path = write_config("")

    with pytest.raises(ConfigError, match="expected CREDFLOW_TELEMETRY__<KEY>"):
        load_config(path, env={"CREDFLOW_TELEMETRY__ENABLED__X": "1"}, load_entry_points=False)
