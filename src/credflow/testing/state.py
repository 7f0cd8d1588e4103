"""`ServerState`: everything the HTTP handlers read, shared with `AuthServer`."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from joserfc.jwk import RSAKey

from .assertions import ClientAssertions
from .authorization import BasicAuthDecoding
from .clients import ClientRegistry, RegisteredClient
from .clock import WallClock
from .counters import ServerCounters
from .faults import FaultInjector
from .tokens import IssuedAccessToken, read_access_token

__all__ = ["ServerState"]


@dataclass(eq=False, kw_only=True)
class ServerState:
    """Settings and stores of one server; plain attributes are read per request.

    Rebinding an attribute is atomic in CPython, so `token_lifetime`,
    `refresh_in`, `latency` and `basic_auth_decoding` need no lock: a request sees the old or the
    new value, never a torn one.
    """

    clock: WallClock
    signing_key: RSAKey
    token_lifetime: int
    refresh_in: int | None = None
    latency: float = 0.0
    basic_auth_decoding: BasicAuthDecoding = "form-urlencoded"
    # Token requests allowed in all: announced in X-RateLimit-* headers (None: no headers).
    rate_limit: int | None = None
    clients: ClientRegistry = field(init=False)
    assertions: ClientAssertions = field(init=False)  # JWT client authentication
    counters: ServerCounters = field(default_factory=ServerCounters)
    faults: FaultInjector = field(default_factory=FaultInjector)
    # Set while stopping, to cut short the sleeps of slow-endpoint requests.
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.clients = ClientRegistry(self.clock)
        self.assertions = ClientAssertions(self.clock)

    def lifetime_for(self, client: RegisteredClient) -> int:
        """Seconds a token issued to `client` now lives."""
        return client.token_lifetime or self.token_lifetime

    def read_access_token(self, value: str, issuer: str) -> IssuedAccessToken | None:
        """The verified token, or None if it is not one this server issued and still valid."""
        return read_access_token(value, signing_key=self.signing_key, issuer=issuer, clock=self.clock)
