"""Fixtures for the CLI tests: a real authorization server, a config file, and the command in-process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from credflow.cli import main
from credflow.testing import AuthServer, free_port

SECRET_VARIABLE = "CLI_TEST_CLIENT_SECRET"


@dataclass(frozen=True)
class Outcome:
    """What one `credflow` run returned and printed."""

    code: int
    out: str
    err: str


Run = Callable[..., Outcome]
WriteConfig = Callable[..., Path]


@pytest.fixture
def server(credflow_auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> AuthServer:
    """The local authorization server; its test client's secret is in $CLI_TEST_CLIENT_SECRET."""
    monkeypatch.setenv(SECRET_VARIABLE, credflow_auth_server.test_client_secret)
    monkeypatch.delenv("CREDFLOW_CONFIG", raising=False)
    return credflow_auth_server


def client_toml(
    name: str,
    server: AuthServer,
    *,
    secret: str = f"env:{SECRET_VARIABLE}",
    scopes: tuple[str, ...] = ("api.read",),
    endpoint: str | None = None,
) -> str:
    """A [clients.NAME] table for the server's test client that retries once."""
    scope_list = ", ".join(f'"{scope}"' for scope in scopes)
    return (
        f"[clients.{name}]\n"
        f'token_endpoint = "{endpoint or server.token_endpoint}"\n'
        f'client_id = "{server.test_client_id}"\n'
        f'client_secret = "{secret}"\n'
        f"scopes = [{scope_list}]\n"
        f"[clients.{name}.retry]\nattempts = 2\ndeadline = 5\n"
    )


@pytest.fixture
def write_config(tmp_path: Path, server: AuthServer) -> WriteConfig:
    """Write credflow.toml (one client "api" by default) and return its path."""

    def write(text: str | None = None, **client: object) -> Path:
        path = tmp_path / "credflow.toml"
        path.write_text(text if text is not None else client_toml("api", server, **client))  # type: ignore[arg-type]
        return path

    return write


@pytest.fixture
def config_path(write_config: WriteConfig) -> Path:
    """A healthy configuration with the one client "api"."""
    return write_config()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `credflow ARGV...` in-process and return its exit code and output."""

    def invoke(*argv: str) -> Outcome:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()
