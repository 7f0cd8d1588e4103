"""Benchmark 4: the cost of credflow-otel with an OpenTelemetry SDK installed.

Cached `get_token()` with the plugin enabled and an SDK `MeterProvider` (and
`TracerProvider`) against the floor of benchmark 1 (goal: at most 1.3x), and
an `httpx.Client` with `httpx_auth()` on that engine against a static header
(goal: at least 0.99x), measured as benchmarks 1 and 2 are. Cache hits are
counted by a lock-free counter per engine and read only when the reader
collects, which this benchmark does after measuring, to check the count.
"""

from __future__ import annotations

from contextlib import ExitStack

import httpx
from credflow_otel import OtelTelemetry
from engines import CLIENT_ID, local_issuer
from hot_path import _floor
from measure import Comparison, compare_calls
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from report import Row
from throughput import _compare, _sender, api_server

__all__ = ["run"]

NAME = "telemetry on (credflow-otel + SDK)"
HOT_GOAL = 1.3
HTTP_GOAL = 0.99
_FLOOR_STATEMENT = "cached_lookup(key)"


def _hits(reader: InMemoryMetricReader) -> float:
    data = reader.get_metrics_data()
    total = 0.0
    if data is None:
        return total
    for resource in data.resource_metrics:
        for scope in resource.scope_metrics:
            for metric in scope.metrics:
                if metric.name == "credflow.token.lookups":
                    for point in metric.data.data_points:
                        if (point.attributes or {}).get("credflow.cache.result") == "hit":
                            total += getattr(point, "value", 0)
    return total


def run(*, rounds: int, http_rounds: int, per_round: int) -> list[Row]:
    """Measure the hot path and httpx throughput with telemetry recording into the SDK."""
    reader = InMemoryMetricReader()
    meters = MeterProvider(metric_readers=[reader])
    tracers = TracerProvider()
    plugin = OtelTelemetry(meter_provider=meters, tracer_provider=tracers)
    try:
        with ExitStack() as stack:
            issuer = stack.enter_context(local_issuer())
            engine = stack.enter_context(issuer.engine(plugins=(plugin,)))
            token = engine.get_token()
            hot = compare_calls(
                "engine.get_token()",
                _FLOOR_STATEMENT,
                {"engine": engine, "cached_lookup": _floor(token), "key": CLIENT_ID},
                rounds=rounds,
            )
            hits = _hits(reader)
            url = stack.enter_context(api_server())
            header = {"Authorization": token.authorization_header()}
            pool = stack.enter_context(httpx.HTTPTransport())
            static = stack.enter_context(httpx.Client(headers=header, transport=pool))
            authed = stack.enter_context(httpx.Client(auth=engine.httpx_auth(), transport=pool))
            for client in (static, authed):
                for _ in range(50):
                    _sender(client, url)
            http = _compare(authed, static, url, rounds=http_rounds, per_round=per_round)
    finally:
        meters.shutdown()
        tracers.shutdown()
    return [
        Row(
            NAME,
            "cached get_token() vs the floor (dict lookup + monotonic())",
            f"<= {HOT_GOAL:g}x floor",
            f"{hot.subject:,.0f} ns/call = {hot.ratio:.2f}x floor ({hot.spread})",
            "speed",
            passed=hot.ratio <= HOT_GOAL,
            figures=_figures(hot),
        ),
        Row(
            NAME,
            "cache hits counted while measuring",
            "> 0 hits",
            f"{hits:,.0f} hits",
            "correctness",
            passed=hits > 0,
        ),
        Row(
            NAME,
            "httpx.Client with httpx_auth() vs a static header",
            f">= {HTTP_GOAL:g}x baseline",
            f"{http.subject:,.0f} req/s = {http.ratio:.3f}x baseline ({http.spread})",
            "speed",
            passed=http.ratio >= HTTP_GOAL,
            figures=_figures(http),
        ),
    ]


def _figures(comparison: Comparison) -> dict[str, float]:
    return {"subject": comparison.subject, "baseline": comparison.baseline, "ratio": comparison.ratio}
