"""A warm `credflow token` that skips the plugin host still writes the audit record someone would see."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from credflow.testing import AuthServer

pytestmark = pytest.mark.allow_token_output


def _token(config: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "credflow", *options, "token", "--config", str(config)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=os.environ.copy(),
    )


def test_debug_on_a_warm_cache_logs_the_secret_read(config_path: Path, server: AuthServer) -> None:
    """`credflow --debug token` answered from the file cache logs where the secret came from, as before."""
    first = _token(config_path)

    warm = _token(config_path, "--debug")

    assert (0, 0, first.stdout, 1) == (
        first.returncode,
        warm.returncode,
        warm.stdout,
        server.counters.token_requests,
    )
    assert "secret fetched reference=env:" in warm.stderr


def test_a_warm_run_without_debug_prints_nothing_on_stderr(config_path: Path, server: AuthServer) -> None:
    """Without --debug the warm run (its secret read by the built-in source) prints the token alone."""
    first = _token(config_path)

    warm = _token(config_path)

    assert (0, "", first.stdout, 1) == (
        warm.returncode,
        warm.stderr,
        warm.stdout,
        server.counters.token_requests,
    )
