"""Replicas sharing Redis share only interchangeable tokens: the key and the credential binding."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
import redis
from credflow_redis.testing import RedisServer
from redis_helpers import CLIENT_ID, SCOPE, Replicas

from credflow import CredentialsRejectedError

WRONG_SECRET_ENV = "CREDFLOW_TEST_WRONG_SECRET"
SECOND_CLIENT = "second-client"
SECOND_SECRET_ENV = "CREDFLOW_TEST_SECOND_SECRET"

# One change per setting of the request (or of how its answer is read) the test server accepts.
SETTING_CHANGES: dict[str, dict[str, Any]] = {
    "client_id": {"client_id": SECOND_CLIENT, "client_secret": f"env:{SECOND_SECRET_ENV}"},
    "scopes": {"scopes": (SCOPE, "api.write")},
    "audience": {"audience": "https://api.example.com"},
    "resource": {"resource": ("https://api.example.com/orders",)},
    "auth_method": {"auth_method": "client_secret_post"},
    "basic_auth_encoding": {"basic_auth_encoding": "raw"},
    "extra_params": {"extra_params": {"organization": "b"}},
    "default_lifetime": {"default_lifetime": 60.0},
}


@pytest.fixture
def more_clients(replicas: Replicas, monkeypatch: pytest.MonkeyPatch) -> Replicas:
    """The replicas' server also knows a second client and the test client's wider scope."""
    replicas.server.remove_client(CLIENT_ID)
    replicas.server.add_client(CLIENT_ID, replicas.secret, scopes=[SCOPE, "api.write"])
    replicas.server.add_client(SECOND_CLIENT, "second-client-secret", scopes=[SCOPE])
    monkeypatch.setenv(SECOND_SECRET_ENV, "second-client-secret")
    monkeypatch.setenv(WRONG_SECRET_ENV, "not-the-client-secret")
    return replicas


@pytest.mark.parametrize("setting", sorted(SETTING_CHANGES))
def test_replicas_differing_by_one_setting_get_their_own_tokens(setting: str, more_clients: Replicas) -> None:
    """Two replicas differing by one request setting send two requests and hold two tokens."""
    first = more_clients.new()
    second = more_clients.variant(config=SETTING_CHANGES[setting])
    tokens = {first.get_token().fingerprint, second.get_token().fingerprint}
    assert (2, 2) == (more_clients.server.counters.token_requests, len(tokens))


@pytest.mark.parametrize("setting", ["extra_params", "auth_method"])
async def test_async_replicas_differing_by_one_setting_get_their_own_tokens(
    setting: str, more_clients: Replicas
) -> None:
    """The async path keeps replicas with different settings apart too."""
    first = more_clients.new()
    second = more_clients.variant(config=SETTING_CHANGES[setting])
    tokens = await asyncio.gather(first.aget_token(), second.aget_token())
    assert (2, 2) == (
        more_clients.server.counters.token_requests,
        len({token.fingerprint for token in tokens}),
    )


def test_wrong_secret_beside_the_right_one_is_rejected(more_clients: Replicas) -> None:
    """A replica with a wrong secret cannot open the entry the right one sealed: it is rejected."""
    right = more_clients.new()
    wrong = more_clients.variant(config={"client_secret": f"env:{WRONG_SECRET_ENV}"})
    token = right.get_token()
    with pytest.raises(CredentialsRejectedError):
        wrong.get_token()
    counters = more_clients.server.counters
    assert (token, 2, 1) == (right.get_token(), counters.token_requests, counters.invalid_client)


async def test_async_wrong_secret_beside_the_right_one_is_rejected(more_clients: Replicas) -> None:
    """On the async path too, a wrong secret is rejected rather than served the shared token."""
    right = more_clients.new()
    wrong = more_clients.variant(config={"client_secret": f"env:{WRONG_SECRET_ENV}"})
    await right.aget_token()
    with pytest.raises(CredentialsRejectedError):
        await wrong.aget_token()
    assert 1 == more_clients.server.counters.invalid_client


def test_cold_threads_of_two_replicas_send_one_request(replicas: Replicas) -> None:
    """Threads of two replicas with the same settings, all cold at once: one token request."""
    replicas.server.latency = 0.3
    engines = [replicas.new(), replicas.new()]
    barrier = threading.Barrier(20)
    tokens: list[str] = []

    def ask(index: int) -> None:
        barrier.wait()
        tokens.append(engines[index % 2].get_token().fingerprint)

    threads = [threading.Thread(target=ask, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (20, 1, 1) == (len(tokens), len(set(tokens)), replicas.server.counters.token_requests)


def test_after_rotations_one_entry_is_replaced_and_found(
    replicas: Replicas, redis_server: RedisServer, key_prefix: str
) -> None:
    """After each rotation the first replica to fetch replaces the entry; the next one finds it."""
    replicas.new().get_token()
    for _ in range(3):
        replicas.rotate_secret()
        fresh = replicas.new().get_token()
        assert fresh.fingerprint == replicas.new().get_token().fingerprint
    client = redis.Redis.from_url(redis_server.url)
    try:
        names = list(client.scan_iter(match=f"{key_prefix}*"))
    finally:
        client.close()
    assert (4, 1) == (replicas.server.counters.token_requests, len(names))
