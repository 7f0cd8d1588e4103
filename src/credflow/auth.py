"""Attaching tokens to API requests: an `httpx.Auth` and a `requests` auth.

Both refuse plain HTTP to remote hosts, attach `Authorization: Bearer …`, and
when the API answers a status the client's `renew_on` lists (401 by default)
drop the token, get a new one and send the request once more — only when its
body can be sent again, and only when the rejected request carried the token
and went to the origin (scheme, host, port) the token was attached to.

Redirects: the token is attached to the request the caller made, never again
to a redirected one. httpx and requests both drop `Authorization` when a
redirect leaves the origin (scheme, host, port); both keep it on an
`http://host` → `https://host` upgrade on default ports, which carries the
token already sent to that host over TLS instead. Neither puts the header
back when a chain returns to the origin. Any other rejection (another origin,
or a request that no longer carried the token) is returned to the caller as it
is: no token is invalidated, fetched or sent.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import httpx

from .security import ensure_secure_url, is_loopback_host

if TYPE_CHECKING:
    import requests

    from .engine import TokenEngine
    from .token import Token

__all__ = ["HttpxAuth", "RequestsAuth"]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of `url`, the default port made explicit, as browsers compare origins."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme)


def _replayable(request: httpx.Request) -> bool:
    # A ByteStream (bytes, form, JSON, no body) can be sent again; a generator or file stream cannot.
    return isinstance(request.stream, httpx.ByteStream)


# Origins already allowed, per auth: enough for every API a client talks to; beyond it the
# check simply runs again (a bounded cache, never a growing one).
_ALLOWED_ORIGINS_MAX = 64


class HttpxAuth(httpx.Auth):
    """Bearer tokens from a `TokenEngine`, for `httpx.Client` and `httpx.AsyncClient`."""

    def __init__(self, engine: TokenEngine) -> None:
        self._engine = engine
        # Plain-http hosts this auth already allowed (loopback, or allow_insecure_http):
        # the check runs on every request, so an allowed origin must cost one set lookup.
        self._allowed_http_hosts: set[str] = set()

    def _check(self, request: httpx.Request) -> None:
        url = request.url
        try:
            # httpx's parsed form of the URL (0.27 and later): scheme and host as plain strings,
            # without the IDNA decoding of `url.host`, which is most of this check's cost.
            parsed = url._uri_reference
            scheme, host = parsed.scheme, parsed.host
        except AttributeError:  # pragma: no cover - a future httpx: the public properties
            scheme, host = url.scheme, url.host
        if scheme == "https" or (scheme == "http" and host in self._allowed_http_hosts):
            return
        if scheme != "http" or not is_loopback_host(host):
            ensure_secure_url(
                str(url), allow_insecure_http=self._engine.config.allow_insecure_http, what="API request"
            )
        if len(self._allowed_http_hosts) < _ALLOWED_ORIGINS_MAX:
            self._allowed_http_hosts.add(host)

    def _should_renew(self, request: httpx.Request, response: httpx.Response, sent: str) -> bool:
        # With follow_redirects, httpx hands the auth flow the last response of the redirect chain:
        # a rejection of a request that did not carry our token (httpx strips it when a redirect
        # leaves the origin, and does not put it back on the way back) says nothing about the token.
        rejected = response.request
        return (
            response.status_code in self._engine.config.renew_on
            and _replayable(request)
            and rejected.headers.get("Authorization") == sent
            and _origin(str(rejected.url)) == _origin(str(request.url))
        )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._check(request)
        token = self._engine.get_token()
        request.headers["Authorization"] = sent = token.authorization_header()
        response = yield request
        if self._should_renew(request, response, sent):
            self._engine.invalidate(token)
            request.headers["Authorization"] = self._engine.get_token().authorization_header()
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self._check(request)
        token = await self._engine.aget_token()
        request.headers["Authorization"] = sent = token.authorization_header()
        response = yield request
        if self._should_renew(request, response, sent):
            await self._engine.ainvalidate(token)
            request.headers["Authorization"] = (await self._engine.aget_token()).authorization_header()
            yield request


class RequestsAuth:
    """Bearer tokens from a `TokenEngine`, for `requests` (`auth=engine.requests_auth()`).

    requests calls an auth once per request, not per redirect (`rebuild_auth`
    only strips the header or adds `.netrc` credentials); the response hook
    below runs on every hop, so it checks the origin and the header itself.
    """

    def __init__(self, engine: TokenEngine) -> None:
        self._engine = engine

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        url = request.url or ""
        ensure_secure_url(
            url, allow_insecure_http=self._engine.config.allow_insecure_http, what="API request"
        )
        token = self._engine.get_token()
        request.headers["Authorization"] = token.authorization_header()
        request.register_hook("response", self._renew_on_rejection(token, _origin(url)))  # type: ignore[no-untyped-call]
        return request

    def _renew_on_rejection(self, token: Token, attached_to: tuple[str, str, int | None]) -> Any:
        def hook(response: requests.Response, **kwargs: Any) -> requests.Response:
            request = response.request
            body = request.body
            # Only bytes, text or no body can be sent again; a stream was consumed.
            if response.status_code not in self._engine.config.renew_on or not (
                body is None or isinstance(body, bytes | str)
            ):
                return response
            if getattr(request, "_credflow_retried", False):
                return response
            url = request.url or ""
            # The hook is copied onto every redirected request: a rejection of a request that did
            # not carry the token (requests strips it when a redirect leaves the origin), or from
            # another origin, must not make us fetch a token or send one there.
            if (
                request.headers.get("Authorization") != token.authorization_header()
                or _origin(url) != attached_to
            ):
                return response
            ensure_secure_url(
                url, allow_insecure_http=self._engine.config.allow_insecure_http, what="API request"
            )
            self._engine.invalidate(token)
            response.content  # noqa: B018 - read the body so the connection can be reused
            response.close()
            retry = request.copy()
            retry._credflow_retried = True  # type: ignore[attr-defined]
            retry.headers["Authorization"] = self._engine.get_token().authorization_header()
            new_response: requests.Response = response.connection.send(retry, **kwargs)
            new_response.history.append(response)
            new_response.request = retry
            return new_response

        return hook
