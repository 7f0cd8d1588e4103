"""Lookups add up: every get_token() call is counted once, as hit, shared_hit or miss, under threads too."""

from __future__ import annotations

import gc
import threading
import weakref

from otel_helpers import FlakySecretManager, Telemetry, values

from credflow import ClientConfig, PluginHost, TokenEngine
from credflow.testing import AuthServer

THREADS = 8
CALLS = 50


def _config(server: AuthServer) -> ClientConfig:
    return ClientConfig(
        token_endpoint=server.token_endpoint,
        client_id=server.test_client_id,
        client_secret="flaky:svc",
        allow_insecure_http=True,
    )


def test_threaded_burst_counts_every_call_once(
    credflow_auth_server: AuthServer, telemetry: Telemetry
) -> None:
    """Eight threads of fifty calls from cold: hits + misses == calls, misses == waiting callers."""
    server = credflow_auth_server
    server.latency = 0.2  # long enough for several threads to wait for the one flight
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    host = PluginHost(plugins=(secrets, telemetry.plugin), load_entry_points=False)
    start = threading.Barrier(THREADS)

    def caller(engine: TokenEngine) -> None:
        start.wait()
        for _ in range(CALLS):
            engine.get_token()

    with TokenEngine(_config(server), plugins=host) as engine:
        threads = [threading.Thread(target=caller, args=(engine,)) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    metrics = telemetry.metrics()
    lookups = values(metrics["credflow.token.lookups"], "credflow.cache.result")
    (callers,) = [point.sum for _, point in metrics["credflow.token.coalesced_callers"]]

    assert THREADS * CALLS == sum(lookups.values())
    assert callers == lookups[("miss",)]
    assert 1 == server.counters.token_requests


def test_plugin_does_not_keep_engines_alive(credflow_auth_server: AuthServer, telemetry: Telemetry) -> None:
    """The hit count the plugin keeps reading holds no reference to its engine."""
    server = credflow_auth_server
    secrets = FlakySecretManager(values={"svc": server.test_client_secret})
    host = PluginHost(plugins=(secrets, telemetry.plugin), load_entry_points=False)
    engine = TokenEngine(_config(server), plugins=host)
    engine.get_token()
    engine.get_token()
    engine.close()
    gone = weakref.ref(engine)
    del engine
    gc.collect()

    assert gone() is None
    assert {("hit",): 1, ("miss",): 1} == values(
        telemetry.metrics()["credflow.token.lookups"], "credflow.cache.result"
    )
