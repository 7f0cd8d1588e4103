"""Benchmark: `credflow token` as a whole process, warm file cache and cold, against a bare interpreter.

Each round runs, in turn, `python -c pass`, `credflow --version`, a warm
`credflow token` (the token is in the per-user file cache) and a cold one (the
cache directory emptied first, so one token request to the local server);
the figures are the medians of the per-round wall times and of the ratios to
the bare interpreter of the same round. Byte-code is written and reused (as
in an installed package), whatever `PYTHONDONTWRITEBYTECODE` says.

Goal: a warm `credflow token` within 5x a bare interpreter start. Correctness:
every warm run makes no token request.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engines import CLIENT_ID, SCOPE, local_issuer
from report import Row

__all__ = ["run"]

NAME = "cli start-up"
GOAL_RATIO = 5.0


def _timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - this interpreter running credflow or `pass`
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:4])} failed: {done.stderr.decode(errors='replace')[:300]}")
    return elapsed


def run(rounds: int = 15) -> list[Row]:
    """Time the four commands `rounds` times, interleaved."""
    with local_issuer() as issuer, tempfile.TemporaryDirectory(prefix="credflow-cli-bench-") as workdir:
        config = Path(workdir) / "credflow.toml"
        config.write_text(
            f'[clients.api]\ntoken_endpoint = "{issuer.server.token_endpoint}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "env:CREDFLOW_BENCH_CLIENT_SECRET"\n'
            f'scopes = ["{SCOPE}"]\n'
        )
        cache_home = Path(workdir) / "cache"
        env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        env["XDG_CACHE_HOME"] = str(cache_home)
        credflow = [sys.executable, "-m", "credflow"]
        token = [*credflow, "token", "--config", str(config)]
        commands = {
            "bare": [sys.executable, "-c", "pass"],
            "version": [*credflow, "--version"],
            "warm": token,
        }
        for argv in (*commands.values(), token):  # warm-up: byte-code written, the cache filled
            _timed(argv, env)
        times: dict[str, list[float]] = {name: [] for name in (*commands, "cold")}
        warm_requests = 0
        for _ in range(rounds):
            for name, argv in commands.items():
                before = issuer.server.counters.token_requests
                times[name].append(_timed(argv, env))
                if name == "warm":
                    warm_requests += issuer.server.counters.token_requests - before
            shutil.rmtree(cache_home / "credflow", ignore_errors=True)
            times["cold"].append(_timed(token, env))
    bare = times["bare"]

    def ratio(name: str) -> float:
        return statistics.median(value / base for value, base in zip(times[name], bare, strict=True))

    def ms(name: str) -> str:
        return f"{statistics.median(times[name]) * 1000:.0f} ms"

    warm_ratio = ratio("warm")
    return [
        Row(NAME, "python -c pass", "baseline", ms("bare"), "info"),
        Row(NAME, "credflow --version", "-", f"{ms('version')} ({ratio('version'):.1f}x bare)", "info"),
        Row(
            NAME,
            "credflow token, warm file cache",
            f"<= {GOAL_RATIO:g}x bare",
            f"{ms('warm')} ({warm_ratio:.1f}x bare)",
            "speed",
            warm_ratio <= GOAL_RATIO,
            {"ratio": warm_ratio},
        ),
        Row(NAME, "credflow token, cold cache", "-", f"{ms('cold')} ({ratio('cold'):.1f}x bare)", "info"),
        Row(
            NAME,
            "token requests by warm runs",
            "0",
            str(warm_requests),
            "correctness",
            warm_requests == 0,
        ),
    ]
