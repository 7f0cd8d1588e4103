"""The async path records the same metrics and nests the same spans (flights run as their own tasks)."""

from __future__ import annotations

import asyncio

from credflow_otel import ACQUIRE_SPAN, SECRET_SPAN
from otel_helpers import FlakySecretManager, Telemetry, children_of, counts, values

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer


async def test_async_burst_is_one_flight_with_nested_spans(
    credflow_auth_server: AuthServer, telemetry: Telemetry
) -> None:
    """Twenty concurrent aget_token() calls: one acquisition, twenty coalesced callers, a 503 retried."""
    server = credflow_auth_server
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    host = PluginHost(plugins=(secrets, telemetry.plugin), load_entry_points=False)
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=server.test_client_id,
        client_secret="flaky:svc",
        allow_insecure_http=True,
    )
    server.fail_next(1, status=503)
    with TokenEngine(config, plugins=host) as engine:
        tokens = await asyncio.gather(*(engine.aget_token() for _ in range(20)))
        for _ in range(5):
            await engine.aget_token()

    metrics = telemetry.metrics()
    client = server.test_client_id

    assert 1 == len({token.fingerprint for token in tokens})
    assert {(client, "hit"): 5, (client, "miss"): 20} == values(
        metrics["credflow.token.lookups"], "credflow.client", "credflow.cache.result"
    )
    assert [20] == [point.sum for _, point in metrics["credflow.token.coalesced_callers"]]
    assert {(client, 503): 1} == values(
        metrics["credflow.token.retries"], "credflow.client", "http.response.status_code"
    )
    assert {(client, "issued", "cold"): 1} == values(
        metrics["credflow.token.requests"], "credflow.client", "credflow.outcome", "credflow.reason"
    )
    assert {(client, "issued"): 1} == counts(
        metrics["credflow.token.acquisition.duration"], "credflow.client", "credflow.outcome"
    )
    spans = telemetry.spans()
    (acquisition,) = [span for span in spans if span.name == ACQUIRE_SPAN]
    assert 20 == (acquisition.attributes or {})["credflow.coalesced_callers"]
    assert [(SECRET_SPAN, None), ("POST", 503), ("POST", 200)] == [
        (span.name, (span.attributes or {}).get("http.response.status_code"))
        for span in sorted(children_of(spans, acquisition), key=lambda span: span.start_time or 0)
    ]
