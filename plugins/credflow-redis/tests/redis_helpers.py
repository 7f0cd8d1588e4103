"""Building blocks shared by the tests and the fleet child script."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import credflow_redis.plugin

from credflow import CachePolicy, ClientConfig, PluginHost, RetryPolicy, TokenEngine
from credflow.events import CacheBackendEvent
from credflow.testing import AuditRecorder

if TYPE_CHECKING:  # the fleet child script imports this module: keep it light
    import pytest

    from credflow.testing import AuthServer

# The ACL docs/replicas.md tells operators to give the service (key pattern aside).
DOCUMENTED_ACL = ("resetchannels", "-@all", "+get", "+set", "+eval", "+del")
DOCUMENTED_CLUSTER_ACL = (*DOCUMENTED_ACL, "+cluster|slots", "+command")

CLIENT_ID = "billing-service"
SCOPE = "api.read"


class EventRecorder(AuditRecorder):
    """`AuditRecorder` with the shared cache's events picked out."""

    @property
    def cache_events(self) -> list[CacheBackendEvent]:
        """The cache backend events so far, in order."""
        return self.of_type(CacheBackendEvent)

    def kinds(self) -> list[str]:
        """The kinds of the cache events so far, in order."""
        return [event.kind for event in self.cache_events]


def acl_setuser(redis_url: str, user: str, *rules: str) -> None:
    """Create or change a Redis ACL user (rules as `ACL SETUSER` takes them), as an admin would."""
    import redis

    admin: Any = redis.Redis.from_url(redis_url)  # execute_command is unannotated
    try:
        admin.execute_command("ACL", "SETUSER", user, *rules)
    finally:
        admin.close()


def make_host(*plugins: object) -> PluginHost:
    """A plugin host with the redis backend (and `plugins`), without entry points."""
    return PluginHost(plugins=(credflow_redis.plugin, *plugins), load_entry_points=False)


def client_config(
    token_endpoint: str,
    *,
    secret_env: str,
    redis_url_env: str,
    key_prefix: str,
    client_id: str = CLIENT_ID,
    renew_fraction: float = 0.8,
    **cache_settings: Any,
) -> ClientConfig:
    """A client whose tokens are cached in Redis under `key_prefix`."""
    settings: Mapping[str, Any] = {"url": f"env:{redis_url_env}", "key_prefix": key_prefix, **cache_settings}
    return ClientConfig(
        client_id=client_id,
        client_secret=f"env:{secret_env}",
        token_endpoint=token_endpoint,
        scopes=(SCOPE,),
        retry=RetryPolicy(attempts=2, deadline=5.0),
        timeout=5.0,
        cache=CachePolicy(
            backend="redis",
            renew_fraction=renew_fraction,
            renew_min_ahead=0.0,
            expiry_leeway=0.0,
            settings=settings,
        ),
    )


SECRET_ENV = "CREDFLOW_TEST_CLIENT_SECRET"
REDIS_URL_ENV = "CREDFLOW_TEST_REDIS_URL"


class Replicas:
    """Builds engines that behave like separate replicas: each has its own plugin host and connection."""

    def __init__(self, server: AuthServer, redis_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch):
        self.server = server
        self.key_prefix = key_prefix
        self._monkeypatch = monkeypatch
        self.secret = secrets.token_urlsafe(24)
        server.add_client(CLIENT_ID, self.secret, scopes=[SCOPE])
        monkeypatch.setenv(SECRET_ENV, self.secret)
        self.point_at(redis_url)
        self.engines: list[TokenEngine] = []

    def point_at(self, redis_url: str) -> None:
        """Make replicas built from now on use this Redis URL."""
        self._monkeypatch.setenv(REDIS_URL_ENV, redis_url)

    def rotate_secret(self) -> None:
        """Give the client a new secret, at the server and in the environment."""
        self.secret = secrets.token_urlsafe(24)
        self.server.rotate_secret(CLIENT_ID, self.secret)
        self._monkeypatch.setenv(SECRET_ENV, self.secret)

    def new(self, *plugins: object, **cache_settings: Any) -> TokenEngine:
        """A new replica (engine) of the client."""
        return self.variant(plugins=plugins, **cache_settings)

    def variant(
        self,
        *,
        plugins: tuple[object, ...] = (),
        config: Mapping[str, Any] | None = None,
        **cache_settings: Any,
    ) -> TokenEngine:
        """A new replica whose client settings differ by `config` (a `ClientConfig.replace` mapping)."""
        built = client_config(
            self.server.token_endpoint,
            secret_env=SECRET_ENV,
            redis_url_env=REDIS_URL_ENV,
            key_prefix=self.key_prefix,
            **cache_settings,
        )
        engine = TokenEngine(built.replace(**(config or {})), plugins=make_host(*plugins))
        self.engines.append(engine)
        return engine

    def close(self) -> None:
        """Close every engine built."""
        for engine in self.engines:
            engine.close()
