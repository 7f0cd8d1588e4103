"""Many processes, one Redis: one token request per lifetime across the fleet, takeover after a crash."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from credflow_redis.testing import RedisServer
from redis_helpers import CLIENT_ID, SCOPE, client_config, make_host

from credflow import Token, TokenEngine
from credflow.testing import AuthServer, wait_until

CHILD = Path(__file__).with_name("fleet_child.py")
SECRET_ENV = "CREDFLOW_FLEET_SECRET"
REDIS_URL_ENV = "CREDFLOW_FLEET_REDIS_URL"


class Fleet:
    """Child processes running `fleet_child.py` against one auth server and one Redis."""

    def __init__(self, options: dict[str, Any], env: dict[str, str]) -> None:
        self.options = options
        self.env = env
        self.children: list[subprocess.Popen[str]] = []

    def spawn(self, count: int, **overrides: Any) -> list[subprocess.Popen[str]]:
        """Start `count` children and wait until each has built its engine."""
        started = [
            subprocess.Popen(
                [sys.executable, str(CHILD), json.dumps({**self.options, **overrides})],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                env=self.env,
                cwd=CHILD.parent,
            )
            for _ in range(count)
        ]
        self.children += started
        for child in started:
            assert "ready" == self.read(child)
        return started

    def tell(self, children: list[subprocess.Popen[str]], command: str) -> None:
        """Send `go` (start calling) or `stop` to `children`."""
        for child in children:
            assert child.stdin is not None
            child.stdin.write(command + "\n")
            child.stdin.flush()

    def read(self, child: subprocess.Popen[str]) -> str:
        """The next line the child printed."""
        assert child.stdout is not None
        return child.stdout.readline().strip()

    def results(self, children: list[subprocess.Popen[str]], kind: str) -> list[set[str]]:
        """The fingerprints each child reports on its `kind` line (failing on `error` lines)."""
        reports = []
        for child in children:
            line = self.read(child)
            assert line.split(" ", 1)[0] == kind, line
            reports.append(set(line.split()[1:]))
        return reports

    def close(self) -> None:
        """Kill what is still running."""
        for child in self.children:
            if child.poll() is None:
                child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()


@pytest.fixture
def fleet_setup(redis_server: RedisServer, key_prefix: str) -> Iterator[tuple[AuthServer, Fleet]]:
    """An auth server with the client, and a fleet configured to share tokens through Redis."""
    secret = secrets.token_urlsafe(24)
    with AuthServer(token_lifetime=60) as server:
        server.add_client(CLIENT_ID, secret, scopes=[SCOPE])
        env = {**os.environ, SECRET_ENV: secret, REDIS_URL_ENV: redis_server.url}
        options = {
            "token_endpoint": server.token_endpoint,
            "secret_env": SECRET_ENV,
            "redis_url_env": REDIS_URL_ENV,
            "key_prefix": key_prefix,
            "threads": 20,
        }
        fleet = Fleet(options, env)
        try:
            yield server, fleet
        finally:
            fleet.close()


class RequestClock:
    """Notes when the auth server sees each token request (sampled every 5 ms in a thread)."""

    def __init__(self, server: AuthServer) -> None:
        self._server = server
        self.times: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            seen = self._server.counters.token_requests
            self.times += [time.monotonic()] * (seen - len(self.times))

    def wait_for(self, count: int, timeout: float) -> None:
        """Return once `count` requests were seen; fail after `timeout` seconds."""
        wait_until(lambda: len(self.times) >= count, timeout=timeout, message=f"{count} token requests")

    def gaps(self) -> list[float]:
        """Seconds between consecutive requests."""
        self._stop.set()
        self._thread.join()
        return [round(later - earlier, 2) for earlier, later in zip(self.times, self.times[1:], strict=False)]


def test_cold_fleet_then_five_lifetimes_cost_one_request_each(
    fleet_setup: tuple[AuthServer, Fleet],
) -> None:
    """16 processes x 20 threads: 1 request on a cold cache, then exactly 1 renewal per lifetime."""
    server, fleet = fleet_setup
    server.latency = 0.3  # the cold requests would overlap if they were sent
    # 4 s tokens: with 2 s ones, 16 processes on a loaded 2-core machine can wake a waiter only once
    # the fresh token is already due for renewal, which looks like (and is) a second renewal.
    lifetime, renew_fraction = 4, 0.8
    server.token_lifetime = lifetime
    children = fleet.spawn(16, cache={"renew_fraction": renew_fraction})
    requests = RequestClock(server)
    fleet.tell(children, "go")
    bursts = fleet.results(children, "burst")
    cold_requests = server.counters.token_requests

    # The cold request and 5 renewals, each due renew_fraction * lifetime after the one before.
    cycle = lifetime * renew_fraction
    requests.wait_for(6, timeout=10 * cycle)
    # The window closes at the next on-time renewal: a duplicate of the last one would come before it.
    requests.wait_for(7, timeout=10 * cycle)
    fleet.tell(children, "stop")
    done = fleet.results(children, "done")
    gaps = requests.gaps()
    used = set().union(*done)

    assert 1 == cold_requests
    assert 1 == len(set().union(*bursts))
    # A duplicate renewal would come within a few polls (< 0.5 s) of the first one. On a loaded
    # machine the stop may come after one more (on-time) renewal: the gaps, not a total, tell.
    assert len(gaps) >= 5, gaps
    assert [True] * len(gaps) == [gap > 0.5 * cycle for gap in gaps], gaps
    assert len(used) >= 6  # the cold token and every renewal were used by the fleet


def test_lock_holder_killed_mid_fetch_is_taken_over_once(
    fleet_setup: tuple[AuthServer, Fleet], redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica SIGKILLed while fetching: another takes over when its lock expires, with one request."""
    server, fleet = fleet_setup
    lock_ttl = 1.5
    server.latency = 30.0  # the holder's request never completes before it is killed
    (holder,) = fleet.spawn(1, threads=1, cache={"lock_ttl": lock_ttl})
    fleet.tell([holder], "go")
    wait_until(lambda: server.counters.token_requests > 0)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    killed_at = time.monotonic()
    server.latency = 0.1

    monkeypatch.setenv(SECRET_ENV, fleet.env[SECRET_ENV])
    monkeypatch.setenv(REDIS_URL_ENV, redis_server.url)
    config = client_config(
        server.token_endpoint,
        secret_env=SECRET_ENV,
        redis_url_env=REDIS_URL_ENV,
        key_prefix=fleet.options["key_prefix"],
        lock_ttl=lock_ttl,
    )
    replicas = [TokenEngine(config, plugins=make_host()) for _ in range(4)]
    tokens: list[Token] = []
    lock = threading.Lock()

    def call(engine: TokenEngine) -> None:
        token = engine.get_token()
        with lock:
            tokens.append(token)

    callers = [threading.Thread(target=call, args=(engine,)) for engine in replicas for _ in range(5)]
    for caller in callers:
        caller.start()
    for caller in callers:
        caller.join()
    elapsed = time.monotonic() - killed_at

    assert 20 == len(tokens)
    assert 1 == len({token.fingerprint for token in tokens})
    assert 2 == server.counters.token_requests  # the dead holder's and the takeover's
    # Taken over once the lock expires, not after the holder's 30 s request (margin for a loaded machine).
    assert elapsed < lock_ttl + 5.0
