"""Building blocks of the shared-cache tests: engines on one plugin host, the settings to vary."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from credflow import (
    CachePolicy,
    CacheScope,
    ClientConfig,
    MemoryTokenCache,
    PluginHost,
    RetryPolicy,
    Token,
    TokenEngine,
    hookimpl,
)
from credflow.hookspecs import RegisterTokenCache
from credflow.testing import AuditRecorder, AuthServer

from ..test_cache_key import OUTSIDE_THE_KEY, PROFILE_SETTINGS, VARIATIONS

SECOND_CLIENT_ID = "second-client"
WRONG_SECRET_ENV = "TEST_WRONG_SECRET"
SECOND_SECRET_ENV = "TEST_SECOND_CLIENT_SECRET"


# One change per setting that reaches the token request or the reading of its answer, each
# valid against the embedded server: engines differing by it must not share a token.
def setting_changes(server: AuthServer, other_server: AuthServer) -> dict[str, dict[str, Any]]:
    """The change of each setting, for engines otherwise like `shared_engines` builds them."""
    return {
        "token_endpoint": {"token_endpoint": other_server.token_endpoint},
        "issuer": {"token_endpoint": None, "issuer": server.issuer},
        "client_id": {"client_id": SECOND_CLIENT_ID, "client_secret": f"env:{SECOND_SECRET_ENV}"},
        "scopes": {"scopes": ("api.read", "api.write")},
        "audience": {"audience": "https://api.example.com"},
        "resource": {"resource": ("https://api.example.com/orders",)},
        "auth_method": {"auth_method": "client_secret_post"},
        "basic_auth_encoding": {"basic_auth_encoding": "raw"},
        "extra_params": {"extra_params": {"organization": "b"}},
        "default_lifetime": {"default_lifetime": 60.0},
        "max_lifetime": {"max_lifetime": 86400.0},
    }


# Every setting of the key that the embedded server lets two engines differ by; `token_type` is
# left to its own test (the server issues Bearer tokens only). Derived from the classification in
# test_cache_key, so a new setting of the key fails here until `setting_changes` covers it.
# The client-authentication settings (issue 11) are left to tests/client_auth, whose servers speak
# those methods.
CLIENT_AUTH_SETTINGS = {
    "signing_alg",
    "private_key",
    "key_id",
    "certificate",
    "client_certificate",
    "client_key",
    "client_assertion",
    "assertion_audience",
}
SETTINGS = sorted(
    set(VARIATIONS) - OUTSIDE_THE_KEY - PROFILE_SETTINGS - {"token_type"} - CLIENT_AUTH_SETTINGS
)


@dataclass
class SharedEngines:
    """Builds engines of the test client on one plugin host, so they share its memory cache."""

    server: AuthServer
    recorder: AuditRecorder
    plugins: tuple[object, ...] = ()
    engines: list[TokenEngine] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.host = PluginHost(plugins=(self.recorder, *self.plugins), load_entry_points=False)

    def new(self, *, clock: Any = None, **changes: Any) -> TokenEngine:
        settings: dict[str, Any] = {
            "token_endpoint": self.server.token_endpoint,
            "client_id": self.server.test_client_id,
            "client_secret": "env:TEST_CLIENT_SECRET",
            "scopes": ("api.read",),
            "retry": RetryPolicy(attempts=4, deadline=10),
        }
        settings.update(changes)
        engine = TokenEngine(ClientConfig(**settings), plugins=self.host, clock=clock)
        self.engines.append(engine)
        return engine

    @property
    def memory(self) -> MemoryTokenCache:
        backend = self.host.token_cache("memory")
        assert isinstance(backend, MemoryTokenCache)
        return backend

    def close(self) -> None:
        for engine in self.engines:
            engine.close()


class GatedMemoryCache:
    """The real memory backend, holding the first fetch lock it grants until another flow is refused.

    It makes the race the single-flight test needs certain instead of likely: the first
    flow cannot send its token request before a second one has asked for the same lock.
    `blocking` is set so that the async driver calls it from a worker thread and the wait
    never blocks the event loop.
    """

    shared = False
    blocking = True

    def __init__(self) -> None:
        self.inner = MemoryTokenCache()
        self.refused = threading.Event()
        self.granted = threading.Event()
        self.overlapped: bool | None = None

    def load(self, scope: CacheScope) -> Token | None:
        return self.inner.load(scope)

    def store(self, scope: CacheScope, token: Token) -> None:
        self.inner.store(scope, token)

    def delete(self, scope: CacheScope, token_fingerprint: str) -> None:
        self.inner.delete(scope, token_fingerprint)

    def try_lock(self, scope: CacheScope, ttl_seconds: float) -> str | None:
        owner = self.inner.try_lock(scope, ttl_seconds)
        if owner is None:
            self.refused.set()
        elif not self.granted.is_set():
            self.granted.set()
            self.overlapped = self.refused.wait(10.0)
        return owner

    def unlock(self, scope: CacheScope, owner: str) -> None:
        self.inner.unlock(scope, owner)

    @hookimpl
    def credflow_register_token_caches(self, register: RegisterTokenCache) -> None:
        register("gated-memory", lambda context: self)


GATED = CachePolicy(backend="gated-memory")
