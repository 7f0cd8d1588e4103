"""The metrics as operators see them: the Prometheus exporter, scraped over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from credflow_otel import OtelTelemetry
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from otel_helpers import FlakySecretManager, scan_for_leaks
from prometheus_client import REGISTRY, start_http_server
from prometheus_client.parser import text_string_to_metric_families

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer


@pytest.fixture
def scrape_url() -> Iterator[tuple[str, MeterProvider]]:
    """A Prometheus reader on the default registry, served on a loopback port; both removed after."""
    reader = PrometheusMetricReader()  # registers its collector in prometheus_client.REGISTRY
    provider = MeterProvider(metric_readers=[reader])
    server, thread = start_http_server(0, addr="127.0.0.1", registry=REGISTRY)
    try:
        yield f"http://127.0.0.1:{server.server_port}/metrics", provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        provider.shutdown()  # unregisters the collector: the registry is as it was


def test_prometheus_scrape_shows_the_operator_names(
    credflow_auth_server: AuthServer, scrape_url: tuple[str, MeterProvider]
) -> None:
    """A scrape after a cold start and two hits shows every credflow metric under its Prometheus name."""
    url, provider = scrape_url
    server = credflow_auth_server
    server.rate_limit = 50
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    plugin = OtelTelemetry(meter_provider=provider)
    host = PluginHost(plugins=(secrets, plugin), load_entry_points=False)
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=server.test_client_id,
        client_secret="flaky:svc",
        allow_insecure_http=True,
    )
    server.fail_next(1, status=429, retry_after=0)
    with TokenEngine(config, plugins=host) as engine:
        for _ in range(3):
            engine.get_token()

    body = httpx.get(url, timeout=10).text
    scan_for_leaks("credflow-otel Prometheus scrape", body)
    # The exporter adds otel_scope_* labels (the meter's name and version) to every sample.
    samples = {
        (
            sample.name,
            tuple(sorted((k, v) for k, v in sample.labels.items() if not k.startswith("otel_scope"))),
        ): (sample.value)
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }
    client = ("credflow_client", server.test_client_id)

    assert (
        1.0
        == samples[
            (
                "credflow_token_requests_total",
                (client, ("credflow_outcome", "issued"), ("credflow_reason", "cold")),
            )
        ]
    )
    assert 2.0 == samples[("credflow_token_lookups_total", (("credflow_cache_result", "hit"), client))]
    assert 1.0 == samples[("credflow_token_lookups_total", (("credflow_cache_result", "miss"), client))]
    assert 1.0 == samples[("credflow_token_retries_total", (client, ("http_response_status_code", "429")))]
    assert (
        48.0 == samples[("credflow_provider_ratelimit_remaining", (client, ("server_address", "127.0.0.1")))]
    )
    names = {name for name, _ in samples}
    assert {
        "credflow_token_acquisition_duration_seconds_count",
        "credflow_token_lifetime_seconds_count",
        "credflow_token_coalesced_callers_count",
        "credflow_secret_reads_total",
        "credflow_secret_read_duration_seconds_count",
    } <= names
    assert server.test_client_secret not in body
