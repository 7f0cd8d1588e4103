"""SecretCache: TTL, fresh reads, shared reads and stale-if-error."""

from __future__ import annotations

import threading
import time

import pytest

from credflow import SecretCache, SecretReference, SecretSourceUnavailableError, SecretValue
from credflow.errors import SecretNotFoundError

REFERENCE = SecretReference.parse("dict:billing")


class Backend:
    """A secret manager stand-in that counts reads and can go down."""

    def __init__(self) -> None:
        self.value = "value-1"
        self.reads = 0
        self.down = False
        self.delay = 0.0

    def read(self, reference: SecretReference) -> SecretValue:
        self.reads += 1
        time.sleep(self.delay)
        if self.down:
            raise SecretSourceUnavailableError("backend down", reference=str(reference))
        return SecretValue(self.value)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ttl_serves_from_cache_then_rereads() -> None:
    """Within the TTL the cached value is served; after it the backend is read."""
    backend, clock = Backend(), Clock()
    cache = SecretCache(backend.read, ttl=60, clock=clock)
    assert cache.fetch(REFERENCE).cached is False
    assert cache.fetch(REFERENCE).cached is True
    clock.now += 61
    backend.value = "value-2"
    assert ("value-2", 2) == (cache.fetch(REFERENCE).reveal(), backend.reads)


def test_fresh_read_bypasses_the_cache() -> None:
    """fresh=True reads the backend even within the TTL."""
    backend = Backend()
    cache = SecretCache(backend.read, ttl=600, clock=Clock())
    cache.fetch(REFERENCE)
    backend.value = "value-2"
    assert "value-2" == cache.fetch(REFERENCE, fresh=True).reveal()
    assert 2 == backend.reads


def test_concurrent_fresh_reads_share_one_backend_read() -> None:
    """A burst of fresh reads of one reference causes one backend read."""
    backend = Backend()
    backend.delay = 0.2
    cache = SecretCache(backend.read, ttl=600)
    barrier = threading.Barrier(20)

    def ask() -> None:
        barrier.wait()
        cache.fetch(REFERENCE, fresh=True)

    threads = [threading.Thread(target=ask) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 1 == backend.reads


def test_stale_if_error_serves_the_last_good_value_for_a_bounded_time() -> None:
    """With the backend down after the TTL, the last value is served stale until the bound."""
    backend, clock = Backend(), Clock()
    cache = SecretCache(backend.read, ttl=60, stale_if_error=300, clock=clock)
    cache.fetch(REFERENCE)
    backend.down = True
    clock.now += 120
    stale = cache.fetch(REFERENCE)
    assert ("value-1", True) == (stale.reveal(), stale.stale)
    clock.now += 300
    with pytest.raises(SecretSourceUnavailableError):
        cache.fetch(REFERENCE)


def test_fresh_read_never_serves_stale() -> None:
    """After a rejection the cached value is the rejected one: a failing fresh read raises."""
    backend = Backend()
    cache = SecretCache(backend.read, ttl=60, clock=Clock())
    cache.fetch(REFERENCE)
    backend.down = True
    with pytest.raises(SecretSourceUnavailableError):
        cache.fetch(REFERENCE, fresh=True)


def test_definitive_errors_are_not_masked_by_stale_values() -> None:
    """Not found (a deleted secret) raises even when a stale value exists."""
    clock = Clock()
    calls = {"n": 0}

    def read(reference: SecretReference) -> SecretValue:
        calls["n"] += 1
        if calls["n"] > 1:
            raise SecretNotFoundError("gone", reference=str(reference))
        return SecretValue("value-1")

    cache = SecretCache(read, ttl=1, clock=clock)
    cache.fetch(REFERENCE)
    clock.now += 5
    with pytest.raises(SecretNotFoundError):
        cache.fetch(REFERENCE)
