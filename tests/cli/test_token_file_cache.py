"""`credflow token` as real processes sharing the per-user file cache: one token request per lifetime."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from credflow import CacheScope, SecretValue, load_config
from credflow.engine._cache import cache_key
from credflow.engine._file_cache import FileTokenCache, default_cache_directory
from credflow.testing import AuthServer, wait_until

from .conftest import SECRET_VARIABLE

pytestmark = pytest.mark.allow_token_output


def start(config: Path, *extra: str) -> subprocess.Popen[str]:
    """Start `credflow token` (the environment, and so the cache directory, is the test's)."""
    return subprocess.Popen(
        [sys.executable, "-m", "credflow", "token", "--config", str(config), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def token_of(process: subprocess.Popen[str]) -> str:
    """The token a finished process printed (its failure shown when it failed)."""
    out, err = process.communicate(timeout=120)
    assert (0, "") == (process.returncode, err)
    return out.strip()


def test_twenty_processes_on_a_cold_cache_make_one_token_request(
    config_path: Path, server: AuthServer
) -> None:
    """20 `credflow token` started together: one fetches, the others wait on its lock and read its token."""
    processes = [start(config_path) for _ in range(20)]
    tokens = {token_of(process) for process in processes}

    assert (1, 1) == (len(tokens), server.counters.token_requests)


def test_hundred_sequential_calls_make_one_token_request(config_path: Path, server: AuthServer) -> None:
    """10 `credflow token` processes and 90 fresh engines in another process share one token."""
    first = {token_of(start(config_path)) for _ in range(10)}
    script = (
        "import sys\n"
        "from dataclasses import replace\n"
        "from credflow import TokenEngine, load_config\n"
        "config = load_config(sys.argv[1])\n"
        "client = config.client()\n"
        "client = replace(client, cache=replace(client.cache, backend='file'))\n"
        "tokens = set()\n"
        "for _ in range(90):\n"
        "    with TokenEngine(client, plugins=config.plugin_host()) as engine:\n"
        "        tokens.add(engine.get_token().fingerprint)\n"
        "print(len(tokens))\n"
    )
    engines = subprocess.run(
        [sys.executable, "-c", script, str(config_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    assert (1, "1", 1) == (len(first), engines.stdout.strip(), server.counters.token_requests)


def test_no_cache_fetches_every_time(config_path: Path, server: AuthServer) -> None:
    """--no-cache keeps tokens in the process: two calls, two token requests, no cache file."""
    token_of(start(config_path, "--no-cache"))
    token_of(start(config_path, "--no-cache"))

    directory = default_cache_directory()
    assert (2, []) == (server.counters.token_requests, os.listdir(directory) if directory.exists() else [])


def test_holder_killed_mid_fetch_lets_the_next_process_take_over(
    config_path: Path, server: AuthServer
) -> None:
    """A holder SIGKILLed while its token request hangs: the kernel frees its lock, the next fetches."""
    server.latency = 60.0
    holder = start(config_path)
    wait_until(lambda: server.counters.token_requests == 1, timeout=60, message="the holder's token request")
    cache = FileTokenCache(default_cache_directory())
    client = load_config(config_path, load_entry_points=False).client()
    scope = CacheScope(cache_key(client), client.client_id, SecretValue(server.test_client_secret))
    held_while_alive = cache.try_lock(scope, 1.0)
    holder.send_signal(signal.SIGKILL)
    holder.communicate(timeout=30)  # reaps it and closes its pipes
    owner_after_death = cache.try_lock(scope, 1.0)
    assert owner_after_death is not None
    cache.unlock(scope, owner_after_death)
    server.latency = 0.0

    successor = token_of(start(config_path))

    assert (None, -signal.SIGKILL, 2) == (held_while_alive, holder.returncode, server.counters.token_requests)
    assert successor


def test_rotated_secret_reads_as_a_miss(
    config_path: Path, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After the secret rotates, the cached token (sealed under the old secret) is not used."""
    before = token_of(start(config_path))
    server.rotate_secret(server.test_client_id, "rotated-secret-for-file-cache-1")
    monkeypatch.setenv(SECRET_VARIABLE, "rotated-secret-for-file-cache-1")
    after = token_of(start(config_path))
    again = token_of(start(config_path))

    assert (True, after, 2) == (before != after, again, server.counters.token_requests)


def test_corrupt_cache_file_is_replaced(config_path: Path, server: AuthServer) -> None:
    """A damaged entry is a miss: one new token request, the file rewritten, the next call served from it."""
    token_of(start(config_path))
    (entry,) = default_cache_directory().glob("*.token")
    entry.write_bytes(b"not a credflow entry")
    token_of(start(config_path))
    token_of(start(config_path))

    assert (2, True) == (server.counters.token_requests, entry.read_bytes() != b"not a credflow entry")


def test_shared_cache_directory_is_refused(config_path: Path, server: AuthServer) -> None:
    """A cache directory others can read stops `credflow token` with the fix, and no token request."""
    directory = default_cache_directory()
    directory.mkdir(parents=True, mode=0o755)
    directory.chmod(0o755)
    process = start(config_path)
    out, err = process.communicate(timeout=60)

    assert (3, "", 0) == (process.returncode, out, server.counters.token_requests)
    assert f"run: chmod 700 {directory}" in err
