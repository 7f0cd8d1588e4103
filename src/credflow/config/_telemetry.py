"""The `[telemetry]` table: settings handed to telemetry plugins (such as credflow-otel).

credflow itself exports nothing: it emits the telemetry events of
`credflow.events` to the hooks of `credflow.hookspecs`, and a plugin turns
them into metrics and spans. This table is declared here, once, checked when
the configuration is loaded, and listed in the generated configuration
reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TelemetryConfig"]


@dataclass(frozen=True, slots=True)
class TelemetryConfig:
    """The `[telemetry]` table of `credflow.toml` (every key optional)."""

    enabled: bool = field(
        default=True,
        metadata={
            "doc": "Whether an installed telemetry plugin (credflow-otel) records metrics and spans; "
            "false turns it off without uninstalling it."
        },
    )
