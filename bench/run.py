"""Run the core benchmarks and print goal / measured / verdict per line.

    python bench/run.py [--json out.json] [--quick] [--only NAME ...] [--strict]

Every figure is a ratio against a baseline measured in the same run,
interleaved with it, because the machines this runs on are shared and noisy.
The run exits 1 when a correctness goal is missed (one token request per
burst, no request while a token is cached); a missed speed goal is printed as
MISS but fails the run only with `--strict`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import agent_latency
import cli_start
import hot_path
import single_flight
import telemetry
import throughput
from report import Row, format_table, rows_as_json

import client_auth

__all__ = ["main"]


def _machine() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
    }


def _benchmarks(quick: bool, workdir: Path) -> dict[str, Callable[[], list[Row]]]:
    return {
        "hot-path": lambda: hot_path.run(workdir, rounds=15 if quick else 61),
        "throughput": lambda: throughput.run(rounds=6 if quick else 60, per_round=100 if quick else 150),
        "single-flight": single_flight.run,
        "telemetry": lambda: telemetry.run(
            rounds=15 if quick else 61, http_rounds=6 if quick else 60, per_round=100 if quick else 150
        ),
        "client-auth": lambda: client_auth.run(rounds=4 if quick else 15, per_round=10 if quick else 30),
        "cli-start": lambda: cli_start.run(rounds=5 if quick else 15),
        "agent-latency": lambda: agent_latency.run(rounds=200 if quick else 2000),
    }


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the rows and machine note as JSON"
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer rounds: a smoke run, not figures to quote"
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=(
            "hot-path",
            "throughput",
            "single-flight",
            "telemetry",
            "client-auth",
            "cli-start",
            "agent-latency",
        ),
        help="run only these",
    )
    parser.add_argument("--strict", action="store_true", help="also exit 1 when a speed goal is missed")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; return the process exit status."""
    arguments = _arguments(argv)
    machine = _machine()
    print(
        f"credflow benchmarks on {machine['cpus']} CPUs, Python {machine['python']}, "
        f"load average {machine['load_average_at_start']}; figures are ratios to same-run baselines",
        flush=True,
    )
    rows: list[Row] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="credflow-bench-") as workdir:
        for name, benchmark in _benchmarks(arguments.quick, Path(workdir)).items():
            if arguments.only and name not in arguments.only:
                continue
            began = time.monotonic()
            print(f"... {name}", end="", flush=True)
            rows.extend(benchmark())
            print(f" {time.monotonic() - began:.1f}s", flush=True)
    machine["seconds"] = round(time.monotonic() - started, 1)
    print()
    print(format_table(rows))
    if arguments.json is not None:
        arguments.json.write_text(json.dumps(rows_as_json(rows, machine), indent=2) + "\n")
    broken = [row for row in rows if row.kind == "correctness" and row.passed is False]
    slow = [row for row in rows if row.kind == "speed" and row.passed is False]
    print(
        f"\n{len(broken)} correctness goal(s) missed, {len(slow)} speed goal(s) missed "
        f"in {machine['seconds']:g}s"
    )
    return 1 if broken or (arguments.strict and slow) else 0


if __name__ == "__main__":
    sys.exit(main())
