"""The engine's own hit count (`EngineStarted.cache_hits`), kept on the hot path's clock read."""

from __future__ import annotations

from collections.abc import Callable

from credflow import ManualClock, hookimpl
from credflow.events import EngineStarted
from credflow.testing import AuthServer

from .conftest import EngineFactory

CACHED_CALLS = 5


class HitReaders:
    """A telemetry plugin that keeps each engine's `cache_hits`, as credflow-otel does."""

    def __init__(self) -> None:
        self.readers: list[Callable[[], int]] = []

    @hookimpl
    def credflow_engine_started(self, event: EngineStarted) -> None:
        self.readers.append(event.cache_hits)

    def hits(self) -> int:
        (read,) = self.readers
        return read()


def test_cached_calls_are_counted_as_hits(server: AuthServer, make_engine: EngineFactory) -> None:
    """A cold call is not a hit; each call answered from the engine's token is one."""
    readers = HitReaders()
    engine = make_engine(plugins=(readers,))
    engine.get_token()
    for _ in range(CACHED_CALLS):
        engine.get_token()
    assert CACHED_CALLS == readers.hits()
    assert 1 == server.counters.token_requests


async def test_cached_async_calls_are_counted_as_hits(server: AuthServer, make_engine: EngineFactory) -> None:
    """The async hot path counts as the sync one does."""
    readers = HitReaders()
    engine = make_engine(plugins=(readers,))
    await engine.aget_token()
    for _ in range(CACHED_CALLS):
        await engine.aget_token()
    assert CACHED_CALLS == readers.hits()
    assert 1 == server.counters.token_requests


def test_reading_the_count_does_not_change_it(make_engine: EngineFactory) -> None:
    """Reading the count twice gives the same answer (a read is not counted)."""
    readers = HitReaders()
    engine = make_engine(plugins=(readers,))
    engine.get_token()
    engine.get_token()
    assert [1, 1] == [readers.hits(), readers.hits()]


def test_expired_token_is_a_miss_and_the_renewal_window_a_hit(make_engine: EngineFactory) -> None:
    """A caller past expiry waits for a fetch (no hit); one in the renewal window is served (a hit)."""
    readers = HitReaders()
    clock = ManualClock()
    engine = make_engine(plugins=(readers,), clock=clock)
    old = engine.get_token()
    clock.advance(old.lifetime_seconds + 1)
    new = engine.get_token()
    assert 0 == readers.hits()
    clock.advance(0.81 * new.lifetime_seconds)
    assert new is engine.get_token()
    assert 1 == readers.hits()


async def test_expired_token_is_a_miss_on_the_async_path(make_engine: EngineFactory) -> None:
    """An async caller past expiry waits for a fetch and is not counted; the next call is."""
    readers = HitReaders()
    clock = ManualClock()
    engine = make_engine(plugins=(readers,), clock=clock)
    old = await engine.aget_token()
    clock.advance(old.lifetime_seconds + 1)
    new = await engine.aget_token()
    assert 0 == readers.hits()
    assert new is await engine.aget_token()
    assert 1 == readers.hits()
