"""Fixtures for the provider profile tests: engines pointed at each provider's imitation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from credflow import ClientConfig, PluginHost, RetryPolicy, TokenEngine, set_testing
from credflow.testing import AuditRecorder
from credflow.transport._retry import is_testing

SECRET_ENV = "PROVIDER_TEST_SECRET"
SECRET = "s3cret-value~with+odd/chars"

EngineFactory = Callable[..., TokenEngine]


@pytest.fixture
def recorder() -> AuditRecorder:
    """Every audit event of the test's engines."""
    return AuditRecorder()


@pytest.fixture
def no_retry_waits() -> Iterator[None]:
    """Retries happen without sleeping (the computed delays are still reported); restored after."""
    before = is_testing()
    set_testing(True)
    yield
    set_testing(before)


@pytest.fixture
def make_engine(recorder: AuditRecorder, monkeypatch: pytest.MonkeyPatch) -> Iterator[EngineFactory]:
    """Build an engine from ClientConfig keywords; the secret SECRET is in $PROVIDER_TEST_SECRET."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    engines: list[TokenEngine] = []

    def make(**settings: Any) -> TokenEngine:
        settings.setdefault("client_secret", f"env:{SECRET_ENV}")
        settings.setdefault("retry", RetryPolicy(attempts=3, deadline=60))
        host = PluginHost(plugins=(recorder,), load_entry_points=False)
        engine = TokenEngine(ClientConfig(**settings), plugins=host)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.close()
