"""Benchmark: a token served by `credflow agent` over its Unix socket, against a bare HTTP round trip.

The agent runs as its own process on a local `AuthServer`; the baseline is a
static server on the same stack (the standard library's threading HTTP
server, in its own process) answering a fixed JSON body on loopback TCP. Each
round makes one request to each, alternately, each on a new connection (as
`credflow token` does with `CREDFLOW_AGENT`); p50 and p99 are over all rounds.
Correctness: one token request at the server for all the rounds.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engines import CLIENT_ID, SCOPE, local_issuer
from report import Row

__all__ = ["run"]

NAME = "agent latency"

_STATIC_SERVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
BODY = (b'{"access_token": "x", "token_type": "Bearer", "expires_in": 3600, '
        b'"expires_at": "2030-01-01T00:00:00Z"}')
class Static(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(BODY)))
        self.end_headers()
        self.wfile.write(BODY)
    def log_message(self, *args):
        pass
server = ThreadingHTTPServer(("127.0.0.1", 0), Static)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


class _Unix(http.client.HTTPConnection):
    def __init__(self, path: str) -> None:
        super().__init__("localhost", timeout=30)
        self._path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(self._path)


def _round_trip(connection: http.client.HTTPConnection, target: str) -> float:
    started = time.perf_counter()
    connection.request("GET", target, headers={"Credflow-Agent": "1"})
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{target} answered HTTP {response.status}")
    return elapsed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(rounds: int = 2000) -> list[Row]:
    """Time `rounds` requests to the agent and to the static server, interleaved."""
    with local_issuer() as issuer, tempfile.TemporaryDirectory(prefix="cfab-", dir="/tmp") as workdir:
        config = Path(workdir) / "credflow.toml"
        config.write_text(
            f'[clients.api]\ntoken_endpoint = "{issuer.server.token_endpoint}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "env:CREDFLOW_BENCH_CLIENT_SECRET"\n'
            f'scopes = ["{SCOPE}"]\n'
        )
        sock = str(Path(workdir) / "agent.sock")
        agent = subprocess.Popen(  # noqa: S603 - credflow itself, run by this interpreter
            [sys.executable, "-m", "credflow", "agent", "--config", str(config), "--socket", sock],
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        static = subprocess.Popen(  # noqa: S603 - our own script, run by this interpreter
            [sys.executable, "-c", _STATIC_SERVER], stdout=subprocess.PIPE, text=True
        )
        try:
            assert static.stdout is not None
            port = int(static.stdout.readline())
            deadline = time.monotonic() + 60
            while not os.path.exists(sock):
                if time.monotonic() > deadline or agent.poll() is not None:
                    raise RuntimeError("the agent did not start")
                time.sleep(0.05)
            for _ in range(50):  # warm-up: the first token fetched, both servers' threads started
                _round_trip(_Unix(sock), "/v1/token?client=api")
                _round_trip(http.client.HTTPConnection("127.0.0.1", port, timeout=30), "/")
            agent_times: list[float] = []
            static_times: list[float] = []
            for _ in range(rounds):
                agent_times.append(_round_trip(_Unix(sock), "/v1/token?client=api"))
                static_times.append(
                    _round_trip(http.client.HTTPConnection("127.0.0.1", port, timeout=30), "/")
                )
            requests = issuer.server.counters.token_requests
        finally:
            agent.send_signal(signal.SIGTERM)
            static.kill()
            agent.wait(timeout=60)
            static.wait(timeout=60)

    def us(values: list[float], fraction: float) -> str:
        return f"{_percentile(values, fraction) * 1e6:.0f} µs"

    ratio = statistics.median(agent_times) / statistics.median(static_times)
    return [
        Row(
            NAME,
            "static HTTP server, loopback TCP",
            "baseline",
            f"p50 {us(static_times, 0.5)}, p99 {us(static_times, 0.99)}",
            "info",
        ),
        Row(
            NAME,
            "credflow agent, Unix socket",
            "-",
            f"p50 {us(agent_times, 0.5)}, p99 {us(agent_times, 0.99)} ({ratio:.2f}x at p50)",
            "info",
            None,
            {"p50_ratio": ratio},
        ),
        Row(NAME, "token requests for all rounds", "1", str(requests), "correctness", requests == 1),
    ]
