"""`credflow config show`: the effective configuration, references as written, secrets never shown."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from credflow.cli import ExitCode
from credflow.testing import AuthServer

from .conftest import Run, WriteConfig, client_toml


def test_toml_output_is_the_effective_configuration(run: Run, config_path: Path, server: AuthServer) -> None:
    """The TOML printed parses and holds file values, defaults, and the reference as written."""
    outcome = run("config", "show", "--config", str(config_path))

    api = tomllib.loads(outcome.out)["clients"]["api"]
    assert (ExitCode.OK, "env:CLI_TEST_CLIENT_SECRET", 2, "memory") == (
        outcome.code,
        api["client_secret"],
        api["retry"]["attempts"],
        api["cache"]["backend"],
    )
    assert server.test_client_secret not in outcome.out


def test_environment_overrides_are_shown(
    run: Run, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CREDFLOW_CLIENTS__ variable shows in the effective configuration."""
    monkeypatch.setenv("CREDFLOW_CLIENTS__API__TIMEOUT", "3")

    outcome = run("config", "show", "--format", "json", "--config", str(config_path))

    assert 3.0 == json.loads(outcome.out)["clients"]["api"]["timeout"]


def test_json_output_and_one_client(run: Run, write_config: WriteConfig, server: AuthServer) -> None:
    """--format json --client NAME prints that client only, as JSON."""
    path = write_config(client_toml("billing", server) + client_toml("reports", server))

    outcome = run("config", "show", "--client", "reports", "--format", "json", "--config", str(path))

    assert ["reports"] == list(json.loads(outcome.out)["clients"])


def test_literal_plugin_secrets_are_redacted(run: Run, write_config: WriteConfig, server: AuthServer) -> None:
    """Secret-looking literals in plugin settings never reach the output."""
    text = client_toml("api", server) + '[sources.dict]\nsecrets = { api = "dict-secret-value-9" }\n'
    path = write_config(text + '[clients.api.cache]\nurl = "redis://:redis-pass-77@localhost/0"\n')

    outcome = run("config", "show", "--config", str(path))

    assert ExitCode.OK == outcome.code
    assert [] == [leak for leak in ("dict-secret-value-9", "redis-pass-77") if leak in outcome.out]
