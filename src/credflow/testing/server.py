"""`AuthServer`: a local OAuth2 authorization server in a background thread."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Self

from joserfc.jwk import RSAKey

from .app import API_PATH, INTROSPECTION_PATH, JWKS_PATH, TOKEN_PATH, create_app
from .assertions import Federation
from .authorization import BasicAuthDecoding
from .clients import SUPPORTED_AUTH_METHODS
from .clock import WallClock
from .counters import ServerCounters
from .faults import InjectedFailure
from .serving import BackgroundServer
from .state import ServerState
from .tokens import generate_signing_key

__all__ = ["DEFAULT_TEST_SCOPES", "TEST_CLIENT_ID", "AuthServer"]

logger = logging.getLogger("credflow.testing")

TEST_CLIENT_ID = "test-client"
DEFAULT_TEST_SCOPES = ("api.read", "api.write")
_UNSPECIFIED_HOSTS = ("", "0.0.0.0", "::")  # noqa: S104  # names, not binds


class AuthServer:
    """An OAuth2 client-credentials authorization server on a loopback port.

    Built on Authlib's Flask server components and served by werkzeug's
    threaded server. It issues RFC 9068 JWT access tokens, publishes its keys,
    answers RFC 7662 introspection and RFC 8414 discovery, and guards a small
    protected API (see `credflow.testing.app` for its scope rule).

    Use it as a context manager, or call `start` and `stop`::

        with AuthServer(token_lifetime=60) as server:
            server.add_client("billing", "s3cret", scopes=["api.read"])
            ...

    `clock` (seconds since the epoch) stamps tokens and ends secret grace
    windows; pass a `ManualClock` to expire them without sleeping.
    `signing_key` (RSA, for RS256) is generated when not given; pass one to
    share it between servers, as generating one takes about 0.1 s.
    With `test_client=True`, the client `test_client_id` is registered with
    the random secret `test_client_secret`, both auth methods, and the scopes
    "api.read" and "api.write".

    HTTP Basic client credentials are form-urlencoded before base64 (RFC 6749
    §2.3.1) unless `basic_auth_decoding="raw"`.

    Neither secrets nor tokens are ever logged. With `log_requests`, each
    request line goes to the "credflow.testing" logger at INFO level.
    """

    def __init__(
        self,
        *,
        token_lifetime: int = 3600,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: WallClock = time.time,
        refresh_in: int | None = None,
        latency: float = 0.0,
        basic_auth_decoding: BasicAuthDecoding = "form-urlencoded",
        signing_key: RSAKey | None = None,
        test_client: bool = False,
        log_requests: bool = False,
    ) -> None:
        _check_lifetime(token_lifetime)
        self._serving = BackgroundServer(host, port, log_requests=log_requests)
        self._state = ServerState(
            clock=clock,
            signing_key=generate_signing_key() if signing_key is None else signing_key,
            token_lifetime=token_lifetime,
            refresh_in=refresh_in,
            latency=latency,
            basic_auth_decoding=basic_auth_decoding,
        )
        self.test_client_id = TEST_CLIENT_ID
        self.test_client_secret = secrets.token_urlsafe(24)
        if test_client:
            self.add_client(self.test_client_id, self.test_client_secret, scopes=DEFAULT_TEST_SCOPES)

    # -- lifecycle --------------------------------------------------------

    def start(self) -> Self:
        """Bind the port and serve in a daemon thread; a stopped server may start again.

        A restarted server keeps its port, signing key, clients and counters,
        like a real server coming back after an outage.
        """
        self._state.stopping.clear()
        self._serving.start(lambda port: create_app(self._state, self.issuer))
        logger.debug("auth server listening at %s", self.issuer)
        return self

    def stop(self) -> None:
        """Stop serving and cut off requests in flight; does nothing if not running."""
        if not self._serving.running:
            return
        self._serving.stop()
        # Wake requests sleeping out `latency`: their sockets are shut already,
        # so they cannot answer after all.
        self._state.stopping.set()
        logger.debug("auth server at %s stopped", self.issuer)

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return self._serving.running

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- where it answers -------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (0 until the first start when a random port was asked for)."""
        return self._serving.port

    @property
    def issuer(self) -> str:
        """The issuer identifier and base URL, e.g. "http://127.0.0.1:54321"."""
        if self.port == 0:
            raise RuntimeError("the server has no port yet: start it first")
        host = self._serving.host
        if host in _UNSPECIFIED_HOSTS:
            host = "127.0.0.1"
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def token_endpoint(self) -> str:
        """The token endpoint URL."""
        return self.issuer + TOKEN_PATH

    @property
    def jwks_uri(self) -> str:
        """The URL of the JSON Web Key Set that verifies access tokens."""
        return self.issuer + JWKS_PATH

    @property
    def introspection_endpoint(self) -> str:
        """The RFC 7662 introspection endpoint URL."""
        return self.issuer + INTROSPECTION_PATH

    @property
    def discovery_url(self) -> str:
        """The RFC 8414 metadata URL."""
        return self.issuer + "/.well-known/oauth-authorization-server"

    @property
    def api_url(self) -> str:
        """The base URL of the protected API."""
        return self.issuer + API_PATH

    # -- clients and secrets ----------------------------------------------

    def add_client(
        self,
        client_id: str,
        secret: str | None,
        *,
        scopes: Iterable[str] = (),
        auth_methods: Sequence[str] = SUPPORTED_AUTH_METHODS,
        token_lifetime: int | None = None,
    ) -> None:
        """Register a client; `token_lifetime` overrides the server's for its tokens."""
        self._state.clients.add(
            client_id,
            secret,
            scopes=scopes,
            auth_methods=auth_methods,
            token_lifetime=token_lifetime,
        )

    def set_public_keys(self, client_id: str, jwks: dict[str, Any]) -> None:
        """Register the JWK Set (public keys) `client_id`'s `private_key_jwt` assertions are signed with.

        Register two keys for a rotation, then set the new one alone to remove the old.
        """
        self._state.assertions.set_public_keys(client_id, jwks)

    def trust_federated_issuer(
        self, client_id: str, *, issuer: str, jwks: dict[str, Any], subject: str, audience: str
    ) -> None:
        """Accept, as `client_id`, assertions issued by `issuer` for `subject` with `audience`.

        Workload identity as Entra ID's federated credentials: the workload holds
        no secret, only a token its platform (a Kubernetes cluster) issued.
        """
        self._state.assertions.trust(client_id, Federation(issuer, jwks, subject, audience))

    def remove_client(self, client_id: str) -> None:
        """Forget a client; tokens already issued to it stay valid until they expire."""
        self._state.clients.remove(client_id)

    def rotate_secret(self, client_id: str, new_secret: str, *, grace_seconds: float = 0.0) -> None:
        """Accept `new_secret`; old secrets stay accepted `grace_seconds` (0: revoked now)."""
        self._state.clients.rotate_secret(client_id, new_secret, grace_seconds)

    def revoke_secret(self, client_id: str, secret: str) -> None:
        """Stop accepting `secret` now. Tokens issued with it stay valid until they expire."""
        self._state.clients.revoke_secret(client_id, secret)

    # -- behaviour knobs --------------------------------------------------

    @property
    def token_lifetime(self) -> int:
        """Seconds an access token lives, unless its client overrides it."""
        return self._state.token_lifetime

    @token_lifetime.setter
    def token_lifetime(self, seconds: int) -> None:
        _check_lifetime(seconds)
        self._state.token_lifetime = seconds

    @property
    def refresh_in(self) -> int | None:
        """When set, token responses carry `"refresh_in": <seconds>`."""
        return self._state.refresh_in

    @refresh_in.setter
    def refresh_in(self, seconds: int | None) -> None:
        self._state.refresh_in = seconds

    @property
    def latency(self) -> float:
        """Seconds the token endpoint waits before it answers."""
        return self._state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("latency cannot be negative")
        self._state.latency = seconds

    @property
    def rate_limit(self) -> int | None:
        """Token requests allowed in all, or None.

        When set, every token endpoint answer carries `X-RateLimit-Limit` and
        `X-RateLimit-Remaining` (the limit minus the token requests so far),
        as Auth0 and others send; nothing is refused when it runs out.
        """
        return self._state.rate_limit

    @rate_limit.setter
    def rate_limit(self, requests: int | None) -> None:
        self._state.rate_limit = requests

    @property
    def basic_auth_decoding(self) -> BasicAuthDecoding:
        """How HTTP Basic client credentials are read.

        "form-urlencoded" (the default) decodes the id and secret as RFC 6749
        §2.3.1 says; "raw" takes them as sent, like servers that do not decode.
        """
        return self._state.basic_auth_decoding

    @basic_auth_decoding.setter
    def basic_auth_decoding(self, decoding: BasicAuthDecoding) -> None:
        if decoding not in ("form-urlencoded", "raw"):
            raise ValueError(f"expected 'form-urlencoded' or 'raw', got {decoding!r}")
        self._state.basic_auth_decoding = decoding

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        retry_after: str | int | datetime | None = None,
        error: str | None = None,
        body: str | None = None,
    ) -> None:
        """Answer the next `count` token requests with `status` instead of a token.

        The body is a JSON OAuth error (`error` defaults from the status:
        `temporarily_unavailable` for 429 and 503, `server_error` for other
        5xx), or `body` verbatim. `retry_after` sets the Retry-After header:
        seconds, an HTTP-date string, or an aware datetime. With `body` the
        status may be a 2xx, for a broken success answer. Calls queue up.
        """
        failure = InjectedFailure.build(status, error=error, retry_after=retry_after, body=body)
        self._state.faults.add(count, failure)

    def clear_failures(self) -> None:
        """Drop every failure still queued by `fail_next`."""
        self._state.faults.clear()

    @property
    def pending_failures(self) -> int:
        """How many token requests will still get an injected failure."""
        return self._state.faults.pending

    @property
    def counters(self) -> ServerCounters:
        """What the server has seen so far."""
        return self._state.counters

    def __repr__(self) -> str:
        where = self.issuer if self.port else "unbound"
        return f"<AuthServer {where} running={self.running}>"


def _check_lifetime(seconds: int) -> None:
    if seconds <= 0:
        raise ValueError("token_lifetime must be a positive number of seconds")
