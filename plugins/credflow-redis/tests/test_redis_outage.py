"""Redis down, stalled or unreachable is never an outage: fallback, one event each way."""

from __future__ import annotations

from collections.abc import Callable

import credflow_redis.backend
import pytest
from credflow_redis.outage import OutageGuard
from credflow_redis.testing import RedisServer
from redis_helpers import REDIS_URL_ENV, EventRecorder, Replicas

from credflow.clock import ManualClock
from credflow.events import AuditEvent

COOLDOWN = 2.0


class CountingGuard(OutageGuard):
    """An `OutageGuard` that counts the failed Redis calls it is told about."""

    failures = 0

    def failed(self, reason: str) -> None:
        self.failures += 1
        super().failed(reason)


class Outages:
    """The cool-down clock of the backends built during a test (moved by hand) and their guards."""

    def __init__(self) -> None:
        self.clock = ManualClock()
        self.guards: list[CountingGuard] = []

    def guard(self, backend: str, emit: Callable[[AuditEvent], None], cooldown: float) -> CountingGuard:
        """Build a guard as the backend does (`OutageGuard(name, emit, cooldown)`), on the manual clock."""
        built = CountingGuard(backend, emit, cooldown, monotonic=self.clock.monotonic)
        self.guards.append(built)
        return built

    def failed_calls(self) -> int:
        """Redis calls that failed, over every guard."""
        return sum(guard.failures for guard in self.guards)


@pytest.fixture
def outages(monkeypatch: pytest.MonkeyPatch) -> Outages:
    """Backends built during the test count their failures and cool down on a manual clock."""
    built = Outages()
    monkeypatch.setattr(credflow_redis.backend, "OutageGuard", built.guard)
    return built


def test_redis_stopped_mid_run_then_restarted(
    private_replicas: Replicas, private_redis: RedisServer, outages: Outages
) -> None:
    """Every call succeeds while Redis is down (one degraded event); after a restart sharing resumes."""
    counters = private_replicas.server.counters
    first_events, second_events = EventRecorder(), EventRecorder()
    first = private_replicas.new(first_events, cooldown=COOLDOWN)
    second = private_replicas.new(second_events, cooldown=COOLDOWN)
    first.get_token()
    second.get_token()

    private_redis.stop()
    for _ in range(5):  # each round outlives the cool-down: Redis is tried, and fails, again
        for engine in (first, second):
            engine.invalidate()
            engine.get_token()
        outages.clock.advance(COOLDOWN)
    during = (counters.token_requests, first_events.kinds(), second_events.kinds())

    private_redis.start()
    outages.clock.advance(COOLDOWN)
    first.invalidate()
    published = first.get_token()
    second.invalidate()
    shared = second.get_token()

    assert (11, ["degraded"], ["degraded"]) == during  # 1 shared, then each replica fetched alone
    assert (12, published.fingerprint) == (counters.token_requests, shared.fingerprint)
    assert ["degraded", "recovered"] == first_events.kinds()
    assert ["degraded", "recovered"] == second_events.kinds()


def test_stalled_redis_costs_one_timeout(
    private_replicas: Replicas, private_redis: RedisServer, outages: Outages
) -> None:
    """A frozen Redis costs one timed-out call, then is skipped for the cool-down."""
    events = EventRecorder()
    engine = private_replicas.new(events, timeout=0.2, cooldown=COOLDOWN)
    old = engine.get_token()
    private_redis.pause()
    try:
        engine.invalidate()  # its delete times out: the outage starts
        fresh = engine.get_token()  # within the cool-down (the clock stands still): Redis is not called
        failed_calls = outages.failed_calls()
    finally:
        private_redis.resume()
    assert (["degraded"], True, 1) == (events.kinds(), fresh.fingerprint != old.fingerprint, failed_calls)
    assert "TimeoutError" in events.cache_events[0].message


def test_unreachable_redis_from_the_start(private_replicas: Replicas, private_redis: RedisServer) -> None:
    """Nothing listening at the URL: tokens are fetched all the same, one degraded event per replica."""
    private_redis.stop()
    events = EventRecorder()
    engines = [private_replicas.new(events) for _ in range(2)]
    tokens = [engine.get_token() for engine in engines for _ in range(3)]
    assert (6, 2) == (len(tokens), private_replicas.server.counters.token_requests)
    assert ["degraded", "degraded"] == events.kinds()
    assert "ConnectionError" in events.cache_events[0].message


def test_unresolvable_url_reference_degrades(
    private_replicas: Replicas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The secret holding the URL cannot be read: the engine works without Redis and says why."""
    monkeypatch.delenv(REDIS_URL_ENV)
    events = EventRecorder()
    engine = private_replicas.new(events)
    engine.get_token()
    assert (["degraded"], 1) == (events.kinds(), private_replicas.server.counters.token_requests)
    assert REDIS_URL_ENV in events.cache_events[0].message
