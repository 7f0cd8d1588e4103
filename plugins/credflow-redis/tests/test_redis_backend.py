"""The redis backend against a real redis-server: sealing, key names, lock ownership, deletion."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import cast

import pytest
import redis
from credflow_redis.backend import RedisTokenCache
from credflow_redis.sealing import entry_keys
from credflow_redis.testing import RedisServer
from redis_helpers import CLIENT_ID, SCOPE, make_host

from credflow import ClientConfig, SecretValue, Token
from credflow.plugin import CacheScope, cache_key
from credflow.testing import wait_until

ENDPOINT = "https://auth.example.com/oauth2/token"


def make_scope(secret: str = "first-secret", client_id: str = CLIENT_ID) -> CacheScope:
    """The scope of the test client with `secret` as its current client secret."""
    config = ClientConfig(
        client_id=client_id, client_secret="env:UNUSED", token_endpoint=ENDPOINT, scopes=(SCOPE,)
    )
    key = cache_key(config)
    return CacheScope(key, client_id, SecretValue(secret))


def make_token(lifetime: float = 60.0) -> Token:
    """A fresh token with a random value."""
    now = datetime.now(UTC).replace(microsecond=0)
    return Token(
        access_token=secrets.token_urlsafe(32),
        token_type="Bearer",
        issued_at=now,
        expires_at=now + timedelta(seconds=lifetime),
        scope=SCOPE,
        refresh_at=now + timedelta(seconds=lifetime / 2),
    )


@pytest.fixture
def raw(redis_server: RedisServer) -> Iterator[redis.Redis]:
    """A plain client to look at what the backend wrote."""
    client = redis.Redis.from_url(redis_server.url)
    yield client
    client.close()


@pytest.fixture
def backend(redis_server: RedisServer, key_prefix: str, monkeypatch: pytest.MonkeyPatch) -> RedisTokenCache:
    """A backend built by the plugin from settings, the URL read from the environment."""
    monkeypatch.setenv("CREDFLOW_TEST_REDIS_URL", redis_server.url)
    cache = make_host().token_cache("redis", {"url": "env:CREDFLOW_TEST_REDIS_URL", "key_prefix": key_prefix})
    assert isinstance(cache, RedisTokenCache)
    return cache


def test_stored_token_loads_back_equal(backend: RedisTokenCache) -> None:
    """A token stored under a scope loads back with every field intact."""
    scope, token = make_scope(), make_token()
    backend.store(scope, token)
    assert token == backend.load(scope)


def test_missing_entry_is_none(backend: RedisTokenCache) -> None:
    """Nothing stored: a miss."""
    assert None is backend.load(make_scope())


def test_entry_sealed_under_another_secret_is_a_miss(backend: RedisTokenCache) -> None:
    """After a secret rotation the old entry does not open: a miss, not an error."""
    backend.store(make_scope("old-secret"), make_token())
    assert None is backend.load(make_scope("new-secret"))


def test_damaged_entry_is_a_miss(backend: RedisTokenCache, raw: redis.Redis, key_prefix: str) -> None:
    """An entry altered in Redis fails authentication and reads as a miss."""
    scope = make_scope()
    backend.store(scope, make_token())
    key = entry_keys(key_prefix, scope).token
    entry = bytearray(cast(bytes, raw.get(key)))
    entry[-1] ^= 1
    raw.set(key, bytes(entry))
    assert None is backend.load(scope)


def test_entry_moved_to_another_key_is_a_miss(
    backend: RedisTokenCache, raw: redis.Redis, key_prefix: str
) -> None:
    """An entry copied under another scope's key does not open there (the key is authenticated)."""
    scope, other = make_scope(), make_scope(client_id="other-client")
    backend.store(scope, make_token())
    raw.set(entry_keys(key_prefix, other).token, raw.get(entry_keys(key_prefix, scope).token) or b"")
    assert None is backend.load(CacheScope(other.key, scope.client_id, scope.secret))


def test_keys_and_values_reveal_no_client_scope_or_token(
    backend: RedisTokenCache, raw: redis.Redis, key_prefix: str
) -> None:
    """Scanning Redis shows neither the client id, the scope, the cache key nor the token."""
    scope, token = make_scope(), make_token()
    backend.store(scope, token)
    owner = backend.try_lock(scope, 5.0)
    names = [name.decode() for name in raw.scan_iter(match=f"{key_prefix}*")]
    values = b"".join(cast(bytes, raw.get(name)) for name in names)
    revealing = [CLIENT_ID, SCOPE, scope.key, token.access_token, token.fingerprint]

    assert 2 == len(names)
    assert [] == [part for part in revealing if any(part in name for name in names)]
    assert [] == [part for part in revealing if part.encode() in values]
    assert owner is not None


def test_entry_lives_as_long_as_the_token(
    backend: RedisTokenCache, raw: redis.Redis, key_prefix: str
) -> None:
    """The Redis TTL of an entry is the token's remaining lifetime."""
    scope, token = make_scope(), make_token(lifetime=120)
    backend.store(scope, token)
    remaining = (token.expires_at - datetime.now(UTC)).total_seconds()
    ttl = raw.pttl(entry_keys(key_prefix, scope).token) / 1000
    assert round(remaining) == round(ttl)


def test_expired_token_is_not_stored(backend: RedisTokenCache) -> None:
    """A token already expired is not published."""
    scope = make_scope()
    backend.store(scope, make_token(lifetime=-1))
    assert None is backend.load(scope)


def test_lock_is_exclusive_until_released(backend: RedisTokenCache) -> None:
    """A second taker is refused while the first holds the lock, and succeeds after release."""
    scope = make_scope()
    first = backend.try_lock(scope, 5.0)
    refused = backend.try_lock(scope, 5.0)
    assert first is not None
    backend.unlock(scope, first)
    second = backend.try_lock(scope, 5.0)
    assert (None, True) == (refused, second is not None and second != first)


def test_only_the_owner_releases_the_lock(backend: RedisTokenCache) -> None:
    """Unlocking with another owner value leaves the lock held."""
    scope = make_scope()
    owner = backend.try_lock(scope, 5.0)
    backend.unlock(scope, "someone-else")
    assert (True, None) == (owner is not None, backend.try_lock(scope, 5.0))


def test_expired_lock_can_be_taken_and_the_old_owner_cannot_release_it(backend: RedisTokenCache) -> None:
    """A dead holder's lock expires; its late unlock does not free the new holder's lock."""
    scope = make_scope()
    dead = backend.try_lock(scope, 0.1)
    taker = wait_until(lambda: backend.try_lock(scope, 5.0))  # once Redis has expired the dead lock
    assert (True, True) == (dead is not None, taker is not None)
    backend.unlock(scope, dead or "")
    assert None is backend.try_lock(scope, 5.0)


def test_lock_ttl_setting_overrides_the_engine_ttl(
    redis_server: RedisServer, raw: redis.Redis, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`lock_ttl` replaces the TTL the engine asks for."""
    monkeypatch.setenv("CREDFLOW_TEST_REDIS_URL", redis_server.url)
    settings = {"url": "env:CREDFLOW_TEST_REDIS_URL", "key_prefix": key_prefix, "lock_ttl": 3}
    cache = make_host().token_cache("redis", settings)
    scope = make_scope()
    cache.try_lock(scope, 60.0)
    assert 3 == round(raw.pttl(entry_keys(key_prefix, scope).lock) / 1000)


def test_delete_removes_only_the_rejected_token(backend: RedisTokenCache) -> None:
    """Deleting by the fingerprint of another token keeps the entry; by its own, removes it."""
    scope, token = make_scope(), make_token()
    backend.store(scope, token)
    backend.delete(scope, make_token().fingerprint)
    kept = backend.load(scope)
    backend.delete(scope, token.fingerprint)
    assert (token, None) == (kept, backend.load(scope))


def test_delete_of_an_old_token_keeps_a_fresh_one(backend: RedisTokenCache) -> None:
    """A late 401 for the old token does not delete the fresh token another replica published."""
    scope, old, fresh = make_scope(), make_token(), make_token()
    backend.store(scope, old)
    backend.store(scope, fresh)
    backend.delete(scope, old.fingerprint)
    assert fresh == backend.load(scope)
