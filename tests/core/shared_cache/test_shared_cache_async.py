"""Engines of one process sharing the memory cache, on the async path; mirrors test_shared_cache.py."""

from __future__ import annotations

import asyncio
import threading

import pytest

from credflow import CredentialsRejectedError, ManualClock, TokenEndpointError, TokenResponseError, hookimpl
from credflow.events import AuditEvent
from credflow.testing import AuditRecorder, AuthServer

from .support import (
    GATED,
    SETTINGS,
    WRONG_SECRET_ENV,
    GatedMemoryCache,
    SharedEngines,
    setting_changes,
)


@pytest.mark.parametrize("setting", SETTINGS)
async def test_engines_differing_by_one_setting_get_their_own_tokens(
    setting: str, shared: SharedEngines, server: AuthServer, other_server: AuthServer
) -> None:
    """Two engines differing by one request setting send two requests and hold two tokens."""
    first = shared.new()
    second = shared.new(**setting_changes(server, other_server)[setting])
    tokens = await asyncio.gather(first.aget_token(), second.aget_token())
    requests = server.counters.token_requests + other_server.counters.token_requests
    assert (2, 2) == (requests, len({token.fingerprint for token in tokens}))


async def test_engine_expecting_another_token_type_is_not_served_a_bearer_token(
    shared: SharedEngines, server: AuthServer
) -> None:
    """token_type is in the key: a DPoP-expecting engine asks itself and refuses the Bearer answer."""
    await shared.new().aget_token()
    with pytest.raises(TokenResponseError, match="expected 'DPoP'"):
        await shared.new(token_type="DPoP").aget_token()
    assert 2 == server.counters.token_requests


async def test_same_configuration_twice_sends_one_request(shared: SharedEngines, server: AuthServer) -> None:
    """Two engines with the same settings share one token."""
    first, second = shared.new(), shared.new()
    assert (await first.aget_token()).fingerprint == (await second.aget_token()).fingerprint
    assert 1 == server.counters.token_requests


async def test_wrong_secret_beside_the_right_one_is_rejected(
    shared: SharedEngines, server: AuthServer
) -> None:
    """An engine with a wrong secret is not served the token another engine fetched."""
    right = shared.new()
    wrong = shared.new(client_secret=f"env:{WRONG_SECRET_ENV}")
    token = await right.aget_token()
    with pytest.raises(CredentialsRejectedError):
        await wrong.aget_token()
    assert (token, 2, 1) == (
        await right.aget_token(),
        server.counters.token_requests,
        server.counters.invalid_client,
    )


async def test_wrong_and_right_secret_concurrently_cold(shared: SharedEngines, server: AuthServer) -> None:
    """Started together, the wrong engine waits for the right one's fetch and is still rejected."""
    server.latency = 0.2
    right = shared.new()
    wrong = shared.new(client_secret=f"env:{WRONG_SECRET_ENV}")
    token, rejection = await asyncio.gather(right.aget_token(), wrong.aget_token(), return_exceptions=True)
    assert (False, True) == (
        isinstance(token, BaseException),
        isinstance(rejection, CredentialsRejectedError),
    )
    assert (2, 1) == (server.counters.token_requests, server.counters.invalid_client)


async def test_after_a_rotation_the_first_renewal_is_found_by_the_others(
    shared: SharedEngines, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first engine to renew under the new secret replaces the entry; the others find it."""
    clock = ManualClock()
    first, second = shared.new(clock=clock), shared.new(clock=clock)
    old = await first.aget_token()
    await second.aget_token()
    for rotation in range(3):
        new_secret = f"rotated-secret-{rotation}"
        server.rotate_secret(server.test_client_id, new_secret)
        monkeypatch.setenv("TEST_CLIENT_SECRET", new_secret)
        clock.advance(old.lifetime_seconds + 1)
        renewed = await first.aget_token()
        assert renewed.fingerprint == (await second.aget_token()).fingerprint
        old = renewed
    assert (4, 0, 1) == (server.counters.token_requests, server.counters.invalid_client, len(shared.memory))


async def test_cold_tasks_of_two_engines_send_one_request(shared: SharedEngines, server: AuthServer) -> None:
    """100 tasks over two engines with the same settings, all cold at once: one token request."""
    server.latency = 0.3
    engines = [shared.new(), shared.new()]
    tokens = await asyncio.gather(*(engines[index % 2].aget_token() for index in range(100)))
    fingerprints = {token.fingerprint for token in tokens}
    assert (1, 1) == (len(fingerprints), server.counters.token_requests)


async def test_second_engine_waits_on_the_lock_of_the_first(
    server: AuthServer, recorder: AuditRecorder
) -> None:
    """While one engine's task holds the fetch lock, the other's is refused it and finds its token."""
    gate = GatedMemoryCache()
    engines = SharedEngines(server, recorder, plugins=(gate,))
    try:
        first, second = engines.new(cache=GATED), engines.new(cache=GATED)
        leader = asyncio.create_task(first.aget_token())
        assert await asyncio.to_thread(gate.granted.wait, 10.0)
        follower = await second.aget_token()
        token = await leader
    finally:
        engines.close()
    assert (True, token.fingerprint, 1) == (
        gate.overlapped,
        follower.fingerprint,
        server.counters.token_requests,
    )


class RequestSent:
    """An audit plugin that signals the first token request."""

    def __init__(self) -> None:
        self.event = threading.Event()

    @hookimpl
    def credflow_token_requested(self, event: AuditEvent) -> None:
        self.event.set()


def test_flight_stopped_with_its_event_loop_releases_the_lock(
    server: AuthServer, recorder: AuditRecorder
) -> None:
    """A fetch cancelled by the end of its event loop frees the in-process lock for the next one."""
    server.latency = 2.0
    request_sent = RequestSent()
    engines = SharedEngines(server, recorder, plugins=(request_sent,))
    engine = engines.new()

    async def start_and_leave() -> bool:
        asyncio.get_running_loop().create_task(engine.aget_token())
        return await asyncio.to_thread(request_sent.event.wait, 10.0)  # then the loop ends: cancelled

    try:
        sent = asyncio.run(start_and_leave())
        locks_left = repr(engines.memory)
        server.latency = 0.0
        try:
            token = asyncio.run(engine.aget_token(timeout=10.0))
        except TokenEndpointError as exc:  # the lock was left held for its TTL
            pytest.fail(f"the next acquisition waited on the abandoned lock: {exc}")
    finally:
        engines.close()
    assert (True, "locks=0", True) == (sent, locks_left[-8:-1], bool(token.access_token))
