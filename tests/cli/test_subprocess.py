"""`python -m credflow` as a real process: exit codes, stdout and stderr as a shell sees them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from credflow.cli import ExitCode
from credflow.testing import AuthServer


def credflow(*argv: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credflow", *argv],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.fixture
def child_env(server: AuthServer) -> dict[str, str]:
    """The environment of the child: ours, with the secret variable, without CREDFLOW_CONFIG."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CREDFLOW_")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


@pytest.mark.allow_token_output
def test_token_in_a_shell_substitution(
    config_path: Path, server: AuthServer, child_env: dict[str, str]
) -> None:
    """`$(credflow token)` yields a token the API accepts; stderr stays empty."""
    done = credflow("token", "--config", str(config_path), env=child_env)

    answer = httpx.get(f"{server.api_url}/read", headers={"Authorization": f"Bearer {done.stdout.strip()}"})
    assert (0, "", 200) == (done.returncode, done.stderr, answer.status_code)


def test_failures_exit_with_their_code_and_never_print_the_secret(
    config_path: Path, server: AuthServer, child_env: dict[str, str]
) -> None:
    """check, request and token fail with distinct codes; no output holds the secret."""
    without_secret = {k: v for k, v in child_env.items() if k != "CLI_TEST_CLIENT_SECRET"}
    wrong_secret = {**child_env, "CLI_TEST_CLIENT_SECRET": "wrong-secret-in-a-child-987"}

    check = credflow("check", "--config", str(config_path), env=without_secret)
    request = credflow("request", "--config", str(config_path), f"{server.api_url}/write", env=child_env)
    rejected = credflow("token", "--config", str(config_path), env=wrong_secret)

    assert (ExitCode.SECRET_SOURCE, ExitCode.API_ERROR, ExitCode.CREDENTIALS_REJECTED) == (
        check.returncode,
        request.returncode,
        rejected.returncode,
    )
    assert "✗ secret readable: secret env:CLI_TEST_CLIENT_SECRET" in check.stdout
    assert "Traceback" not in check.stderr + request.stderr + rejected.stderr
    everything = "".join(p.stdout + p.stderr for p in (check, request, rejected))
    assert [] == [s for s in (server.test_client_secret, "wrong-secret-in-a-child-987") if s in everything]
