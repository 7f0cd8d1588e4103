"""Fixtures of the credflow-otel tests: the SDK's in-memory reader and exporter per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from otel_helpers import Telemetry


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    """A fresh plugin with its own SDK providers (the global providers are never touched)."""
    started = Telemetry.start()
    yield started
    started.shutdown()
