"""`credflow token`: the token alone or as JSON, and the exit code of each failure."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from credflow.cli import ExitCode
from credflow.testing import AuthServer

from .conftest import Run, WriteConfig, client_toml


@pytest.mark.allow_token_output
def test_prints_the_token_alone(run: Run, config_path: Path, server: AuthServer) -> None:
    """The output is one line, the token, usable as a Bearer header."""
    outcome = run("token", "--config", str(config_path))

    token = outcome.out.removesuffix("\n")
    answer = httpx.get(f"{server.api_url}/read", headers={"Authorization": f"Bearer {token}"})
    assert (ExitCode.OK, "", 1, 200) == (
        outcome.code,
        outcome.err,
        outcome.out.count("\n"),
        answer.status_code,
    )


@pytest.mark.allow_token_output
def test_json_has_value_type_lifetime_expiry_and_scope(run: Run, config_path: Path) -> None:
    """--json prints access_token, token_type, expires_in, expires_at (UTC, Z) and scope."""
    outcome = run("token", "--json", "--config", str(config_path))

    document = json.loads(outcome.out)
    assert ["access_token", "expires_at", "expires_in", "scope", "token_type"] == sorted(document)
    assert ("Bearer", "api.read") == (document["token_type"], document["scope"])
    assert 3590 <= document["expires_in"] <= 3600
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", document["expires_at"])


@pytest.mark.allow_token_output
def test_global_options_go_before_or_after_the_command(run: Run, config_path: Path) -> None:
    """--config works before the command name as well as after it."""
    outcome = run("--config", str(config_path), "token")

    assert (ExitCode.OK, "") == (outcome.code, outcome.err)


def test_client_is_needed_with_several_clients(
    run: Run, write_config: WriteConfig, server: AuthServer
) -> None:
    """Without --client and with two clients, it is a usage error listing them."""
    path = write_config(client_toml("billing", server) + client_toml("reports", server))

    outcome = run("token", "--config", str(path))

    expected = (
        "credflow: error: --client NAME is needed: the configuration has 2 clients (billing, reports)\n"
    )
    assert (ExitCode.USAGE, "", expected) == (outcome.code, outcome.out, outcome.err)


def test_unknown_client_is_a_usage_error(run: Run, config_path: Path) -> None:
    """--client naming no client exits 2 with a suggestion."""
    outcome = run("token", "--client", "apj", "--config", str(config_path))

    assert ExitCode.USAGE == outcome.code
    assert "no client named 'apj'; did you mean 'api'?" in outcome.err


def test_missing_secret_exits_4_with_one_line(
    run: Run, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unset secret variable is a secret-source error: one line on stderr, no traceback."""
    monkeypatch.delenv("CLI_TEST_CLIENT_SECRET")

    outcome = run("token", "--config", str(config_path))

    expected = (
        "credflow: error: secret env:CLI_TEST_CLIENT_SECRET: environment variable "
        "CLI_TEST_CLIENT_SECRET is not set\n"
    )
    assert (ExitCode.SECRET_SOURCE, "", expected) == (outcome.code, outcome.out, outcome.err)


def test_rejected_secret_exits_5(run: Run, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong secret is rejected by the server: exit 5, and the wrong secret is not printed."""
    monkeypatch.setenv("CLI_TEST_CLIENT_SECRET", "wrong-secret-value-123")

    outcome = run("token", "--config", str(config_path))

    assert (ExitCode.CREDENTIALS_REJECTED, "") == (outcome.code, outcome.out)
    assert "invalid_client" in outcome.err
    assert "wrong-secret-value-123" not in outcome.err


def test_unreachable_endpoint_exits_6(run: Run, write_config: WriteConfig, closed_port: int) -> None:
    """Nothing listening at the token endpoint: retries run out, exit 6."""
    path = write_config(endpoint=f"http://127.0.0.1:{closed_port}/oauth2/token")

    outcome = run("token", "--config", str(path))

    assert ExitCode.NETWORK == outcome.code
    assert outcome.err.startswith(
        f"credflow: error: token endpoint http://127.0.0.1:{closed_port}/oauth2/token"
    )


def test_configuration_error_exits_3(run: Run, write_config: WriteConfig) -> None:
    """An invalid file exits 3 naming the key."""
    path = write_config(
        '[clients.api]\nclient_id = "x"\nclient_secret = "hunter2"\ntoken_endpoint = "https://a/t"\n'
    )

    outcome = run("token", "--config", str(path))

    assert ExitCode.CONFIG == outcome.code
    assert outcome.err.startswith(
        f"credflow: error: {path}: clients.api.client_secret: expected a secret reference"
    )
    assert "hunter2" not in outcome.err


def test_debug_adds_the_traceback(run: Run, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--debug prints the traceback before the one-line error."""
    monkeypatch.delenv("CLI_TEST_CLIENT_SECRET")

    outcome = run("--debug", "token", "--config", str(config_path))

    assert ExitCode.SECRET_SOURCE == outcome.code
    assert "Traceback (most recent call last)" in outcome.err
    assert (
        outcome.err.rstrip("\n")
        .splitlines()[-1]
        .startswith("credflow: error: secret env:CLI_TEST_CLIENT_SECRET")
    )
