"""credflow-otel: OpenTelemetry metrics and traces for credflow, on `opentelemetry-api` only.

Installed, it is loaded through the `credflow` entry point and records into
the global meter and tracer providers; `[telemetry] enabled = false` turns it
off. See docs/telemetry.md for the metrics, the spans and example queries.
"""

from __future__ import annotations

from .plugin import ACQUIRE_SPAN, SECRET_SPAN, OtelTelemetry, telemetry_plugin

__all__ = ["ACQUIRE_SPAN", "SECRET_SPAN", "OtelTelemetry", "telemetry_plugin"]
__version__ = "0.1.0"
