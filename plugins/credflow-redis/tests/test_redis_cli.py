"""Separate `credflow token` processes share one token through the redis cache."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from credflow_redis.testing import RedisServer
from redis_helpers import REDIS_URL_ENV, SECRET_ENV, Replicas


def credflow_token(config: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m credflow token --config <config>` as its own process."""
    return subprocess.run(
        [sys.executable, "-m", "credflow", "token", "--config", str(config)],
        capture_output=True,
        text=True,
        env={key: value for key, value in os.environ.items() if key != "CREDFLOW_CONFIG"},
        timeout=60,
        check=False,
    )


def test_credflow_token_processes_share_the_token(
    replicas: Replicas, redis_server: RedisServer, tmp_path: Path
) -> None:
    """Three `credflow token` runs print the same token, fetched once."""
    config = tmp_path / "credflow.toml"
    config.write_text(
        "[clients.billing]\n"
        f'token_endpoint = "{replicas.server.token_endpoint}"\n'
        'client_id = "billing-service"\n'
        f'client_secret = "env:{SECRET_ENV}"\n'
        'scopes = ["api.read"]\n'
        "[clients.billing.cache]\n"
        'backend = "redis"\n'
        f'url = "env:{REDIS_URL_ENV}"\n'
        f'key_prefix = "{replicas.key_prefix}"\n'
    )
    runs = [credflow_token(config) for _ in range(3)]
    outcomes = {(run.returncode, run.stderr) for run in runs}
    tokens = {run.stdout.strip() for run in runs}
    assert ({(0, "")}, 1, 1) == (outcomes, len(tokens), replicas.server.counters.token_requests)
