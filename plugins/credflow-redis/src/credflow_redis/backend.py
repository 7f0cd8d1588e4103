"""`RedisTokenCache`: the shared second-level token cache and fetch lock.

- `load`/`store`: one sealed entry per scope (see `sealing`), kept in Redis
  exactly as long as the token lives.
- `try_lock`/`unlock`: `SET NX PX` with a random owner, released only by that
  owner (compare-and-delete in Lua); a dead holder's lock expires by itself.
- `delete`: removes the entry only if it still holds the rejected token
  (tag compare in Lua), so a fresh token another replica published survives.

No method raises for a Redis failure: each is time-boxed, and on failure the
backend behaves as an empty, unlocked cache (the engine then fetches on its
own) while `OutageGuard` reports the outage once and keeps calls away from
Redis for a cool-down.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from credflow import CredflowError, Token
from credflow.events import AuditEvent
from credflow.plugin import CacheScope

from .outage import OutageGuard
from .sealing import ENTRY_VERSION, TAG_SIZE, entry_keys, fingerprint_tag, open_entry, seal
from .settings import RedisSettings

__all__ = ["LOCAL_OWNER_PREFIX", "RedisConnection", "RedisTokenCache"]

logger = logging.getLogger("credflow.redis")

T = TypeVar("T")

#: Owners granted without Redis (during an outage) start with this; unlocking them is a no-op.
LOCAL_OWNER_PREFIX = "local:"

# KEYS[1] lock key, ARGV[1] owner: delete the lock only if we still own it.
_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

# KEYS[1] token key, ARGV[1] fingerprint tag: delete only the token the API rejected.
_DELETE_IF_TAG = f"""
local entry = redis.call('GET', KEYS[1])
if entry and string.sub(entry, {len(ENTRY_VERSION) + 1}, {len(ENTRY_VERSION) + TAG_SIZE}) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisConnection:
    """One lazily built client and its `OutageGuard`, shared by the backends of a process.

    Backends with the same settings (and audit sink) share it, so a process
    keeps one connection pool per Redis and reports each outage once.
    """

    def __init__(
        self,
        connect: Callable[[], Any],
        emit: Callable[[AuditEvent], None],
        *,
        cooldown: float,
        name: str = "redis",
    ) -> None:
        self._connect = connect
        self._client: Any = None
        self._client_lock = threading.Lock()
        self.guard = OutageGuard(name, emit, cooldown)
        self._errors: tuple[type[BaseException], ...] = _failure_types()

    def call(self, what: str, command: Callable[[Any], T], fallback: T) -> T:
        """Run `command(client)`; on any Redis failure (or during the cool-down) return `fallback`."""
        if not self.guard.allows_call():
            return fallback
        try:
            result = command(self._client_or_connect())
        except self._errors as exc:
            self.guard.failed(f"redis {what} failed: {_describe(exc)}")
            return fallback
        self.guard.succeeded()
        return result

    def close(self) -> None:
        """Close the connection pool (a later call connects again)."""
        with self._client_lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def _client_or_connect(self) -> Any:
        client = self._client
        if client is None:
            with self._client_lock:
                if self._client is None:
                    self._client = self._connect()
                client = self._client
        return client


class RedisTokenCache:
    """Tokens shared by every process that reaches the same Redis, encrypted with the client secret."""

    shared = True
    blocking = True

    def __init__(self, settings: RedisSettings, connection: RedisConnection) -> None:
        self.settings = settings
        self.connection = connection

    def __repr__(self) -> str:
        return f"<RedisTokenCache prefix={self.settings.key_prefix!r} degraded={self.degraded}>"

    @property
    def degraded(self) -> bool:
        """Whether Redis is currently considered unavailable."""
        return self.connection.guard.degraded

    # --- the TokenCacheBackend protocol -------------------------------------

    def load(self, scope: CacheScope) -> Token | None:
        """The shared token of `scope`, or `None` (missing, sealed under another secret, Redis down)."""
        keys = entry_keys(self.settings.key_prefix, scope)
        entry = self.connection.call("load", lambda client: client.get(keys.token), None)
        if not isinstance(entry, bytes):
            return None
        token = open_entry(scope, entry, keys.token)
        if token is None:
            logger.debug("shared token entry does not open with the current secret: treated as a miss")
        return token

    def store(self, scope: CacheScope, token: Token) -> None:
        """Publish `token` for as long as it lives."""
        remaining_ms = int((token.expires_at - datetime.now(UTC)).total_seconds() * 1000)
        if remaining_ms <= 0:
            return
        keys = entry_keys(self.settings.key_prefix, scope)
        entry = seal(scope, token, keys.token)
        self.connection.call("store", lambda client: client.set(keys.token, entry, px=remaining_ms), None)

    def delete(self, scope: CacheScope, token_fingerprint: str) -> None:
        """Drop the shared entry if it still holds the token with this fingerprint."""
        keys = entry_keys(self.settings.key_prefix, scope)
        tag = fingerprint_tag(scope, token_fingerprint)
        self.connection.call("delete", lambda client: client.eval(_DELETE_IF_TAG, 1, keys.token, tag), None)

    def try_lock(self, scope: CacheScope, ttl_seconds: float) -> str | None:
        """Take the fetch lock of `scope` for `lock_ttl` (or `ttl_seconds`); `None` if another holds it."""
        keys = entry_keys(self.settings.key_prefix, scope)
        owner = secrets.token_hex(16)
        ttl_ms = max(1, int((self.settings.lock_ttl or ttl_seconds) * 1000))
        taken = self.connection.call(
            "try_lock", lambda client: bool(client.set(keys.lock, owner, nx=True, px=ttl_ms)), None
        )
        if taken is None:
            # Redis is unavailable: this process fetches on its own.
            return LOCAL_OWNER_PREFIX + owner
        return owner if taken else None

    def unlock(self, scope: CacheScope, owner: str) -> None:
        """Release the lock if `owner` still holds it (an expired lock may belong to another by now)."""
        if owner.startswith(LOCAL_OWNER_PREFIX):
            return
        keys = entry_keys(self.settings.key_prefix, scope)
        self.connection.call("unlock", lambda client: client.eval(_UNLOCK, 1, keys.lock, owner), None)


def _failure_types() -> tuple[type[BaseException], ...]:
    import redis

    # CredflowError: the URL's secret reference could not be resolved (its source is down).
    # ValueError: redis-py refused the resolved URL.
    return (redis.RedisError, OSError, CredflowError, ValueError)


def _describe(error: BaseException) -> str:
    if isinstance(error, ValueError) and not isinstance(error, CredflowError):
        # Its message may quote the URL, password included.
        return f"{type(error).__name__} (is the Redis URL well formed?)"
    # redis-py messages name host and port, never the password; keep them short anyway.
    text = str(error).splitlines()[0][:200] if str(error) else ""
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
