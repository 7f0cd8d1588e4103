"""Every metric and span after a scripted run against the embedded authorization server (sync path)."""

from __future__ import annotations

import pytest
from credflow_otel import ACQUIRE_SPAN, SECRET_SPAN
from otel_helpers import (
    FlakySecretManager,
    Telemetry,
    children_of,
    counts,
    exported_text,
    scan_for_leaks,
    values,
)

from credflow import ClientConfig, CredentialsRejectedError, PluginHost, TokenEngine
from credflow.clock import ManualClock
from credflow.testing import AuthServer

LIFETIME = 600


@pytest.fixture
def server(credflow_auth_server_factory: object) -> AuthServer:
    """A server issuing 10-minute tokens, announcing a rate limit of 100 token requests."""
    started: AuthServer = credflow_auth_server_factory(token_lifetime=LIFETIME)  # type: ignore[operator]
    started.rate_limit = 100
    return started


def test_scripted_run_records_every_metric_and_span(server: AuthServer, telemetry: Telemetry) -> None:
    """Cold start, hits, renewal, a 429, a rotation, a stale secret, a rejected secret, a shared hit."""
    secrets = FlakySecretManager(values={"billing": "billing-secret-0001"})
    server.add_client("billing", "billing-secret-0001", scopes=["api.read"])
    server.add_client("reports", "reports-secret-0001", scopes=["api.read"])
    host = PluginHost(plugins=(secrets, telemetry.plugin), load_entry_points=False)
    clock = ManualClock()
    billing = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id="billing",
        client_secret="flaky:billing",
        scopes=("api.read",),
        allow_insecure_http=True,
    )
    secrets.values["reports"] = "not-the-reports-secret"
    reports = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id="reports",
        client_secret="flaky:reports",
        scopes=("api.read",),
        allow_insecure_http=True,
    )
    with TokenEngine(billing, plugins=host, clock=clock) as engine:
        engine.get_token()  # cold start: a token request
        for _ in range(3):
            engine.get_token()  # hits
        clock.advance(LIFETIME)  # past its use: the next call renews
        engine.get_token()
        server.fail_next(1, status=429, retry_after=1)
        engine.invalidate()
        engine.get_token()  # a 429 with Retry-After, then the token
        server.rotate_secret("billing", "billing-secret-0002", grace_seconds=60)
        secrets.values["billing"] = "billing-secret-0002"
        engine.invalidate()
        engine.get_token()  # a new value: a rotation
        secrets.down = True
        engine.invalidate()
        engine.get_token()  # the secret manager is down: the stale value works
        secrets.down = False
        with TokenEngine(billing, plugins=host, clock=clock) as replica:
            replica.get_token()  # the other engine's token, from the shared (in-process) cache
        with (
            TokenEngine(reports, plugins=host, clock=clock) as refused,
            pytest.raises(CredentialsRejectedError),
        ):
            refused.get_token()

    metrics = telemetry.metrics()

    assert {
        ("billing", "issued", "cold", None): 1,
        ("billing", "issued", "renewal", None): 1,
        ("billing", "issued", "invalidated", None): 3,
        ("reports", "rejected", "cold", "invalid_client"): 1,
    } == values(
        metrics["credflow.token.requests"],
        "credflow.client",
        "credflow.outcome",
        "credflow.reason",
        "error.type",
    )
    assert {("billing", "issued"): 6, ("reports", "rejected"): 1} == counts(
        metrics["credflow.token.acquisition.duration"], "credflow.client", "credflow.outcome"
    )
    assert {("billing",): 5} == counts(metrics["credflow.token.lifetime"], "credflow.client")
    assert {
        ("billing", "hit"): 3,
        ("billing", "miss"): 5,
        ("billing", "shared_hit"): 1,
        ("reports", "hit"): 0,
        ("reports", "miss"): 1,
    } == values(metrics["credflow.token.lookups"], "credflow.client", "credflow.cache.result")
    assert {("billing",): 6, ("reports",): 1} == counts(
        metrics["credflow.token.coalesced_callers"], "credflow.client"
    )
    assert {("billing", 429): 1} == values(
        metrics["credflow.token.retries"], "credflow.client", "http.response.status_code"
    )
    assert {
        ("flaky", "ok", "backend"): 7,
        ("flaky", "ok", "stale"): 1,
    } == values(
        metrics["credflow.secret.reads"], "credflow.secret.scheme", "credflow.outcome", "credflow.secret.from"
    )
    assert {("flaky",): 8} == counts(metrics["credflow.secret.read.duration"], "credflow.secret.scheme")
    assert {("billing", "changed"): 1} == values(
        metrics["credflow.secret.rotations"], "credflow.client", "credflow.rotation.kind"
    )
    requests_sent = server.counters.token_requests  # the last one was the refused reports request
    assert {
        ("billing", "127.0.0.1"): 100 - (requests_sent - 1),
        ("reports", "127.0.0.1"): 100 - requests_sent,
    } == values(metrics["credflow.provider.ratelimit.remaining"], "credflow.client", "server.address")

    spans = telemetry.spans()
    acquisitions = [span for span in spans if span.name == ACQUIRE_SPAN]
    assert 7 == len(acquisitions)
    cold = acquisitions[0]
    assert {
        "credflow.client": "billing",
        "credflow.reason": "cold",
        "credflow.outcome": "issued",
    }.items() <= dict(cold.attributes or {}).items()
    assert [SECRET_SPAN, "POST"] == [span.name for span in children_of(spans, cold)]
    http = children_of(spans, cold)[1]
    assert {
        "http.request.method": "POST",
        "server.address": "127.0.0.1",
        "server.port": server.port,
        "url.full": server.token_endpoint,
        "http.response.status_code": 200,
    }.items() <= dict(http.attributes or {}).items()
    retried = acquisitions[2]
    assert [(429, "429"), (200, None)] == [
        (span.attributes["http.response.status_code"], span.attributes.get("error.type"))  # type: ignore[index, union-attr]
        for span in children_of(spans, retried)
        if span.name == "POST"
    ]
    stale = acquisitions[4]
    assert ["stale"] == [
        span.attributes["credflow.secret.from"]  # type: ignore[index]
        for span in children_of(spans, stale)
        if span.name == SECRET_SPAN
    ]
    rejected = acquisitions[6]
    assert ("rejected", "CredentialsRejectedError") == (
        rejected.attributes["credflow.outcome"],  # type: ignore[index]
        rejected.attributes["error.type"],  # type: ignore[index]
    )

    exported = exported_text(telemetry)
    scan_for_leaks("credflow-otel exported metrics and spans", exported)
    for secret in ("billing-secret-0001", "billing-secret-0002", "not-the-reports-secret", "flaky:billing"):
        assert secret not in exported
