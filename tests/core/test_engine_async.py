"""TokenEngine on the asynchronous path; mirrors test_engine.py."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from credflow import (
    CredentialsRejectedError,
    ManualClock,
    OAuthError,
    RetriesExhaustedError,
    RetryPolicy,
    SecretValue,
    TokenEndpointError,
    hookimpl,
)
from credflow.events import SecretRotation, TokenFailed, TokenRequested, TokenRetried
from credflow.testing import AuditRecorder, AuthServer, await_until

from .conftest import EngineFactory
from .support import DictSecrets


async def test_token_is_issued_and_cached(server: AuthServer, make_engine: EngineFactory) -> None:
    """The first call fetches a token; later calls reuse it without a request."""
    engine = make_engine()
    first = await engine.aget_token()
    assert first is await engine.aget_token()
    assert 1 == server.counters.token_requests


async def test_token_is_renewed_in_the_background_before_expiry(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """Past 80% of the lifetime the old token is served while a background task renews it."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = await engine.aget_token()
    clock.advance(0.81 * old.lifetime_seconds)
    assert old is await engine.aget_token()
    await await_until(lambda: server.counters.tokens_issued == 2)
    await await_until(lambda: engine._slot is not None and engine._slot.token is not old)
    assert ["cold", "renewal"] == [event.reason for event in recorder.of_type(TokenRequested)]


async def test_expired_token_is_fetched_by_the_caller(server: AuthServer, make_engine: EngineFactory) -> None:
    """A caller holding an expired token waits for a new one."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = await engine.aget_token()
    clock.advance(old.lifetime_seconds + 1)
    assert old.access_token != (await engine.aget_token()).access_token
    assert 2 == server.counters.token_requests


async def test_failed_renewal_keeps_serving_the_valid_token(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """If renewal fails while the token is valid, the token is still served."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = await engine.aget_token()
    server.fail_next(1, status=400, error="invalid_request")
    clock.advance(0.85 * old.lifetime_seconds)
    assert old is await engine.aget_token()
    await await_until(lambda: len(recorder.of_type(TokenFailed)) == 1)
    assert old is await engine.aget_token()
    assert 2 == server.counters.token_requests


async def test_invalidate_drops_only_the_current_token(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """ainvalidate(token) forces a new token; invalidating an old token again changes nothing."""
    engine = make_engine()
    old = await engine.aget_token()
    await engine.ainvalidate(old)
    new = await engine.aget_token()
    await engine.ainvalidate(old)
    assert new is await engine.aget_token()
    assert 2 == server.counters.token_requests


async def test_wrong_secret_is_rejected_once_without_looping(
    server: AuthServer, make_engine: EngineFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """invalid_client with an unchanged secret raises CredentialsRejectedError after one request."""
    monkeypatch.setenv("TEST_CLIENT_SECRET", "not-the-secret")
    with pytest.raises(CredentialsRejectedError) as caught:
        await make_engine().aget_token()
    assert "invalid_client" == caught.value.error
    assert (1, 1) == (server.counters.token_requests, server.counters.invalid_client)


async def test_rotated_secret_is_read_again_and_retried(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """A cached secret that the server rejects is re-read fresh; the new value gets the token."""
    secrets = DictSecrets(ttl=3600)
    secrets.values["billing"] = server.test_client_secret
    engine = make_engine(plugins=(secrets,), client_secret="dict:billing")
    first = await engine.aget_token()
    server.rotate_secret(server.test_client_id, "rotated-secret-2", grace_seconds=0)
    secrets.values["billing"] = "rotated-secret-2"
    await engine.ainvalidate(first)
    assert first.access_token != (await engine.aget_token()).access_token
    assert (3, 1, 2) == (server.counters.token_requests, server.counters.invalid_client, secrets.reads)
    assert ["changed"] == [event.kind for event in recorder.of_type(SecretRotation)]


async def test_429_with_retry_after_is_waited_for(
    server: AuthServer, make_engine: EngineFactory, recorder: AuditRecorder
) -> None:
    """A 429 is retried after the server's Retry-After, not the backoff."""
    server.fail_next(1, status=429, retry_after="3")
    assert (await make_engine().aget_token()).access_token
    assert [(1, 3.0)] == [(event.attempt, event.delay_seconds) for event in recorder.of_type(TokenRetried)]


async def test_5xx_then_success(server: AuthServer, make_engine: EngineFactory) -> None:
    """Transient 5xx answers are retried until a token comes."""
    server.fail_next(2, status=503)
    assert (await make_engine().aget_token()).access_token
    assert 3 == server.counters.token_requests


async def test_retries_exhausted_names_the_endpoint(server: AuthServer, make_engine: EngineFactory) -> None:
    """When every attempt fails, RetriesExhaustedError says where and how often."""
    server.fail_next(10, status=502)
    with pytest.raises(RetriesExhaustedError) as caught:
        await make_engine(retry=RetryPolicy(attempts=3, deadline=10)).aget_token()
    assert (3, 502) == (caught.value.attempts, caught.value.status)
    assert 3 == server.counters.token_requests


async def test_invalid_scope_is_not_retried(server: AuthServer, make_engine: EngineFactory) -> None:
    """A 400 error is final: one request, an OAuthError with the server's error code."""
    with pytest.raises(OAuthError) as caught:
        await make_engine(scopes=("admin",)).aget_token()
    assert ("invalid_scope", 1) == (caught.value.error, server.counters.token_requests)


async def test_slow_endpoint_with_2000_tasks_sends_one_request(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """2,000 tasks asking at once on a cold cache cause exactly one token request."""
    server.latency = 0.5
    engine = make_engine()
    tokens = await asyncio.gather(*(engine.aget_token() for _ in range(2000)))
    assert 1 == len({token.access_token for token in tokens})
    assert 1 == server.counters.token_requests


async def test_500_tasks_at_expiry_send_one_request(server: AuthServer, make_engine: EngineFactory) -> None:
    """At expiry, 500 tasks share one new token."""
    clock = ManualClock()
    engine = make_engine(clock=clock)
    old = await engine.aget_token()
    server.latency = 0.3
    clock.advance(old.lifetime_seconds + 1)
    tokens = await asyncio.gather(*(engine.aget_token() for _ in range(500)))
    assert 1 == len({token.access_token for token in tokens})
    assert 2 == server.counters.token_requests


async def test_threads_and_tasks_share_one_fetch(server: AuthServer, make_engine: EngineFactory) -> None:
    """Threads and asyncio tasks asking at once still cause one request."""
    server.latency = 0.5
    engine = make_engine()
    from_threads: list[str] = []
    threads = [
        threading.Thread(target=lambda: from_threads.append(engine.get_token().access_token))
        for _ in range(20)
    ]
    for thread in threads:
        thread.start()
    from_tasks = await asyncio.gather(*(engine.aget_token() for _ in range(100)))
    for thread in threads:
        thread.join()
    assert 1 == len(set(from_threads) | {token.access_token for token in from_tasks})
    assert 1 == server.counters.token_requests


async def test_timeout_bounds_the_wait(server: AuthServer, make_engine: EngineFactory) -> None:
    """aget_token(timeout=) gives up waiting; the fetch completes for later callers."""
    server.latency = 1.0
    engine = make_engine()
    with pytest.raises(TokenEndpointError, match=r"within 0\.2 seconds"):
        await engine.aget_token(timeout=0.2)
    assert (await engine.aget_token()).access_token
    assert 1 == server.counters.token_requests


async def test_cancelled_caller_does_not_cancel_the_fetch(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """Cancelling the task that started a fetch leaves the fetch running for the others."""
    server.latency = 0.4
    engine = make_engine()
    leader = asyncio.ensure_future(engine.aget_token())
    await await_until(lambda: server.counters.token_requests == 1)  # the leader's fetch is under way
    follower = asyncio.ensure_future(engine.aget_token())
    leader.cancel()
    assert (await follower).access_token
    assert 1 == server.counters.token_requests


async def test_discovery_from_issuer(server: AuthServer, make_engine: EngineFactory) -> None:
    """With issuer instead of token_endpoint, the token endpoint is discovered."""
    engine = make_engine(token_endpoint=None, issuer=server.issuer)
    assert (await engine.aget_token()).access_token


class GatedSyncSecrets:
    """A sync-only source whose fetch blocks, as an SDK call would, until the test releases it."""

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("gated", lambda context: self)

    def __init__(self, value: str) -> None:
        self.value = value
        self.entered = threading.Event()
        self.release = threading.Event()
        self.released_while_fetching = False

    def fetch(self, reference: Any, *, fresh: bool) -> SecretValue:
        self.entered.set()
        # On the event loop's thread this would wait in vain: the loop could not release it.
        self.released_while_fetching = self.release.wait(timeout=5)
        return SecretValue(self.value)


async def test_sync_only_source_does_not_block_the_event_loop(
    server: AuthServer, make_engine: EngineFactory
) -> None:
    """A source without afetch runs in a worker thread: the loop releases it while it blocks."""
    source = GatedSyncSecrets(server.test_client_secret)
    engine = make_engine(plugins=(source,), client_secret="gated:x")

    fetching = asyncio.ensure_future(engine.aget_token())
    await await_until(source.entered.is_set)
    source.release.set()  # runs only if the loop is free while the fetch blocks
    token = await fetching

    assert (True, True) == (source.released_while_fetching, bool(token.access_token))
