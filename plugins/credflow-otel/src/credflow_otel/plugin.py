"""credflow's telemetry events as OpenTelemetry metrics and spans.

`OtelTelemetry` implements credflow's telemetry and audit hooks. It depends on
`opentelemetry-api` only: meters and tracers come lazily from the global
providers (or the ones given, in tests), so without an SDK every call lands on
the API's no-op instruments. Attributes are names and counts: the client id,
the secret reference's scheme (never the reference), outcomes, status codes,
the token endpoint's host — never a secret, a token or a fingerprint.

Cache hits are not events: each engine counts them lock-free and the plugin
reads the counts in the callback of an observable counter, when the exporter
collects.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from contextvars import Token
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opentelemetry import context, metrics, trace
from opentelemetry.context import Context
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.trace import SpanKind, Status, StatusCode

import credflow
from credflow import hookimpl

if TYPE_CHECKING:
    from credflow import TelemetryConfig
    from credflow.events import (
        AcquisitionEnded,
        AcquisitionStarted,
        EngineStarted,
        SecretFailed,
        SecretFetched,
        SecretRotation,
        TokenEndpointCalled,
        TokenIssued,
        TokenRequestEnded,
        TokenRetried,
    )

__all__ = ["ACQUIRE_SPAN", "SECRET_SPAN", "OtelTelemetry", "telemetry_plugin"]

INSTRUMENTATION_NAME = "credflow"
ACQUIRE_SPAN = "credflow acquire token"
SECRET_SPAN = "credflow read secret"

# Seconds: OpenTelemetry's HTTP client duration advice, which fits a token request with retries.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 30.0)
# Token lifetimes run from minutes to a day.
_LIFETIME_BUCKETS = (60.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 43200.0, 86400.0)
_CALLER_BUCKETS = (1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0)
# The API's stand-ins before (or without) an SDK: recording into them does nothing.
_NO_OP_PROVIDERS = ("_ProxyMeterProvider", "ProxyMeterProvider", "NoOpMeterProvider")
# credflow's `expired` (the token was past use when asked for) is a renewal that came late.
_REASONS = {"expired": "renewal"}


@dataclass(slots=True)
class _Instruments:
    token_requests: metrics.Counter
    acquisition_duration: metrics.Histogram
    token_lifetime: metrics.Histogram
    coalesced_callers: metrics.Histogram
    token_retries: metrics.Counter
    secret_reads: metrics.Counter
    secret_read_duration: metrics.Histogram
    secret_rotations: metrics.Counter
    tracer: trace.Tracer


class OtelTelemetry:
    """The credflow-otel plugin: one meter (`credflow`) and one tracer.

    `meter_provider` and `tracer_provider` default to OpenTelemetry's global
    providers, looked up on first use. The entry point registers the
    process-wide instance `telemetry_plugin`; tests register their own with
    explicit providers.
    """

    def __init__(
        self,
        *,
        meter_provider: metrics.MeterProvider | None = None,
        tracer_provider: trace.TracerProvider | None = None,
    ) -> None:
        self._meter_provider = meter_provider
        self._tracer_provider = tracer_provider
        self.enabled = True
        self._lock = threading.Lock()
        self._instruments: _Instruments | None = None
        # What the lookups counter reports: engine hit counters, and the callers of flights.
        self._hit_readers: list[tuple[str, Callable[[], int]]] = []
        self._flight_lookups: dict[tuple[str, str], int] = {}
        # The last rate-limit figure each (client, server) announced.
        self._remaining: dict[tuple[str, str], int] = {}
        # Open acquisition spans by acquisition id, with the context token that made them current.
        self._spans: dict[int, tuple[trace.Span, Token[Context]]] = {}

    # --- set-up -----------------------------------------------------------

    def meter_provider_name(self) -> str:
        """The class of the meter provider in use (for `credflow check`)."""
        provider = self._meter_provider or metrics.get_meter_provider()
        return f"{type(provider).__module__}.{type(provider).__qualname__}"

    def _get(self) -> _Instruments:
        instruments = self._instruments
        if instruments is not None:
            return instruments
        with self._lock:
            if self._instruments is None:
                self._instruments = self._create()
            return self._instruments

    def _create(self) -> _Instruments:
        meter = metrics.get_meter(INSTRUMENTATION_NAME, credflow.__version__, self._meter_provider)
        meter.create_observable_counter(
            "credflow.token.lookups",
            callbacks=[self._observe_lookups],
            unit="{lookup}",
            description="get_token() calls: answered from the process (hit), from the shared "
            "token cache (shared_hit), or by a token request (miss)",
        )
        meter.create_observable_gauge(
            "credflow.provider.ratelimit.remaining",
            callbacks=[self._observe_remaining],
            unit="{request}",
            description="Requests left, as the token endpoint's rate-limit or quota headers last said",
        )
        return _Instruments(
            token_requests=meter.create_counter(
                "credflow.token.requests",
                unit="{request}",
                description="Token requests answered by the token endpoint (after retries)",
            ),
            acquisition_duration=meter.create_histogram(
                "credflow.token.acquisition.duration",
                unit="s",
                description="How long getting a token took, from the start of a flight to its end",
                explicit_bucket_boundaries_advisory=list(_DURATION_BUCKETS),
            ),
            token_lifetime=meter.create_histogram(
                "credflow.token.lifetime",
                unit="s",
                description="Lifetime of the tokens issued",
                explicit_bucket_boundaries_advisory=list(_LIFETIME_BUCKETS),
            ),
            coalesced_callers=meter.create_histogram(
                "credflow.token.coalesced_callers",
                unit="{caller}",
                description="Callers that waited for one acquisition",
                explicit_bucket_boundaries_advisory=list(_CALLER_BUCKETS),
            ),
            token_retries=meter.create_counter(
                "credflow.token.retries",
                unit="{retry}",
                description="Token requests sent again after a transient failure",
            ),
            secret_reads=meter.create_counter(
                "credflow.secret.reads",
                unit="{read}",
                description="Secret reads, from the secret manager, the source's cache, or stale",
            ),
            secret_read_duration=meter.create_histogram(
                "credflow.secret.read.duration",
                unit="s",
                description="How long a secret read took",
                explicit_bucket_boundaries_advisory=list(_DURATION_BUCKETS),
            ),
            secret_rotations=meter.create_counter(
                "credflow.secret.rotations",
                unit="{event}",
                description="Rotations seen: a new value, a candidate fallback, the last known good value",
            ),
            tracer=trace.get_tracer(INSTRUMENTATION_NAME, credflow.__version__, self._tracer_provider),
        )

    def _observe_lookups(self, options: CallbackOptions) -> list[Observation]:
        with self._lock:
            readers = list(self._hit_readers)
            totals = dict(self._flight_lookups)
        for client, read in readers:
            key = (client, "hit")
            totals[key] = totals.get(key, 0) + read()
        return [
            Observation(count, {"credflow.client": client, "credflow.cache.result": result})
            for (client, result), count in sorted(totals.items())
        ]

    def _observe_remaining(self, options: CallbackOptions) -> list[Observation]:
        with self._lock:
            remaining = sorted(self._remaining.items())
        return [
            Observation(left, {"credflow.client": client, "server.address": server})
            for (client, server), left in remaining
        ]

    # --- hooks: configuration and engines ---------------------------------

    @hookimpl
    def credflow_describe_telemetry(self) -> str:
        provider = self._meter_provider or metrics.get_meter_provider()
        if type(provider).__name__ in _NO_OP_PROVIDERS:
            return (
                "credflow-otel: no meter provider installed (OpenTelemetry's no-op default: "
                "the application sets one up with the SDK)"
            )
        return f"credflow-otel: meter provider {self.meter_provider_name()}"

    @hookimpl
    def credflow_configure_telemetry(self, settings: TelemetryConfig) -> None:
        self.enabled = settings.enabled

    @hookimpl
    def credflow_engine_started(self, event: EngineStarted) -> None:
        if not self.enabled:
            return
        self._get()
        with self._lock:
            self._hit_readers.append((event.client_id, event.cache_hits))

    # --- hooks: acquisitions (spans and flight metrics) -------------------

    @hookimpl
    def credflow_acquisition_started(self, event: AcquisitionStarted) -> None:
        if not self.enabled:
            return
        span = self._get().tracer.start_span(
            ACQUIRE_SPAN,
            kind=SpanKind.INTERNAL,
            attributes={"credflow.client": event.client_id, "credflow.reason": _reason(event.reason)},
        )
        # Current until the flight ends (same thread or task), so the secret and HTTP spans nest under it.
        token = context.attach(trace.set_span_in_context(span))
        with self._lock:
            self._spans[event.acquisition_id] = (span, token)

    @hookimpl
    def credflow_acquisition_ended(self, event: AcquisitionEnded) -> None:
        with self._lock:
            opened = self._spans.pop(event.acquisition_id, None)
        if opened is not None:
            span, token = opened
            span.set_attribute("credflow.outcome", event.outcome)
            span.set_attribute("credflow.coalesced_callers", event.callers)
            if event.token_source is not None:
                span.set_attribute("credflow.token.source", event.token_source)
            if event.error_type is not None:
                span.set_attribute("error.type", event.error_type)
                span.set_status(Status(StatusCode.ERROR))
            span.end()
            context.detach(token)
        if not self.enabled:
            return
        instruments = self._get()
        client = {"credflow.client": event.client_id}
        instruments.acquisition_duration.record(
            event.duration_seconds, {**client, "credflow.outcome": event.outcome}
        )
        if event.callers > 0:
            instruments.coalesced_callers.record(event.callers, client)
            result = "shared_hit" if event.token_source == "shared" else "miss"
            with self._lock:
                key = (event.client_id, result)
                self._flight_lookups[key] = self._flight_lookups.get(key, 0) + event.callers

    # --- hooks: the token endpoint -----------------------------------------

    @hookimpl
    def credflow_token_request_ended(self, event: TokenRequestEnded) -> None:
        if not self.enabled:
            return
        attributes = {
            "credflow.client": event.client_id,
            "credflow.outcome": event.outcome,
            "credflow.reason": _reason(event.reason),
        }
        if event.error_type is not None:
            attributes["error.type"] = event.error_type
        self._get().token_requests.add(1, attributes)

    @hookimpl
    def credflow_token_issued(self, event: TokenIssued) -> None:
        if not self.enabled:
            return
        self._get().token_lifetime.record(event.lifetime_seconds, {"credflow.client": event.client_id})

    @hookimpl
    def credflow_token_retried(self, event: TokenRetried) -> None:
        if not self.enabled:
            return
        attributes: dict[str, Any] = {"credflow.client": event.client_id}
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        self._get().token_retries.add(1, attributes)

    @hookimpl
    def credflow_token_endpoint_called(self, event: TokenEndpointCalled) -> None:
        if not self.enabled:
            return
        instruments = self._get()
        end = time.time_ns()
        url = urlsplit(event.url)
        server = url.hostname or ""
        port = url.port or (443 if url.scheme == "https" else 80)
        attributes: dict[str, Any] = {
            "http.request.method": event.method,
            "server.address": server,
            "server.port": port,
            "url.full": event.url,
            "credflow.client": event.client_id,
        }
        if event.status is not None:
            attributes["http.response.status_code"] = event.status
        # HTTP client conventions: error.type is the status code for 4xx/5xx, else the failure's class.
        error_type = str(event.status) if event.status is not None and event.status >= 400 else None
        error_type = error_type or event.error_type
        if error_type is not None:
            attributes["error.type"] = error_type
        span = instruments.tracer.start_span(
            event.method,
            kind=SpanKind.CLIENT,
            attributes=attributes,
            start_time=end - int(event.duration_seconds * 1e9),
        )
        if error_type is not None:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=end)
        if event.ratelimit_remaining is not None:
            with self._lock:
                self._remaining[(event.client_id, server)] = event.ratelimit_remaining

    # --- hooks: secrets ---------------------------------------------------

    @hookimpl
    def credflow_secret_fetched(self, event: SecretFetched) -> None:
        if not self.enabled:
            return
        source = "stale" if event.stale else "cache" if event.cached else "backend"
        self._secret_read(event.scheme, event.duration_seconds, {"credflow.secret.from": source}, None)

    @hookimpl
    def credflow_secret_failed(self, event: SecretFailed) -> None:
        if not self.enabled:
            return
        self._secret_read(
            event.scheme, event.duration_seconds, {"credflow.secret.from": "backend"}, event.error_type
        )

    def _secret_read(
        self, scheme: str, duration: float, attributes: Mapping[str, str], error_type: str | None
    ) -> None:
        instruments = self._get()
        outcome = {"credflow.outcome": "ok" if error_type is None else "error"}
        error = {"error.type": error_type} if error_type is not None else {}
        by_scheme = {"credflow.secret.scheme": scheme}
        instruments.secret_reads.add(1, {**by_scheme, **outcome, **attributes, **error})
        instruments.secret_read_duration.record(duration, by_scheme)
        end = time.time_ns()
        span = instruments.tracer.start_span(
            SECRET_SPAN,
            kind=SpanKind.INTERNAL,
            attributes={**by_scheme, **attributes, **error},
            start_time=end - int(duration * 1e9),
        )
        if error_type is not None:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=end)

    @hookimpl
    def credflow_secret_rotation(self, event: SecretRotation) -> None:
        if not self.enabled:
            return
        self._get().secret_rotations.add(
            1, {"credflow.client": event.client_id or "", "credflow.rotation.kind": event.kind}
        )


def _reason(reason: str) -> str:
    return _REASONS.get(reason, reason)


#: The instance the `credflow` entry point registers (global providers).
telemetry_plugin = OtelTelemetry()
