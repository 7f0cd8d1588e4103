"""Benchmark of the redis token cache: fleet-wide token requests and hot-path latency.

Prints two tables:

1. Token requests of fleets of 1, 4, 16 and 64 processes (2 threads each),
   with the per-process `memory` cache and with the shared `redis` cache: how
   many it takes until every replica has a token (cold start), then how many
   per token lifetime in steady state. The ratio columns compare with the
   1-process `memory` fleet measured in the same run.
2. The latency of `get_token()` on a cache hit (the hot path) with the
   `redis` backend versus the `memory` backend (the baseline), and the cost of
   a cold replica finding the token in Redis versus fetching it.

Needs `redis-server` on PATH (Debian package `redis-server`) and the
`testing` extra of credflow. Run: `python plugins/credflow-redis/bench/bench_redis.py`
(`--fleets 1,4` for a quick run).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from credflow_redis.testing import RedisServer

from credflow import CachePolicy, ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer

REPLICA = Path(__file__).with_name("replica.py")
SECRET_ENV = "CREDFLOW_BENCH_SECRET"
REDIS_URL_ENV = "CREDFLOW_BENCH_REDIS_URL"
CLIENT_ID = "bench-client"


def fleet_requests(server: AuthServer, *, backend: str, processes: int, seconds: float) -> tuple[int, int]:
    """Token requests of a fleet of `processes`: to get every replica its first token, then in `seconds`."""
    options = {
        "token_endpoint": server.token_endpoint,
        "client_id": CLIENT_ID,
        "secret_env": SECRET_ENV,
        "redis_url_env": REDIS_URL_ENV,
        "key_prefix": f"credflow-bench-{uuid.uuid4().hex[:8]}:",
        "backend": backend,
        "threads": 2,
        "interval": 0.02,
    }
    children = [
        subprocess.Popen(  # noqa: S603 - this interpreter running our replica script
            [sys.executable, str(REPLICA), json.dumps(options)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    try:
        _expect(children, "ready")
        before = server.counters.token_requests
        _tell(children, "go")
        _expect(children, "warm")
        warm = server.counters.token_requests
        time.sleep(seconds)
        steady = server.counters.token_requests - warm
        _tell(children, "stop")
        _expect(children, "done")
        return warm - before, steady
    finally:
        for child in children:
            child.kill()
            child.wait()
            for stream in (child.stdin, child.stdout):
                if stream is not None:
                    stream.close()


def _expect(children: list[subprocess.Popen[str]], line: str) -> None:
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != line:
            raise RuntimeError(f"a replica did not say {line!r}")


def _tell(children: list[subprocess.Popen[str]], command: str) -> None:
    for child in children:
        assert child.stdin is not None
        child.stdin.write(command + "\n")
        child.stdin.flush()


def engine_for(server: AuthServer, backend: str, key_prefix: str) -> TokenEngine:
    """An engine of the bench client with the given backend."""
    settings: dict[str, Any] = (
        {"url": f"env:{REDIS_URL_ENV}", "key_prefix": key_prefix} if backend == "redis" else {}
    )
    config = ClientConfig(
        client_id=CLIENT_ID,
        client_secret=f"env:{SECRET_ENV}",
        token_endpoint=server.token_endpoint,
        scopes=("api.read",),
        cache=CachePolicy(backend=backend, settings=settings),
    )
    return TokenEngine(config, plugins=PluginHost())


def hot_path_ns(engines: dict[str, TokenEngine], calls: int, repeats: int) -> dict[str, float]:
    """The best per-call time of `get_token()` on a cache hit, in ns, per engine.

    The engines are measured in turns, so that a noisy neighbour slows them alike.
    """
    best = dict.fromkeys(engines, float("inf"))
    for engine in engines.values():
        engine.get_token()
    for _ in range(repeats):
        for name, engine in engines.items():
            started = time.perf_counter_ns()
            for _ in range(calls):
                engine.get_token()
            best[name] = min(best[name], (time.perf_counter_ns() - started) / calls)
    return best


def cold_replica_ms(server: AuthServer, backend: str, key_prefix: str, samples: int) -> float:
    """Median time for a new engine's first get_token() (the shared token already in Redis)."""
    times = []
    for _ in range(samples):
        engine = engine_for(server, backend, key_prefix)
        started = time.perf_counter()
        engine.get_token()
        times.append((time.perf_counter() - started) * 1000)
        engine.close()
    return statistics.median(times)


def main() -> None:
    """Run both benchmarks and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fleets", default="1,4,16,64", help="fleet sizes (comma-separated)")
    parser.add_argument("--lifetimes", type=float, default=5.0, help="token lifetimes per fleet run")
    parser.add_argument("--lifetime", type=int, default=2, help="token lifetime in seconds")
    arguments = parser.parse_args()
    fleets = [int(size) for size in arguments.fleets.split(",")]

    secret = secrets.token_urlsafe(24)
    with RedisServer() as redis_server, AuthServer(token_lifetime=arguments.lifetime, latency=0.05) as server:
        server.add_client(CLIENT_ID, secret, scopes=["api.read"])
        os.environ[SECRET_ENV] = secret
        os.environ[REDIS_URL_ENV] = redis_server.url

        print(
            f"## Token requests of a fleet ({arguments.lifetime}s tokens renewed at 80%, "
            f"2 threads per process, steady state over {arguments.lifetimes:g} lifetimes)\n"
        )
        print("| processes | cold start: memory | redis | per lifetime: memory | ratio | redis | ratio |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        baseline = 0.0
        for processes in fleets:
            cold: dict[str, int] = {}
            steady: dict[str, float] = {}
            for backend in ("memory", "redis"):
                cold[backend], count = fleet_requests(
                    server,
                    backend=backend,
                    processes=processes,
                    seconds=arguments.lifetimes * arguments.lifetime,
                )
                steady[backend] = count / arguments.lifetimes
                baseline = baseline or steady[backend]  # the first fleet's memory figure
            print(
                f"| {processes} | {cold['memory']} | {cold['redis']} "
                f"| {steady['memory']:.2f} | {steady['memory'] / baseline:.2f}x "
                f"| {steady['redis']:.2f} | {steady['redis'] / baseline:.2f}x |",
                flush=True,
            )

        server.token_lifetime = 3600
        prefix = f"credflow-bench-{uuid.uuid4().hex[:8]}:"
        hot = hot_path_ns(
            {"memory": engine_for(server, "memory", prefix), "redis": engine_for(server, "redis", prefix)},
            calls=100_000,
            repeats=15,
        )
        memory_ns, redis_ns = hot["memory"], hot["redis"]
        shared_ms = cold_replica_ms(server, "redis", prefix, 20)
        fetch_ms = cold_replica_ms(server, "memory", f"unused-{prefix}", 20)
        print("\n## Latency\n")
        print("| what | memory (baseline) | redis | ratio |")
        print("|---|---:|---:|---:|")
        print(
            f"| get_token() cache hit (hot path) | {memory_ns:.0f} ns | {redis_ns:.0f} ns | "
            f"{redis_ns / memory_ns:.2f}x |"
        )
        print(
            f"| cold replica, first get_token() | {fetch_ms:.1f} ms (fetch, 50 ms server latency) | "
            f"{shared_ms:.1f} ms (read from Redis) | {shared_ms / fetch_ms:.2f}x |"
        )


if __name__ == "__main__":
    main()
