"""Token caches: where issued tokens are kept between acquisitions.

The engine keeps the current token in a slot of its own (the hot path reads
only that). A `TokenCacheBackend` is the second level: the built-in `memory`
backend shares tokens between engines of one process; a plugin backend (Redis)
shares them between processes and coordinates who fetches.
"""

from __future__ import annotations

import hashlib
import json
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from .events import AuditEvent
from .secret import SecretValue
from .token import Token

__all__ = [
    "CacheContext",
    "CacheScope",
    "MemoryTokenCache",
    "TokenCacheBackend",
    "TokenCacheFactory",
    "cache_key",
]


def cache_key(
    token_endpoint: str,
    client_id: str,
    scopes: tuple[str, ...],
    audience: str | None,
    resource: tuple[str, ...],
) -> str:
    """Hash what makes two token requests interchangeable into one opaque key."""
    material = json.dumps(
        [token_endpoint, client_id, sorted(scopes), audience, sorted(resource)],
        separators=(",", ":"),
    )
    return hashlib.sha256(material.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class CacheScope:
    """Which entry a backend reads or writes, and with what to protect it.

    `key` is the opaque hash from `cache_key`; `secret` is the client secret
    current at the time, for backends that encrypt entries with it.
    """

    key: str
    client_id: str
    secret: SecretValue


@runtime_checkable
class TokenCacheBackend(Protocol):
    """Stores tokens by `CacheScope`.

    `shared` says other processes see the entries; the engine then asks for a
    fetch lock before requesting a token and waits for the holder otherwise.
    `blocking` says the methods do I/O, so the async path calls them in a
    worker thread. Backend failures must not raise: a backend that cannot
    answer returns `None` (load), does nothing (store, delete) or grants the
    lock locally, and reports the outage once through its context's `emit`.
    """

    shared: bool
    blocking: bool

    def load(self, scope: CacheScope) -> Token | None: ...

    def store(self, scope: CacheScope, token: Token) -> None: ...

    def delete(self, scope: CacheScope, token_fingerprint: str) -> None: ...

    def try_lock(self, scope: CacheScope, ttl_seconds: float) -> str | None: ...

    def unlock(self, scope: CacheScope, owner: str) -> None: ...


def _no_resolver(reference: str) -> SecretValue:
    raise RuntimeError("this CacheContext cannot resolve secret references")


@dataclass(frozen=True, slots=True)
class CacheContext:
    """What a token-cache factory is given: its settings table and helpers.

    `settings` is `[clients.<name>.cache]` without the keys the engine owns;
    `resolve` reads a secret reference (for a URL that carries a password).
    """

    name: str
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    resolve: Callable[[str], SecretValue] = field(default=_no_resolver)
    emit: Callable[[AuditEvent], None] = field(default=lambda event: None)


TokenCacheFactory = Callable[[CacheContext], TokenCacheBackend]


class MemoryTokenCache:
    """The built-in backend: one dict per process, shared by all engines of that process."""

    shared = False
    blocking = False

    def __init__(self) -> None:
        self._tokens: dict[str, Token] = {}
        self._lock = threading.Lock()

    def load(self, scope: CacheScope) -> Token | None:
        return self._tokens.get(scope.key)

    def store(self, scope: CacheScope, token: Token) -> None:
        with self._lock:
            current = self._tokens.get(scope.key)
            if current is None or current.expires_at <= token.expires_at:
                self._tokens[scope.key] = token

    def delete(self, scope: CacheScope, token_fingerprint: str) -> None:
        with self._lock:
            current = self._tokens.get(scope.key)
            if current is not None and current.fingerprint == token_fingerprint:
                del self._tokens[scope.key]

    def try_lock(self, scope: CacheScope, ttl_seconds: float) -> str | None:
        # The engine's own single-flight already serialises fetches within a process.
        return uuid.uuid4().hex

    def unlock(self, scope: CacheScope, owner: str) -> None:
        return None

    def clear(self) -> None:
        """Forget every token (tests)."""
        with self._lock:
            self._tokens.clear()
