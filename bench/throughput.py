"""Benchmark 2: requests per second through `engine.httpx_auth()` against a static header.

Both sides are `httpx.Client`s sharing one keep-alive connection pool to a
local server in another process (`api_server.py`); the baseline carries the
token as a fixed `Authorization` header, the subject asks the engine for it on
every request. Requests alternate A, B, B, A, … and the figure is the median
per-round ratio (goal: at least 0.98 of the baseline). A second pair of
identical static clients, measured the same way, shows how finely the method
resolves on this machine: its ratio should be 1.000. The auth flow alone,
without I/O, is timed against `StaticHeaderAuth` (goal: at most 1.2x).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Generator, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
from engines import local_issuer
from measure import Comparison, compare_calls, compare_operations
from report import Row

__all__ = ["run"]

NAME = "httpx throughput"
GOAL_RATIO = 0.98
# The whole per-request step of httpx_auth() (origin check, cached token, header) against the
# least an httpx.Auth can do: set a header it already holds.
FLOW_GOAL_RATIO = 1.2
_SERVER = Path(__file__).with_name("api_server.py")


@contextmanager
def api_server() -> Iterator[str]:
    """Run `api_server.py` in a subprocess; yield the URL to request."""
    process = subprocess.Popen(  # noqa: S603 - our own script, run by this interpreter
        [sys.executable, str(_SERVER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        port = int(process.stdout.readline())
        yield f"http://127.0.0.1:{port}/api"
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server's signal to stop
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class StaticHeaderAuth(httpx.Auth):
    """The least an `httpx.Auth` can do: set a header it already holds."""

    def __init__(self, header: str) -> None:
        self._header = header

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self._header
        yield request


def drive(auth: httpx.Auth, request: httpx.Request) -> httpx.Request:
    """Run an auth flow up to the request it would send (what httpx does before sending)."""
    flow = auth.sync_auth_flow(request)
    prepared = next(flow)
    flow.close()
    return prepared


def _sender(client: httpx.Client, url: str) -> httpx.Response:
    response = client.get(url)
    response.raise_for_status()
    return response


def _compare(
    subject: httpx.Client, baseline: httpx.Client, url: str, *, rounds: int, per_round: int
) -> Comparison:
    return compare_operations(
        lambda: _sender(subject, url), lambda: _sender(baseline, url), per_round=per_round, rounds=rounds
    )


def run(*, rounds: int, per_round: int) -> list[Row]:
    """Compare the clients over `rounds` rounds of `per_round` requests each."""
    with ExitStack() as stack:
        issuer = stack.enter_context(local_issuer())
        engine = stack.enter_context(issuer.engine())
        url = stack.enter_context(api_server())
        header = {"Authorization": engine.get_token().authorization_header()}
        pool = stack.enter_context(httpx.HTTPTransport())
        static = stack.enter_context(httpx.Client(headers=header, transport=pool))
        static_twin = stack.enter_context(httpx.Client(headers=header, transport=pool))
        authed = stack.enter_context(httpx.Client(auth=engine.httpx_auth(), transport=pool))
        for client in (static, static_twin, authed):  # open the connection, warm every path
            for _ in range(50):
                _sender(client, url)
        before = issuer.server.counters.token_requests
        twin = _compare(static_twin, static, url, rounds=max(5, rounds // 2), per_round=per_round)
        ours = _compare(authed, static, url, rounds=rounds, per_round=per_round)
        flows = compare_calls(
            "drive(credflow_auth, request)",
            "drive(static_auth, request)",
            {
                "drive": drive,
                "credflow_auth": engine.httpx_auth(),
                "static_auth": StaticHeaderAuth(header["Authorization"]),
                "request": httpx.Request("GET", url),
            },
            rounds=rounds,
        )
        fetched = issuer.server.counters.token_requests - before
    extra_ns = flows.subject - flows.baseline
    share = extra_ns * 1e-9 * ours.baseline  # of the time one request takes at the baseline rate
    return [
        Row(
            NAME,
            "static Authorization header (baseline)",
            "-",
            f"{ours.baseline:,.0f} req/s",
            "info",
            figures={"rps": ours.baseline},
        ),
        Row(
            NAME,
            "second static client (A/A check)",
            "1.000x baseline",
            f"{twin.ratio:.3f}x baseline ({twin.spread})",
            "info",
            figures=_figures(twin),
        ),
        Row(
            NAME,
            "engine.httpx_auth()",
            f">= {GOAL_RATIO:g}x baseline",
            f"{ours.subject:,.0f} req/s = {ours.ratio:.3f}x baseline ({ours.spread})",
            "speed",
            passed=ours.ratio >= GOAL_RATIO,
            figures=_figures(ours),
        ),
        Row(
            NAME,
            "auth flow alone, no I/O: httpx_auth() vs a static-header Auth",
            f"<= {FLOW_GOAL_RATIO:g}x static Auth",
            f"{flows.subject / 1000:.1f} us vs {flows.baseline / 1000:.1f} us = {flows.ratio:.2f}x "
            f"({flows.spread}): +{extra_ns / 1000:.1f} us = {share:.1%} of a request",
            "speed",
            passed=flows.ratio <= FLOW_GOAL_RATIO,
            figures={
                "flow_ns": flows.subject,
                "static_flow_ns": flows.baseline,
                "flow_ratio": flows.ratio,
                "extra_ns": extra_ns,
                "share_of_request": share,
            },
        ),
        Row(
            NAME,
            "httpx_auth(): no token request while cached",
            "0 requests",
            f"{fetched} requests",
            "correctness",
            passed=fetched == 0,
        ),
    ]


def _figures(comparison: Comparison) -> dict[str, float]:
    return {
        "rps": comparison.subject,
        "baseline_rps": comparison.baseline,
        "ratio": comparison.ratio,
        "ratio_q1": comparison.low,
        "ratio_q3": comparison.high,
    }
