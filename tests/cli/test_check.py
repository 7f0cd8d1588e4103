"""`credflow check`: a ✓/✗ line per step, the fix for the first failure, and its exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow import fingerprint
from credflow.cli import ExitCode
from credflow.testing import AuthServer

from .conftest import Run, WriteConfig, client_toml


def marks(out: str) -> list[str]:
    """The mark and step of each step line."""
    return [line.strip().split(":", 1)[0] for line in out.splitlines() if line.strip()[:1] in "✓✗-"]


def test_healthy_configuration_passes_every_step(run: Run, config_path: Path, server: AuthServer) -> None:
    """Every step is ✓; the secret shows only as its fingerprint."""
    outcome = run("check", "--config", str(config_path))

    assert (ExitCode.OK, "") == (outcome.code, outcome.err)
    assert [
        "✓ config valid",
        "✓ secret source installed",
        "✓ secret readable",
        "✓ token endpoint reachable",
        "✓ token issued",
    ] == marks(outcome.out)
    assert f"fingerprint {fingerprint(server.test_client_secret)}" in outcome.out
    assert "over plain http on loopback" in outcome.out
    assert "scope api.read; expires in" in outcome.out
    assert server.test_client_secret not in outcome.out


def test_missing_environment_variable_fails_at_secret_readable(
    run: Run, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unset variable: ✗ at "secret readable" with the export fix; later steps are not run; exit 4."""
    monkeypatch.delenv("CLI_TEST_CLIENT_SECRET")

    outcome = run("check", "--config", str(config_path))

    assert ExitCode.SECRET_SOURCE == outcome.code
    assert [
        "✓ config valid",
        "✓ secret source installed",
        "✗ secret readable",
        "- token endpoint reachable",
        "- token issued",
    ] == marks(outcome.out)
    assert (
        "    fix: set the environment variable CLI_TEST_CLIENT_SECRET to the client secret "
        "(export CLI_TEST_CLIENT_SECRET=...), or point client_secret at where the secret is kept"
    ) in outcome.out.splitlines()


def test_missing_file_fails_at_secret_readable(run: Run, write_config: WriteConfig, tmp_path: Path) -> None:
    """A missing secret file says where to put the secret."""
    path = write_config(secret=f"file:{tmp_path}/absent")

    outcome = run("check", "--config", str(path))

    assert ExitCode.SECRET_SOURCE == outcome.code
    assert f"    fix: put the client secret in {tmp_path}/absent" in outcome.out


def test_wrong_secret_fails_at_token_issued(
    run: Run, config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret the server rejects: ✗ at "token issued", exit 5, the value never shown."""
    monkeypatch.setenv("CLI_TEST_CLIENT_SECRET", "not-the-right-one-42")

    outcome = run("check", "--config", str(config_path))

    assert ExitCode.CREDENTIALS_REJECTED == outcome.code
    assert "✗ token issued" == marks(outcome.out)[-1]
    assert "fix: the authorization server does not accept client_id 'test-client'" in outcome.out
    assert "not-the-right-one-42" not in outcome.out


def test_unreachable_endpoint_fails_at_reachable(
    run: Run, write_config: WriteConfig, closed_port: int
) -> None:
    """Nothing listening: ✗ at "token endpoint reachable", exit 6."""
    path = write_config(endpoint=f"http://127.0.0.1:{closed_port}/oauth2/token")

    outcome = run("check", "--config", str(path))

    assert ExitCode.NETWORK == outcome.code
    assert ["✗ token endpoint reachable", "- token issued"] == marks(outcome.out)[-2:]
    assert f"fix: nothing answers at 127.0.0.1:{closed_port}" in outcome.out


def test_unknown_scope_fails_at_token_issued(run: Run, write_config: WriteConfig) -> None:
    """A scope the server does not grant: ✗ at "token issued" with the fix, exit 6."""
    path = write_config(scopes=("api.read", "api.admin"))

    outcome = run("check", "--config", str(path))

    assert ExitCode.NETWORK == outcome.code
    assert "✗ token issued" == marks(outcome.out)[-1]
    assert "fix: ask for the scopes api.read api.admin to be allowed for this client" in outcome.out


def test_invalid_configuration_fails_at_the_first_step(run: Run, write_config: WriteConfig) -> None:
    """A broken file: ✗ at "config valid", nothing else, exit 3."""
    path = write_config('[clients.api]\nclient_id = "x"\n')

    outcome = run("check", "--config", str(path))

    assert (ExitCode.CONFIG, ["✗ config valid"]) == (outcome.code, marks(outcome.out))
    assert f"{path}: clients.api.client_secret: missing" in outcome.out


def test_issuer_discovery_is_checked(run: Run, write_config: WriteConfig, server: AuthServer) -> None:
    """With issuer, the endpoint step reports the discovered token endpoint."""
    text = client_toml("api", server).replace(
        f'token_endpoint = "{server.token_endpoint}"', f'issuer = "{server.issuer}"'
    )
    path = write_config(text)

    outcome = run("check", "--config", str(path))

    assert ExitCode.OK == outcome.code
    discovered = f"(discovered from {server.issuer})"
    expected = f"{server.token_endpoint} answered HTTP 405 over plain http on loopback {discovered}"
    assert expected in outcome.out


def test_every_client_is_checked_without_client(
    run: Run, write_config: WriteConfig, server: AuthServer
) -> None:
    """Without --client, each client gets its own block; the exit code is the first failure's."""
    path = write_config(
        client_toml("good", server) + client_toml("broken", server, secret="env:CLI_TEST_UNSET")
    )

    outcome = run("check", "--config", str(path))

    blocks = [line for line in outcome.out.splitlines() if line.startswith("client ")]
    assert (
        ExitCode.SECRET_SOURCE,
        ["client broken (client_id test-client)", "client good (client_id test-client)"],
    ) == (
        outcome.code,
        blocks,
    )


def test_rejected_secret_that_form_encoding_changes_names_raw_basic_auth_encoding(
    run: Run, write_config: WriteConfig, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server that does not form-decode Basic refuses an encoded '/'-secret: the fix names the setting."""
    secret = "Ab3/kL9=x+Yz-QR7"
    server.add_client("odd", secret, scopes=["api.read"])
    server.basic_auth_decoding = "raw"
    monkeypatch.setenv("ODD_SECRET", secret)
    path = write_config(
        client_toml("api", server, secret="env:ODD_SECRET").replace(
            f'client_id = "{server.test_client_id}"', 'client_id = "odd"'
        )
    )

    outcome = run("check", "--config", str(path))

    assert ExitCode.CREDENTIALS_REJECTED == outcome.code
    assert "set basic_auth_encoding = 'raw' on this client" in outcome.out
    assert secret not in outcome.out
    assert "kL9" not in outcome.out


def test_rejected_plain_secret_still_says_update_the_secret(
    run: Run, write_config: WriteConfig, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A secret both encodings send alike: the encoding cannot be the cause; the fix is the secret."""
    monkeypatch.setenv("CLI_TEST_CLIENT_SECRET", "plain-but-wrong-secret-123")

    outcome = run("check", "--config", str(write_config()))

    assert ExitCode.CREDENTIALS_REJECTED == outcome.code
    assert "update the secret in its source, or at the server" in outcome.out
    assert "basic_auth_encoding" not in outcome.out
