"""A local `AuthServer` with one client, and credflow engines pointed at it."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from credflow import ClientConfig, Clock, PluginHost, TokenEngine
from credflow.testing import AuthServer

__all__ = ["CLIENT_ID", "SCOPE", "LocalIssuer", "local_issuer"]

CLIENT_ID = "bench-client"
SCOPE = "api.read"
_SECRET_VARIABLE = "CREDFLOW_BENCH_CLIENT_SECRET"


@dataclass(frozen=True, slots=True)
class LocalIssuer:
    """The running server, and the secret its bench client holds (read by engines from the environment)."""

    server: AuthServer
    secret: str

    def engine(self, *, clock: Clock | None = None, plugins: tuple[object, ...] = ()) -> TokenEngine:
        """A fresh engine with its own plugin host (and `plugins`), so its memory cache starts cold."""
        config = ClientConfig(
            client_id=CLIENT_ID,
            client_secret=f"env:{_SECRET_VARIABLE}",
            token_endpoint=self.server.token_endpoint,
            scopes=(SCOPE,),
        )
        return TokenEngine(config, plugins=PluginHost(plugins=plugins, load_entry_points=False), clock=clock)


@contextmanager
def local_issuer(*, latency: float = 0.0) -> Iterator[LocalIssuer]:
    """Start an `AuthServer` answering token requests after `latency` seconds."""
    secret = secrets.token_urlsafe(24)
    os.environ[_SECRET_VARIABLE] = secret
    try:
        with AuthServer(latency=latency) as server:
            server.add_client(CLIENT_ID, secret, scopes=[SCOPE])
            yield LocalIssuer(server, secret)
    finally:
        os.environ.pop(_SECRET_VARIABLE, None)
