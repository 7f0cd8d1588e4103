"""Engines (replicas) sharing tokens through Redis: one request, invalidation, rotation, ACL."""

from __future__ import annotations

import asyncio
import secrets
import time

from credflow_redis.testing import RedisServer
from redis_helpers import DOCUMENTED_ACL, EventRecorder, Replicas, acl_setuser


def test_replicas_share_one_token(replicas: Replicas) -> None:
    """Two replicas, each cold: one token request, the same token."""
    first, second = replicas.new(), replicas.new()
    tokens = {first.get_token().fingerprint, second.get_token().fingerprint}
    assert (1, 1) == (replicas.server.counters.token_requests, len(tokens))


async def test_async_replicas_share_one_token(replicas: Replicas) -> None:
    """The async path shares tokens through Redis too."""
    engines = [replicas.new() for _ in range(3)]
    tokens = await asyncio.gather(*(engine.aget_token() for engine in engines for _ in range(5)))
    assert (1, 1) == (replicas.server.counters.token_requests, len({token.fingerprint for token in tokens}))


def test_invalidation_reaches_the_shared_entry(replicas: Replicas) -> None:
    """A token one replica saw rejected is deleted from Redis: the next cold replica fetches anew."""
    first, second = replicas.new(), replicas.new()
    rejected = first.get_token()
    second.get_token()
    second.invalidate(rejected)  # the replica that only read it from Redis
    fresh = replicas.new().get_token()
    assert (2, True) == (replicas.server.counters.token_requests, fresh.fingerprint != rejected.fingerprint)


def test_late_rejection_keeps_the_fresh_token(replicas: Replicas) -> None:
    """A 401 for the old token after another replica published a new one deletes nothing."""
    first, second = replicas.new(), replicas.new()
    old = first.get_token()
    second.get_token()
    first.invalidate(old)
    fresh = first.get_token()
    second.invalidate(old)
    assert (fresh.fingerprint, 2) == (second.get_token().fingerprint, replicas.server.counters.token_requests)


def test_entry_under_a_rotated_secret_is_ignored(replicas: Replicas) -> None:
    """After the secret rotates, the entry sealed with the old one is a miss: a new token is fetched."""
    old = replicas.new().get_token()
    replicas.rotate_secret()
    fresh = replicas.new().get_token()
    assert (2, True) == (replicas.server.counters.token_requests, fresh.fingerprint != old.fingerprint)


def test_hot_path_never_touches_redis(private_replicas: Replicas, private_redis: RedisServer) -> None:
    """With Redis frozen, cached tokens are still served at once and no outage is seen."""
    recorder = EventRecorder()
    engine = private_replicas.new(recorder)
    token = engine.get_token()
    private_redis.pause()
    try:
        started = time.perf_counter()
        served = {engine.get_token().fingerprint for _ in range(10_000)}
        elapsed = time.perf_counter() - started
    finally:
        private_redis.resume()
    assert ({token.fingerprint}, [], 1) == (
        served,
        recorder.kinds(),
        private_replicas.server.counters.token_requests,
    )
    assert elapsed < 1.0


def test_documented_acl_is_enough(replicas: Replicas, redis_server: RedisServer) -> None:
    """A Redis user with only the documented ACL can share, lock, unlock and invalidate."""
    user, password = f"svc-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    acl_setuser(redis_server.url, user, "on", f">{password}", f"~{replicas.key_prefix}*", *DOCUMENTED_ACL)
    replicas.point_at(f"redis://{user}:{password}@127.0.0.1:{redis_server.port}/0")
    recorder = EventRecorder()

    first, second = replicas.new(recorder), replicas.new(recorder)
    rejected = first.get_token()
    second.get_token()
    first.invalidate(rejected)
    fresh = replicas.new(recorder).get_token()

    assert ([], 2) == (recorder.kinds(), replicas.server.counters.token_requests)
    assert fresh.fingerprint != rejected.fingerprint


def test_acl_without_eval_degrades_and_says_why(replicas: Replicas, redis_server: RedisServer) -> None:
    """A user lacking a needed command is reported once as degraded, naming the permission error."""
    user, password = f"svc-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    acl_setuser(
        redis_server.url, user, "on", f">{password}", f"~{replicas.key_prefix}*", "-@all", "+get", "+set"
    )
    replicas.point_at(f"redis://{user}:{password}@127.0.0.1:{redis_server.port}/0")
    recorder = EventRecorder()
    engine = replicas.new(recorder)
    engine.get_token()  # unlock runs EVAL: refused
    messages = [event.message for event in recorder.cache_events]
    assert ["degraded"] == recorder.kinds()
    assert "NoPermissionError" in messages[0]
    assert password not in messages[0]
