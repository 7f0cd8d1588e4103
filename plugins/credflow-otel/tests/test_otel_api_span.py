"""The API request's span is not touched: the acquisition nests under it and adds nothing to it."""

from __future__ import annotations

import httpx
from credflow_otel import ACQUIRE_SPAN
from otel_helpers import FlakySecretManager, Telemetry, children_of

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer


def test_api_request_span_is_parent_and_unchanged(
    credflow_auth_server: AuthServer, telemetry: Telemetry
) -> None:
    """An httpx call made inside the application's span: its attributes stay its own, one child per token."""
    server = credflow_auth_server
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    host = PluginHost(plugins=(secrets, telemetry.plugin), load_entry_points=False)
    config = ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=server.test_client_id,
        client_secret="flaky:svc",
        scopes=("api.read",),
        allow_insecure_http=True,
    )
    tracer = telemetry.tracer_provider.get_tracer("application")
    with TokenEngine(config, plugins=host) as engine, httpx.Client(auth=engine.httpx_auth()) as http:
        for _ in range(2):
            with tracer.start_as_current_span("GET /api", attributes={"app.route": "/api"}):
                assert 200 == http.get(server.api_url).status_code

    spans = telemetry.spans()
    requests = [span for span in spans if span.name == "GET /api"]

    assert [{"app.route": "/api"}, {"app.route": "/api"}] == [
        dict(span.attributes or {}) for span in requests
    ]
    assert [[ACQUIRE_SPAN], []] == [[child.name for child in children_of(spans, span)] for span in requests]
