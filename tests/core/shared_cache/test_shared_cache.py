"""Engines of one process sharing the memory cache, on the sync path: only interchangeable tokens."""

from __future__ import annotations

import threading

import pytest

from credflow import CredentialsRejectedError, ManualClock, TokenResponseError
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
def test_engines_differing_by_one_setting_get_their_own_tokens(
    setting: str, shared: SharedEngines, server: AuthServer, other_server: AuthServer
) -> None:
    """Two engines differing by one request setting send two requests and hold two tokens."""
    first = shared.new()
    second = shared.new(**setting_changes(server, other_server)[setting])
    tokens = {first.get_token().fingerprint, second.get_token().fingerprint}
    requests = server.counters.token_requests + other_server.counters.token_requests
    assert (2, 2) == (requests, len(tokens))


def test_engine_expecting_another_token_type_is_not_served_a_bearer_token(
    shared: SharedEngines, server: AuthServer
) -> None:
    """token_type is in the key: a DPoP-expecting engine asks itself and refuses the Bearer answer."""
    shared.new().get_token()
    with pytest.raises(TokenResponseError, match="expected 'DPoP'"):
        shared.new(token_type="DPoP").get_token()
    assert 2 == server.counters.token_requests


def test_same_configuration_twice_sends_one_request(shared: SharedEngines, server: AuthServer) -> None:
    """Two engines with the same settings share one token."""
    first, second = shared.new(), shared.new()
    assert first.get_token().fingerprint == second.get_token().fingerprint
    assert 1 == server.counters.token_requests


def test_wrong_secret_beside_the_right_one_is_rejected(shared: SharedEngines, server: AuthServer) -> None:
    """An engine with a wrong secret is not served the token another engine fetched."""
    right = shared.new()
    wrong = shared.new(client_secret=f"env:{WRONG_SECRET_ENV}")
    token = right.get_token()
    with pytest.raises(CredentialsRejectedError):
        wrong.get_token()
    assert (token, 2, 1) == (
        right.get_token(),
        server.counters.token_requests,
        server.counters.invalid_client,
    )


def test_wrong_secret_first_leaves_nothing_for_the_right_one(
    shared: SharedEngines, server: AuthServer
) -> None:
    """A rejected engine stores nothing: the right engine then fetches its own token."""
    wrong = shared.new(client_secret=f"env:{WRONG_SECRET_ENV}")
    with pytest.raises(CredentialsRejectedError):
        wrong.get_token()
    assert shared.new().get_token().access_token
    assert (2, 1) == (server.counters.token_requests, server.counters.invalid_client)


def test_after_a_rotation_the_first_renewal_is_found_by_the_others(
    shared: SharedEngines, server: AuthServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first engine to renew under the new secret replaces the entry; the others find it."""
    clock = ManualClock()
    first, second = shared.new(clock=clock), shared.new(clock=clock)
    old = first.get_token()
    second.get_token()
    for rotation in range(3):
        new_secret = f"rotated-secret-{rotation}"
        server.rotate_secret(server.test_client_id, new_secret)
        monkeypatch.setenv("TEST_CLIENT_SECRET", new_secret)
        clock.advance(old.lifetime_seconds + 1)
        renewed = first.get_token()
        assert renewed.fingerprint == second.get_token().fingerprint
        old = renewed
    assert (4, 0, 1) == (server.counters.token_requests, server.counters.invalid_client, len(shared.memory))


def test_cold_threads_of_two_engines_send_one_request(shared: SharedEngines, server: AuthServer) -> None:
    """100 threads over two engines with the same settings, all cold at once: one token request."""
    server.latency = 0.3
    engines = [shared.new(), shared.new()]
    barrier = threading.Barrier(100)
    tokens: list[str] = []

    def ask(index: int) -> None:
        barrier.wait()
        tokens.append(engines[index % 2].get_token().fingerprint)

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (100, 1, 1) == (len(tokens), len(set(tokens)), server.counters.token_requests)


def test_second_engine_waits_on_the_lock_of_the_first(server: AuthServer, recorder: AuditRecorder) -> None:
    """While one engine holds the fetch lock, the other is refused it and then finds its token."""
    gate = GatedMemoryCache()
    engines = SharedEngines(server, recorder, plugins=(gate,))
    try:
        first, second = engines.new(cache=GATED), engines.new(cache=GATED)
        results: dict[str, str] = {}
        leader = threading.Thread(target=lambda: results.update(first=first.get_token().fingerprint))
        leader.start()
        assert gate.granted.wait(10.0)
        results["second"] = second.get_token().fingerprint
        leader.join()
    finally:
        engines.close()
    assert (True, results["first"], 1) == (gate.overlapped, results["second"], server.counters.token_requests)
