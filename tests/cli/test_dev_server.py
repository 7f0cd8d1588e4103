"""`credflow dev-server`: a real server in a subprocess that `credflow token` gets tokens from."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from credflow.cli import ExitCode

from .conftest import Run

DEV_SECRET = "dev-server-secret-31415"


@contextlib.contextmanager
def ctrl_c_reaches_children() -> Iterator[None]:
    """Start children with Ctrl-C handled, even where this process ignores it.

    A process started as a background job of a script (`nox ... &`, some CI runners) ignores SIGINT,
    and its children inherit that; a handler of ours is reset to the default in a child instead.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.allow_token_output
def test_serves_tokens_until_interrupted(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server prints its endpoints (not the secret), issues tokens, and exits 0 on Ctrl-C."""
    with ctrl_c_reaches_children():
        process = subprocess.Popen(
            [sys.executable, "-m", "credflow", "dev-server", "--port", "0", "--client", f"svc:{DEV_SECRET}",
             "--token-lifetime", "120"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(8)]
        endpoint = next(line.split()[-1] for line in banner if "token endpoint:" in line)
        config = tmp_path / "credflow.toml"
        client = 'client_id = "svc"\nclient_secret = "env:DEV_SECRET"\n'
        config.write_text(f'[clients.svc]\ntoken_endpoint = "{endpoint}"\n{client}')
        monkeypatch.setenv("DEV_SECRET", DEV_SECRET)

        outcome = run("token", "--json", "--config", str(config))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            rest, errors = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()  # a server left running would fail a later test with its ResourceWarning
            process.communicate()
            raise

    assert (ExitCode.OK, 0) == (outcome.code, process.returncode)
    assert "  client: svc\n" in banner
    assert DEV_SECRET not in "".join(banner) + rest + errors
    assert '"expires_in": 1' in outcome.out


def test_busy_port_exits_1(run: Run) -> None:
    """A port already in use is an error of no other kind: exit 1, one line."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        outcome = run("dev-server", "--port", str(busy.getsockname()[1]))

    assert ExitCode.ERROR == outcome.code
    assert outcome.err.startswith("credflow: error: OSError: [Errno 98] 127.0.0.1:")
    assert "is in use; pick another --port" in outcome.err
    assert 1 == outcome.err.count("\n")


def test_client_without_secret_is_a_usage_error(run: Run) -> None:
    """--client must be ID:SECRET; the value is not echoed."""
    outcome = run("dev-server", "--client", "lonely-id")

    assert (
        ExitCode.USAGE,
        "credflow: error: --client expects ID:SECRET (a client id, a colon, its secret)\n",
    ) == (
        outcome.code,
        outcome.err,
    )


def test_default_environment_is_untouched() -> None:
    """The dev-server test leaves no CREDFLOW_CONFIG behind."""
    assert "CREDFLOW_CONFIG" not in os.environ
