"""What every provider imitation shares: a loopback server, clients with secrets, JWTs, rate limits.

Each imitation (entra.py, auth0.py, ...) only says how its provider's token
endpoint reads a request and words its answers; see its docstring for the
document each rule comes from, what it proves and what it cannot.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Self
from urllib.parse import unquote_plus

from werkzeug.wrappers import Request, Response

from ..serving import BackgroundServer

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

__all__ = ["ImitatedClient", "ProviderImitation", "Secret", "SeenRequest"]


@dataclass
class Secret:
    """One client secret and when the imitation accepts it (epoch seconds; None: open-ended)."""

    value: str = field(repr=False)
    valid_from: float = 0.0
    valid_until: float | None = None

    def accepts(self, value: str, now: float) -> bool:
        """Whether `value` is this secret and it is in force at `now`."""
        in_force = self.valid_from <= now and (self.valid_until is None or now < self.valid_until)
        return in_force and secrets.compare_digest(self.value.encode(), value.encode())

    def expired(self, value: str, now: float) -> bool:
        """Whether `value` is this secret but its time is over."""
        over = self.valid_until is not None and now >= self.valid_until
        return over and secrets.compare_digest(self.value.encode(), value.encode())


@dataclass
class ImitatedClient:
    """A registered client: its secrets, the scopes it may get and provider-specific switches."""

    client_id: str
    secrets: list[Secret]
    scopes: tuple[str, ...] = ()
    #: Scopes granted when the request names none (provider rules differ; see each imitation).
    default_scopes: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SeenRequest:
    """A token request as the imitation received it, without the secret."""

    path: str
    client_auth: str  # "basic", "post" or "none"
    params: Mapping[str, str]
    content_type: str


class ProviderImitation:
    """Base of the provider imitations: a WSGI app on a loopback port, plus its state."""

    provider: ClassVar[str] = ""
    #: The lifetime in seconds of the tokens the provider issues unless configured otherwise.
    default_lifetime: ClassVar[int] = 3600

    def __init__(
        self,
        *,
        port: int = 0,
        signing_key: RSAKey | None = None,
        clock: Callable[[], float] = time.time,
        token_lifetime: int | None = None,
    ) -> None:
        if signing_key is None:
            from ..tokens import generate_signing_key

            signing_key = generate_signing_key()
        self.signing_key = signing_key
        self.clock = clock
        self.token_lifetime = token_lifetime or self.default_lifetime
        self.clients: dict[str, ImitatedClient] = {}
        self.requests: list[SeenRequest] = []
        self._serving = BackgroundServer("127.0.0.1", port)
        self._lock = threading.Lock()
        self._limited = 0
        self._reset_in = 0.0

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> Self:
        """Serve on a loopback port from a daemon thread."""
        self._serving.start(lambda port: self._wsgi)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self._serving.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`: what replaces the provider's https host in a test."""
        return f"http://127.0.0.1:{self._serving.port}"

    @property
    def token_endpoint(self) -> str:
        """The token endpoint URL, in the provider's URL shape."""
        raise NotImplementedError

    @property
    def issuer(self) -> str:
        """The issuer the discovery document names."""
        raise NotImplementedError

    @property
    def token_requests(self) -> int:
        """How many token requests arrived (rate-limited ones included)."""
        with self._lock:
            return len(self.requests)

    # -- state ---------------------------------------------------------------

    def add_client(
        self,
        client_id: str,
        secret: str,
        *,
        scopes: Iterable[str] = (),
        default_scopes: Iterable[str] = (),
        **options: Any,
    ) -> ImitatedClient:
        """Register a client with one secret; `options` are the provider's switches."""
        client = ImitatedClient(client_id, [Secret(secret)], tuple(scopes), tuple(default_scopes), options)
        with self._lock:
            self.clients[client_id] = client
        return client

    def rate_limit_next(self, count: int, *, reset_in: float = 1.0) -> None:
        """Answer the next `count` token requests with the provider's 429, resetting in `reset_in` s."""
        with self._lock:
            self._limited, self._reset_in = count, reset_in

    # -- the WSGI app --------------------------------------------------------

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.route(request)
        return response(environ, start_response)

    def route(self, request: Request) -> Response:
        """Dispatch by path: the token endpoint, discovery, or 404."""
        if request.method == "POST" and request.path == self.token_path():
            return self._token(request)
        document = self.discovery(request.path)
        if document is not None and request.method == "GET":
            return json_response(200, document)
        return json_response(404, {"error": "not_found"})

    def token_path(self) -> str:
        """The path of the token endpoint."""
        raise NotImplementedError

    def discovery(self, path: str) -> dict[str, Any] | None:
        """The discovery document served at `path`, or None."""
        return None

    def _token(self, request: Request) -> Response:
        params, auth = read_form(request)
        with self._lock:
            self.requests.append(
                SeenRequest(request.path, auth[2], _without_secret(params), request.mimetype)
            )
            limited = self._limited > 0
            if limited:
                self._limited -= 1
        if limited:
            return self.rate_limited(self.clock() + self._reset_in)
        response = self.token(request, params, auth)
        for name, value in self.rate_limit_headers().items():
            response.headers.setdefault(name, value)
        return response

    def token(self, request: Request, params: dict[str, str], auth: tuple[str, str, str]) -> Response:
        """Answer one token request; `auth` is (client_id, secret, "basic" | "post" | "none")."""
        raise NotImplementedError

    def rate_limited(self, reset_at: float) -> Response:
        """The provider's 429."""
        response = json_response(429, {"error": "too_many_requests"})
        response.headers["Retry-After"] = str(max(1, round(reset_at - self.clock())))
        return response

    def rate_limit_headers(self) -> dict[str, str]:
        """Headers every token answer carries (none unless the provider sends some)."""
        return {}

    # -- helpers for subclasses ----------------------------------------------

    def secret_state(self, client: ImitatedClient, value: str) -> str:
        """`ok`, `expired` (a known secret past its time) or `wrong`."""
        now = self.clock()
        if any(secret.accepts(value, now) for secret in client.secrets):
            return "ok"
        if any(secret.expired(value, now) for secret in client.secrets):
            return "expired"
        return "wrong"

    def issue_jwt(self, claims: dict[str, Any]) -> str:
        """A signed RS256 access token with `claims` plus iss, iat, exp, jti."""
        from joserfc import jwt

        now = int(self.clock())
        body = {"iss": self.issuer, "iat": now, "exp": now + self.token_lifetime, "jti": secrets.token_hex(8)}
        body.update(claims)
        return jwt.encode({"alg": "RS256", "kid": self.signing_key.kid}, body, self.signing_key)


def json_response(status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    """A JSON answer with the no-store headers token endpoints send (RFC 6749 §5.1)."""
    response = Response(json.dumps(body), status=status, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def read_form(request: Request) -> tuple[dict[str, str], tuple[str, str, str]]:
    """The request's parameters (form or JSON body) and its client credentials.

    Returns `(params, (client_id, secret, how))`; `how` is `basic` for an HTTP
    Basic header (form-decoded as RFC 6749 §2.3.1 says), `post` for
    credentials in the body, `none` without a secret.
    """
    if request.mimetype == "application/json":
        try:
            loaded = json.loads(request.get_data() or b"{}")
        except ValueError:
            loaded = {}
        params = {str(k): str(v) for k, v in loaded.items()} if isinstance(loaded, dict) else {}
    else:
        params = {name: request.form.get(name, "") for name in request.form}
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        client_id, _, secret = decoded.partition(":")
        return params, (unquote_plus(client_id), unquote_plus(secret), "basic")
    if "client_secret" in params:
        return params, (params.get("client_id", ""), params["client_secret"], "post")
    return params, (params.get("client_id", ""), "", "none")


def _without_secret(params: Mapping[str, str]) -> dict[str, str]:
    return {
        name: value for name, value in params.items() if name not in ("client_secret", "client_assertion")
    }


def epoch_after(clock: Callable[[], float], seconds: float) -> str:
    """An epoch-seconds header value `seconds` from now, rounded up."""
    return str(int(clock() + seconds) + (0 if float(clock() + seconds).is_integer() else 1))
