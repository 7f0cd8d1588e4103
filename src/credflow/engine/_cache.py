"""Token caches: where issued tokens are kept between acquisitions.

The engine keeps the current token in a slot of its own (the hot path reads
only that). A `TokenCacheBackend` is the second level: the built-in `memory`
backend shares tokens between engines of one process; a plugin backend (Redis)
shares them between processes and coordinates who fetches.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Protocol, TypeGuard, runtime_checkable

from ..config._client import SECRET_METHODS, ClientConfig
from ..protocol import TokenRequest, build_token_request
from ..secret._value import SecretValue
from ..token import Token

if TYPE_CHECKING:
    from ..client_auth._methods import ClientCertificate
    from ..events import AuditEvent

__all__ = [
    "CacheContext",
    "CacheScope",
    "MemoryTokenCache",
    "TokenCacheBackend",
    "TokenCacheFactory",
    "cache_key",
    "renewal_times",
    "request_identity",
]


# Stands in for the secret when the key is built from a request: the key must not depend on the
# secret (entries are bound to it separately) but must keep how the credential is presented
# (client id, authentication method, Basic encoding), which the placeholder leaves in place.
# Its `<` and `>` change under form-urlencoding, so `basic_auth_encoding` reaches the key.
_SECRET_PLACEHOLDER = SecretValue("<client secret>")


def cache_key(config: ClientConfig) -> str:
    """The opaque key of the tokens `config` obtains: equal keys mean interchangeable tokens.

    Built from the token request itself (`build_token_request` with a
    placeholder for the secret), so whatever a setting adds to the request
    (scopes, audience, resources, every `extra_params` pair, client id,
    authentication method, Basic encoding) is in the key without being listed
    here; plus the endpoint's origin (a token endpoint, or the issuer it is
    discovered from) and how the answer is read (`token_type`,
    `default_lifetime`, `max_lifetime`). The secret is not part of the key:
    backends bind each entry to the credential that obtained it (see
    `CacheScope`). A request part derived from the credential itself (a signed
    assertion) must be replaced by what identifies it (its subject, a
    certificate thumbprint) in `request_identity`.
    """
    endpoint_kind, endpoint = (
        ("token_endpoint", config.token_endpoint)
        if config.token_endpoint is not None
        else ("issuer", config.issuer or "")
    )
    identity = None
    tls_method = False
    if config.auth_method not in SECRET_METHODS:
        # Imported here: a secret method (a warm `credflow token`) needs no client_auth code.
        from ..client_auth._methods import TLS_METHODS
        from ..client_auth._methods import identity as credential_identity

        # Methods beyond a secret put what identifies the credential (subject, key id, algorithm)
        # in its place.
        identity = credential_identity(config)
        tls_method = config.auth_method in TLS_METHODS
    request = build_token_request(config, _SECRET_PLACEHOLDER, endpoint, identity)
    material: dict[str, Any] = {
        "endpoint": [endpoint_kind, endpoint],
        "request": request_identity(request),
        "answer": [config.token_type.lower(), config.default_lifetime, config.max_lifetime],
    }
    if tls_method:
        # Both mTLS methods send the same request; the server checks the certificate differently.
        material["client_auth"] = config.auth_method
    return hashlib.sha256(json.dumps(material, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def renewal_times(token: Token, config: ClientConfig) -> tuple[datetime, datetime]:
    """When to start renewing `token`, and when to stop using it (both wall-clock).

    Renew at `renew_fraction` of the lifetime, but at least `renew_min_ahead`
    seconds before expiry as long as that is after half the lifetime; a
    server's `refresh_in` hint wins. Stop using it `expiry_leeway` seconds
    (at most 5% of the lifetime) before it expires.
    """
    policy = config.cache
    lifetime = token.lifetime_seconds
    usable_until = token.expires_at - timedelta(seconds=min(policy.expiry_leeway, lifetime * 0.05))
    if token.refresh_at is not None:
        renew_at = token.refresh_at
    else:
        after = min(lifetime * policy.renew_fraction, max(lifetime * 0.5, lifetime - policy.renew_min_ahead))
        renew_at = token.issued_at + timedelta(seconds=after)
    return min(renew_at, usable_until), usable_until


def request_identity(request: TokenRequest) -> dict[str, Any]:
    """Every field of `request` in a canonical form: what the tokens it yields depend on.

    Iterates over the fields of `TokenRequest`, so a field added to the
    request is in the key unless it is deliberately dropped here. Pairs are
    sorted (their order changes nothing at the server) and the scopes inside
    `scope` too (RFC 6749 §3.3: the order of scope tokens does not matter).
    A field of a type not handled here fails loudly rather than vanish.
    """
    identity: dict[str, Any] = {}
    for spec in fields(request):
        value = getattr(request, spec.name)
        if isinstance(value, str) or value is None:
            identity[spec.name] = value
        elif isinstance(value, tuple) and all(isinstance(pair, tuple) and len(pair) == 2 for pair in value):
            identity[spec.name] = sorted(
                [name, " ".join(sorted(text.split(" "))) if name == "scope" else text] for name, text in value
            )
        elif _is_certificate(value):
            identity[spec.name] = value.thumbprint  # the certificate, never its private key
        else:
            raise TypeError(f"TokenRequest.{spec.name}: no canonical form for a {type(value).__name__}")
    return identity


def _is_certificate(value: object) -> TypeGuard[ClientCertificate]:
    # Only an mTLS request carries one, and then client_auth is imported already.
    from ..client_auth._methods import ClientCertificate

    return isinstance(value, ClientCertificate)


@dataclass(frozen=True, slots=True)
class CacheScope:
    """Which entry a backend reads or writes, and with what to protect it.

    `key` is the opaque hash from `cache_key`; `secret` is the client secret
    current at the time. A backend binds every entry it stores to that
    secret (the memory backend with a keyed fingerprint, Redis by sealing the
    entry with a key derived from it) and treats an entry stored under another
    secret as a miss, so an engine never gets a token its own credential
    would not obtain.
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


@dataclass(frozen=True, slots=True)
class _MemoryEntry:
    token: Token
    credential_tag: bytes


@dataclass(frozen=True, slots=True)
class _MemoryLock:
    owner: str
    until: float


class MemoryTokenCache:
    """The built-in backend: one dict per process, shared by all engines of that process.

    One entry per cache key, bound to the credential that obtained it by an
    HMAC of key and secret under a random key of this process (a bare hash of
    the secret would let anyone reading memory test guesses); a later entry
    under another credential replaces it, so rotations do not pile entries
    up. `try_lock` is a real per-key lock with an owner and a TTL, so engines
    with the same key share one fetch: the first fetches, the others wait in
    the acquisition's poll loop and find its token.
    """

    shared = False
    blocking = False

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._entries: dict[str, _MemoryEntry] = {}
        self._locks: dict[str, _MemoryLock] = {}
        self._lock = threading.Lock()
        self._monotonic = monotonic
        # What secrets.token_bytes does, without importing `secrets` (and `random`) into every
        # process that builds a plugin host: a warm `credflow token` builds one, never locks.
        self._tag_key = os.urandom(32)

    def __repr__(self) -> str:
        return f"<MemoryTokenCache entries={len(self._entries)} locks={len(self._locks)}>"

    def __len__(self) -> int:
        """How many token entries are kept (one per cache key at most)."""
        return len(self._entries)

    def _credential_tag(self, scope: CacheScope) -> bytes:
        message = scope.key.encode() + b"\0" + scope.secret.reveal().encode()
        return hmac.new(self._tag_key, message, hashlib.sha256).digest()

    def load(self, scope: CacheScope) -> Token | None:
        entry = self._entries.get(scope.key)
        if entry is None or not hmac.compare_digest(entry.credential_tag, self._credential_tag(scope)):
            return None
        return entry.token

    def store(self, scope: CacheScope, token: Token) -> None:
        tag = self._credential_tag(scope)
        with self._lock:
            current = self._entries.get(scope.key)
            if (
                current is None
                or not hmac.compare_digest(current.credential_tag, tag)
                or current.token.expires_at <= token.expires_at
            ):
                # Another credential's entry is replaced: the newest credential to fetch wins.
                self._entries[scope.key] = _MemoryEntry(token, tag)

    def delete(self, scope: CacheScope, token_fingerprint: str) -> None:
        with self._lock:
            current = self._entries.get(scope.key)
            if current is not None and current.token.fingerprint == token_fingerprint:
                del self._entries[scope.key]

    def try_lock(self, scope: CacheScope, ttl_seconds: float) -> str | None:
        """Take the fetch lock of `scope.key` for `ttl_seconds`; `None` while another owner holds it."""
        now = self._monotonic()
        with self._lock:
            held = self._locks.get(scope.key)
            if held is not None and now < held.until:
                return None
            import secrets

            owner = secrets.token_hex(16)
            self._locks[scope.key] = _MemoryLock(owner, now + ttl_seconds)
            return owner

    def unlock(self, scope: CacheScope, owner: str) -> None:
        """Release the lock if `owner` still holds it (an expired lock may be another's by now)."""
        with self._lock:
            held = self._locks.get(scope.key)
            if held is not None and held.owner == owner:
                del self._locks[scope.key]

    def clear(self) -> None:
        """Forget every token and lock (tests)."""
        with self._lock:
            self._entries.clear()
            self._locks.clear()
