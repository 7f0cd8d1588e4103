"""`credflow token` as a real process with a secret that would block: it fails in time, with the reason."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from credflow.cli import ExitCode
from credflow.testing import AuthServer

from .conftest import WriteConfig, client_toml


def test_token_with_a_fifo_secret_exits_with_the_secret_source_code(
    write_config: WriteConfig, server: AuthServer, tmp_path: Path
) -> None:
    """A FIFO without a writer as file: secret: exit 4 and a message naming reference and path, no hang."""
    fifo = tmp_path / "client-secret"
    os.mkfifo(fifo)
    text = client_toml("api", server, secret=f"file:{fifo}").replace("deadline = 5", "deadline = 0.5")
    config = write_config(text)
    env = {key: value for key, value in os.environ.items() if not key.startswith("CREDFLOW_")}

    done = subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(config)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert (ExitCode.SECRET_SOURCE, "") == (done.returncode, done.stdout)
    assert f"secret file:{fifo}: {fifo} is a FIFO (named pipe), not a regular file" in done.stderr
    assert "Traceback" not in done.stderr
