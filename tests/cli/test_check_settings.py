"""`credflow check` on settings refused at load: a bad ca_bundle, a URL with credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow.cli import ExitCode
from credflow.testing import AuthServer
from tests.leakcheck import LEDGER

from .conftest import Run, WriteConfig, client_toml

STEPS_NOT_RUN = ["✗ config valid"]


def with_ca_bundle(table: str, path: Path) -> str:
    """The client table with `ca_bundle = path` (before its [retry] sub-table)."""
    return table.replace("[clients.api.retry]", f'ca_bundle = "{path}"\n[clients.api.retry]')


def marks(out: str) -> list[str]:
    """The mark and step of each step line."""
    return [line.strip().split(":", 1)[0] for line in out.splitlines() if line.strip()[:1] in "✓✗-"]


def test_missing_ca_bundle_fails_the_config_step(
    run: Run, write_config: WriteConfig, server: AuthServer, tmp_path: Path
) -> None:
    """A ca_bundle that does not exist: ✗ config valid naming the key and the path, exit 3, no traceback."""
    missing = tmp_path / "corp-ca.pem"
    path = write_config(with_ca_bundle(client_toml("api", server), missing))

    outcome = run("check", "--config", str(path))

    assert (ExitCode.CONFIG, STEPS_NOT_RUN, "") == (outcome.code, marks(outcome.out), outcome.err)
    assert f"clients.api.ca_bundle: {missing}: no such file" in outcome.out
    assert "Traceback" not in outcome.out


def test_ca_bundle_that_is_not_pem_fails_the_config_step(
    run: Run, write_config: WriteConfig, server: AuthServer, tmp_path: Path
) -> None:
    """A ca_bundle holding no certificate: ✗ config valid saying so, exit 3."""
    notes = tmp_path / "notes.txt"
    notes.write_text("not a certificate\n")
    path = write_config(with_ca_bundle(client_toml("api", server), notes))

    outcome = run("check", "--config", str(path))

    assert (ExitCode.CONFIG, STEPS_NOT_RUN) == (outcome.code, marks(outcome.out))
    assert f"clients.api.ca_bundle: {notes}: not a PEM file of CA certificates" in outcome.out


def test_url_with_a_password_fails_the_config_step_without_showing_it(
    run: Run, write_config: WriteConfig, server: AuthServer
) -> None:
    """token_endpoint with user:password@: ✗ config valid, the password nowhere in the output."""
    password = "check-url-password-55Zk"
    LEDGER.canary(password)
    endpoint = server.token_endpoint.replace("http://", f"http://api:{password}@")
    path = write_config(endpoint=endpoint)

    outcome = run("check", "--config", str(path))

    assert (ExitCode.CONFIG, STEPS_NOT_RUN) == (outcome.code, marks(outcome.out))
    assert "clients.api.token_endpoint: 'http://***@127.0.0.1:" in outcome.out
    assert password not in outcome.out + outcome.err


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('timeout = "soon"', "sources.vault.timeout: expected a number of seconds, got str"),
        ("bogus_key = 1", "sources.vault.bogus_key: unknown key (known keys: address, auth,"),
        ("timout = 5", "sources.vault.timout: unknown key; did you mean 'timeout'?"),
    ],
)
def test_bad_vault_setting_fails_the_config_step_naming_file_and_key(
    run: Run, write_config: WriteConfig, server: AuthServer, table: str, expected: str
) -> None:
    """A bad or unknown [sources.vault] key: ✗ config valid naming the file and the key, no token asked."""
    vault = f'[sources.vault]\naddress = "http://127.0.0.1:8200"\n{table}\n'
    path = write_config(client_toml("api", server) + vault)
    before = server.counters.tokens_issued

    outcome = run("check", "--config", str(path))

    assert (ExitCode.CONFIG, STEPS_NOT_RUN) == (outcome.code, marks(outcome.out))
    assert f"{path}: {expected}" in outcome.out
    assert before == server.counters.tokens_issued
