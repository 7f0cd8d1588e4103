"""Shared pieces of the credflow-otel tests: SDK providers in memory, a secret manager with outages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from credflow_otel import OtelTelemetry
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from credflow import SecretReference, SecretSourceUnavailableError, SecretValue, hookimpl
from credflow.plugin import SecretCache, SourceContext


@dataclass
class Telemetry:
    """An `OtelTelemetry` plugin recording into the SDK's in-memory reader and span exporter."""

    reader: InMemoryMetricReader
    exporter: InMemorySpanExporter
    meter_provider: MeterProvider
    tracer_provider: TracerProvider
    plugin: OtelTelemetry

    @classmethod
    def start(cls) -> Telemetry:
        reader = InMemoryMetricReader()
        exporter = InMemorySpanExporter()
        meter_provider = MeterProvider(metric_readers=[reader])
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        plugin = OtelTelemetry(meter_provider=meter_provider, tracer_provider=tracer_provider)
        return cls(reader, exporter, meter_provider, tracer_provider, plugin)

    def shutdown(self) -> None:
        self.meter_provider.shutdown()
        self.tracer_provider.shutdown()

    def metrics(self) -> dict[str, list[tuple[dict[str, Any], Any]]]:
        """Every metric collected now: name -> [(attributes, value or data point)]."""
        collected: dict[str, list[tuple[dict[str, Any], Any]]] = {}
        data = self.reader.get_metrics_data()
        if data is None:
            return collected
        for resource in data.resource_metrics:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    points = collected.setdefault(metric.name, [])
                    for point in metric.data.data_points:
                        value = getattr(point, "value", point)
                        points.append((dict(point.attributes or {}), value))
        return collected

    def spans(self) -> tuple[ReadableSpan, ...]:
        return tuple(self.exporter.get_finished_spans())


def values(points: list[tuple[dict[str, Any], Any]], *keys: str) -> dict[tuple[Any, ...], Any]:
    """A metric's values by the given attributes (counters and gauges)."""
    return {tuple(attributes.get(key) for key in keys): value for attributes, value in points}


def counts(points: list[tuple[dict[str, Any], Any]], *keys: str) -> dict[tuple[Any, ...], int]:
    """A histogram's number of recordings by the given attributes."""
    return {tuple(attributes.get(key) for key in keys): point.count for attributes, point in points}


def scan_for_leaks(where: str, text: str) -> None:
    """Hand exported text to the suite's leak scan (tests/leakcheck.py), when the suite runs."""
    try:
        from tests.leakcheck import LEDGER
    except ImportError:  # run alone from this directory: there is no suite-wide scan to feed
        return
    LEDGER.output(where, text)


def exported_text(telemetry: Telemetry) -> str:
    """Everything the SDK would export, as text: every metric and span with its attributes."""
    data = telemetry.reader.get_metrics_data()
    metrics = data.to_json() if data is not None else ""
    spans = "\n".join(span.to_json() for span in telemetry.spans())
    return metrics + "\n" + spans


@dataclass
class FlakySecretManager:
    """A secret manager imitation behind credflow's own `SecretCache` (ttl 0, stale-if-error 15 min).

    `values` maps a reference body to the secret; while `down` is set every
    backend read fails with `SecretSourceUnavailableError`, so the cache
    serves its last value marked stale, as a secret-manager plugin would.
    """

    values: dict[str, str] = field(default_factory=dict)
    down: bool = False

    def _read(self, reference: SecretReference) -> SecretValue:
        if self.down:
            raise SecretSourceUnavailableError(
                f"secret {reference}: the secret manager is unreachable", reference=str(reference)
            )
        return SecretValue(self.values[reference.body])

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("flaky", self._source, description="test secret manager with outages")

    def _source(self, context: SourceContext) -> _CachedSource:
        return _CachedSource(SecretCache(self._read, ttl=0, stale_if_error=900))


@dataclass
class _CachedSource:
    cache: SecretCache

    def fetch(self, reference: SecretReference, *, fresh: bool = False) -> SecretValue:
        return self.cache.fetch(reference, fresh=fresh)


def children_of(spans: tuple[ReadableSpan, ...], parent: ReadableSpan) -> list[ReadableSpan]:
    """The spans whose parent is `parent`."""
    assert parent.context is not None
    return [
        span for span in spans if span.parent is not None and span.parent.span_id == parent.context.span_id
    ]


def as_json(text: str) -> Iterator[Any]:
    """Each JSON document of `text` (one per line)."""
    for line in text.splitlines():
        if line.strip():
            yield json.loads(line)
