"""MemoryTokenCache on its own: entries bound to the credential, one per key, a real fetch lock."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from credflow import CacheScope, MemoryTokenCache, SecretValue, Token

KEY = "a" * 64


def make_token(lifetime: float = 60.0) -> Token:
    """A fresh token with a random value."""
    now = datetime.now(UTC)
    return Token(
        access_token=secrets.token_urlsafe(32),
        token_type="Bearer",
        issued_at=now,
        expires_at=now + timedelta(seconds=lifetime),
    )


def scope(secret: str = "first-memcache-secret-5521", key: str = KEY) -> CacheScope:
    """The scope of the test client with `secret` current."""
    return CacheScope(key, "billing", SecretValue(secret))


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_entry_is_found_with_the_secret_that_stored_it() -> None:
    """A token stored under a secret is loaded back under the same secret."""
    cache = MemoryTokenCache()
    token = make_token()
    cache.store(scope(), token)
    assert token is cache.load(scope())


def test_entry_under_another_secret_is_a_miss() -> None:
    """A wrong or rotated secret does not open another credential's entry."""
    cache = MemoryTokenCache()
    cache.store(scope("right-memcache-secret-5521"), make_token())
    assert None is cache.load(scope("wrong-memcache-secret-5521"))


def test_rotations_replace_the_entry_instead_of_adding_one() -> None:
    """Across many rotations the cache keeps one entry per key, the newest credential's."""
    cache = MemoryTokenCache()
    for rotation in range(50):
        cache.store(scope(f"memcache-secret-5521-{rotation}"), make_token())
    newest = cache.load(scope("memcache-secret-5521-49"))
    assert (1, True, None) == (len(cache), newest is not None, cache.load(scope("memcache-secret-5521-48")))


def test_a_shorter_token_of_the_same_credential_does_not_replace_a_longer_one() -> None:
    """A late store of an older token under the same secret keeps the fresher one."""
    cache = MemoryTokenCache()
    longer, shorter = make_token(600), make_token(60)
    cache.store(scope(), longer)
    cache.store(scope(), shorter)
    assert longer is cache.load(scope())


def test_entry_keeps_no_bare_hash_of_the_secret() -> None:
    """The credential tag is keyed per process: neither the secret nor its plain hash is stored."""
    cache = MemoryTokenCache()
    cache.store(scope("right-memcache-secret-5521"), make_token())
    [entry] = cache._entries.values()
    plain = hashlib.sha256(b"right-secret").digest()
    assert (False, False) == (plain in entry.credential_tag, b"right-secret" in entry.credential_tag)
    assert entry.credential_tag != MemoryTokenCache()._credential_tag(scope("right-memcache-secret-5521"))


def test_lock_is_refused_while_held_and_granted_after_unlock() -> None:
    """try_lock grants one owner per key at a time; unlock by that owner frees it."""
    cache = MemoryTokenCache()
    first = cache.try_lock(scope(), 30.0)
    refused = cache.try_lock(scope("other-memcache-secret-5521"), 30.0)
    other_key = cache.try_lock(scope(key="b" * 64), 30.0)
    assert first is not None
    cache.unlock(scope(), first)
    again = cache.try_lock(scope(), 30.0)
    assert (None, True, True) == (refused, other_key is not None, again not in (None, first))


def test_unlock_by_another_owner_does_nothing() -> None:
    """Only the holder releases the lock (an expired holder cannot free its successor's lock)."""
    cache = MemoryTokenCache()
    holder = cache.try_lock(scope(), 30.0)
    cache.unlock(scope(), "not-the-owner")
    assert (True, None) == (holder is not None, cache.try_lock(scope(), 30.0))


def test_lock_of_a_vanished_holder_expires_after_its_ttl() -> None:
    """A lock nobody releases is taken over once its TTL has passed."""
    clock = FakeMonotonic()
    cache = MemoryTokenCache(monotonic=clock)
    cache.try_lock(scope(), 30.0)
    clock.now += 29.0
    before = cache.try_lock(scope(), 30.0)
    clock.now += 1.0
    assert (None, True) == (before, cache.try_lock(scope(), 30.0) is not None)


def test_delete_drops_only_the_rejected_token() -> None:
    """delete() removes the entry only while it still holds the token with that fingerprint."""
    cache = MemoryTokenCache()
    old, fresh = make_token(), make_token(120)
    cache.store(scope(), old)
    cache.store(scope(), fresh)
    cache.delete(scope(), old.fingerprint)
    kept = cache.load(scope())
    cache.delete(scope(), fresh.fingerprint)
    assert (fresh, None) == (kept, cache.load(scope()))


def test_repr_shows_no_token_or_secret() -> None:
    """The backend's repr counts entries and locks and shows nothing else."""
    cache = MemoryTokenCache()
    token = make_token()
    cache.store(scope("right-memcache-secret-5521"), token)
    shown = repr(cache)
    assert ("<MemoryTokenCache entries=1 locks=0>", False) == (shown, token.access_token in shown)
