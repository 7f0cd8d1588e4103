"""Sending token-endpoint requests over httpx: thin, sync and async.

The transport only moves bytes. It marks connection errors, timeouts, 5xx and
429 answers as `TransientError` (with the server's `Retry-After`) so that
`_retry` can decide; every other answer is returned as a `RawResponse` for
`protocol.py` to parse. Each call is bounded by `timeout` as a whole, not only
per read (see `_CutOff`). A certificate that fails verification is a
`TokenEndpointError` at once: retrying cannot fix it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import weakref
from collections.abc import AsyncGenerator, AsyncIterable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .._security import ensure_no_userinfo, tls_context
from ..client_auth._tls import ClientCertificateContexts
from ..config._checks import MAX_FILE_BYTES
from ..errors import TokenEndpointError, TokenResponseError
from ..protocol import RawResponse, TokenRequest, parse_rate_limit_reset, parse_retry_after
from ._retry import TransientError

if TYPE_CHECKING:
    # Imported by the methods that talk HTTP: an engine served from a cache never loads httpx.
    import asyncio

    import httpx

__all__ = ["MAX_ANSWER_BYTES", "TokenTransport"]

#: The most credflow reads of one answer from a token endpoint or a metadata URL (as of a file).
MAX_ANSWER_BYTES = MAX_FILE_BYTES


def _read_capped(chunks: Iterable[bytes], response: httpx.Response) -> bytes:
    """The whole body, refused past `MAX_ANSWER_BYTES` (decoded bytes: a compressed bomb counts in full)."""
    parts: list[bytes] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise _too_large(response)
        parts.append(chunk)
    return b"".join(parts)


async def _aread_capped(chunks: AsyncIterable[bytes], response: httpx.Response) -> bytes:
    parts: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise _too_large(response)
        parts.append(chunk)
    return b"".join(parts)


def _too_large(response: httpx.Response) -> TokenResponseError:
    # Not retried: a token or metadata document is a few kilobytes; a server sending megabytes is
    # broken or hostile, and would be again.
    url = str(response.request.url)
    return TokenResponseError(
        f"{url} answered HTTP {response.status_code} with a body over {MAX_ANSWER_BYTES // 1024} KiB; "
        "refused without reading the rest (a token response is a few kilobytes)",
        endpoint=url,
        status=response.status_code,
    )


def _raw(response: httpx.Response, body: bytes) -> RawResponse:
    headers = {name.lower(): value for name, value in response.headers.items()}
    if response.status_code >= 500 or response.status_code == 429:
        now = datetime.now(UTC)
        retry_after = parse_retry_after(headers.get("retry-after"), now)
        reason = f"HTTP {response.status_code} from {response.request.url}"
        if retry_after is None and response.status_code == 429:
            # Okta (and Auth0) say when the window resets instead of sending Retry-After.
            reset = headers.get("x-rate-limit-reset") or headers.get("x-ratelimit-reset")
            retry_after = parse_rate_limit_reset(reset, now)
            if retry_after is not None:
                reason += f" (rate limit resets in {retry_after:.0f} s)"
        raise TransientError(
            reason,
            status=response.status_code,
            retry_after=retry_after,
            headers={name: value for name, value in headers.items() if "rate" in name or "quota" in name},
        )
    return RawResponse(status=response.status_code, headers=headers, body=body)


def _transient(exc: httpx.TransportError, url: str) -> TransientError:
    """The retryable form of `exc`; a certificate that fails verification raises instead.

    An untrusted, expired or misnamed certificate will fail the same way on
    every attempt, so it is not retried, and OpenSSL's reason is kept.
    """
    tls = _tls_cause(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        reason = tls.verify_message or tls.reason or "certificate verify failed"
        raise TokenEndpointError(
            f"TLS connection to {url} failed: certificate verify failed: {reason}. The server's certificate "
            "is not trusted; if it comes from a private CA, set ca_bundle to that CA's PEM file "
            "(verification cannot be turned off)",
            endpoint=url,
        ) from None
    import httpx

    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "failed"
    detail = f" ({tls.reason or tls})" if tls is not None else ""
    return TransientError(f"connection to {url} {kind}: {type(exc).__name__}{detail}")


def _refuse_userinfo(url: str) -> None:
    # Configured and discovered URLs are checked before they get here; this last guard keeps httpx
    # from ever sending a URL's `user:password@` as Basic credentials in place of the client's own.
    ensure_no_userinfo(
        url,
        key="token endpoint",
        credentials="the server's metadata must not put credentials in its token_endpoint",
    )


def _tls_cause(exc: BaseException) -> ssl.SSLError | None:
    # httpx raises its own ConnectError from httpcore's, itself raised from the ssl module's error.
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


async def _closed_at_loop_shutdown(client: httpx.AsyncClient) -> AsyncGenerator[httpx.AsyncClient, None]:
    # Started once and never resumed: the loop's shutdown_asyncgens() (asyncio.run, pytest-asyncio)
    # closes every async generator still open, and this one closes the client on its own loop.
    try:
        yield client
    finally:
        await client.aclose()


def _close_on_its_loop(
    loop: asyncio.AbstractEventLoop, keeper: AsyncGenerator[httpx.AsyncClient, None]
) -> None:
    loop.create_task(keeper.aclose())  # the loop keeps the task until it ends; nothing awaits it


_Headers = tuple[tuple[str, str], ...]
_Form = dict[str, str | list[str]]
_ACCEPT_JSON: _Headers = (("Accept", "application/json"),)


class _CutOff:
    """Bounds one sync HTTP call as a whole.

    httpx's timeouts bound each read, so a server sending one byte just within
    the read timeout could hold a call (and every caller waiting for its token)
    for ever. At the deadline this shuts the connection's socket down, which
    wakes the blocked read. The socket is learnt from httpcore's `trace`
    extension, so the sync client opens a connection per call (no keep-alive:
    token requests are rare).
    """

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event != "connection.connect_tcp.complete":
            return
        sock = info["return_value"].get_extra_info("socket")
        if sock is None:
            return  # a network backend without a socket: only the per-read timeouts apply
        with self._lock:
            self._socket = sock
            fired = self.fired
        if fired:
            _shut_down(sock)

    def _cut(self) -> None:
        with self._lock:
            self.fired = True
            sock = self._socket
        if sock is not None:
            _shut_down(sock)

    def __enter__(self) -> _CutOff:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()


def _shut_down(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


def _cut_off(url: str, seconds: float) -> TransientError:
    return TransientError(f"connection to {url} timed out: no complete answer within {seconds:g}s")


class TokenTransport:
    """One pooled sync client, and one pooled async client per event loop.

    An `httpx.AsyncClient` is bound to the loop its connections were opened on,
    so the async pool is keyed by loop (weakly: a loop that is gone drops its
    entry). Each async client is closed on its own loop when that loop shuts
    down (`asyncio.run()` closes open async generators, and one holds the
    client), or by `close()` while its loop still runs.
    """

    def __init__(self, *, timeout: float, ca_bundle: str | None) -> None:
        self._timeout = timeout
        self._total = timeout
        self._ca_bundle = ca_bundle
        # Built with the first client: loading the system's CA store costs ~20 ms that an engine
        # served from a cache never needs (ClientConfig already checked the bundle's file).
        self._verify: ssl.SSLContext | None = None
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncGenerator[httpx.AsyncClient, None]]
        ] = weakref.WeakKeyDictionary()
        # RFC 8705 mTLS: a sync client of its own per client certificate (httpx binds `cert` to a client).
        self._certificates = ClientCertificateContexts(ca_bundle)
        self._mtls_client: tuple[str, httpx.Client] | None = None

    def _tls(self) -> ssl.SSLContext:
        verify = self._verify
        if verify is None:
            verify = self._verify = tls_context(self._ca_bundle)
        return verify

    def _sync_client(self) -> httpx.Client:
        import httpx

        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    client = self._client = httpx.Client(
                        timeout=self._timeout,
                        verify=self._tls(),
                        follow_redirects=False,
                        limits=httpx.Limits(max_keepalive_connections=0),  # see _CutOff
                    )
        return client

    async def async_client(self) -> httpx.AsyncClient:
        """The async client of the running loop, made on its first use there."""
        import asyncio

        loop = asyncio.get_running_loop()
        entry = self._async_clients.get(loop)
        if entry is not None and not entry[0].is_closed:
            return entry[0]
        import httpx

        client = httpx.AsyncClient(timeout=self._timeout, verify=self._tls(), follow_redirects=False)
        keeper = _closed_at_loop_shutdown(client)
        # Runs to the first yield without suspending: no other task of this loop can interleave.
        await anext(keeper)
        with self._lock:
            self._async_clients[loop] = (client, keeper)
        return client

    def _client_for(self, request: TokenRequest) -> httpx.Client:
        if request.client_certificate is None:
            return self._sync_client()
        import httpx

        tag, context = self._certificates.context(request.client_certificate)
        with self._lock:
            current = self._mtls_client
            if current is not None and current[0] == tag:
                return current[1]
            if current is not None:
                current[1].close()  # the certificate rotated
            client = httpx.Client(
                timeout=self._timeout,
                verify=context,
                follow_redirects=False,
                limits=httpx.Limits(max_keepalive_connections=0),  # see _CutOff
            )
            self._mtls_client = (tag, client)
            return client

    def post(self, request: TokenRequest) -> RawResponse:
        return self._send(
            "POST", request.url, request.headers, _grouped(request.form), self._client_for(request)
        )

    async def apost(self, client: httpx.AsyncClient, request: TokenRequest) -> RawResponse:
        form = _grouped(request.form)
        if request.client_certificate is None:
            return await self._asend(client, "POST", request.url, request.headers, form)
        # An async client is per acquisition anyway: one presenting the certificate, for this post.
        # Building the context writes and reads files: off the event loop.
        import asyncio

        import httpx

        _, context = await asyncio.to_thread(self._certificates.context, request.client_certificate)
        async with httpx.AsyncClient(timeout=self._timeout, verify=context, follow_redirects=False) as mtls:
            return await self._asend(mtls, "POST", request.url, request.headers, form)

    def get(self, url: str) -> RawResponse:
        return self._send("GET", url, _ACCEPT_JSON, None, self._sync_client())

    async def aget(self, client: httpx.AsyncClient, url: str) -> RawResponse:
        return await self._asend(client, "GET", url, _ACCEPT_JSON, None)

    def _send(
        self, method: str, url: str, headers: _Headers, data: _Form | None, client: httpx.Client
    ) -> RawResponse:
        import httpx

        _refuse_userinfo(url)
        with _CutOff(self._total) as cut_off:
            try:
                request = client.build_request(
                    method, url, headers=headers, data=data, extensions={"trace": cut_off.trace}
                )
                response = client.send(request, stream=True)
                try:
                    body = _read_capped(response.iter_bytes(), response)
                finally:
                    response.close()
            except httpx.TransportError as exc:
                raise (_cut_off(url, self._total) if cut_off.fired else _transient(exc, url)) from None
        return _raw(response, body)

    async def _asend(
        self, client: httpx.AsyncClient, method: str, url: str, headers: _Headers, data: _Form | None
    ) -> RawResponse:
        import asyncio

        import httpx

        _refuse_userinfo(url)
        try:
            async with asyncio.timeout(self._total):
                request = client.build_request(method, url, headers=headers, data=data)
                response = await client.send(request, stream=True)
                try:
                    body = await _aread_capped(response.aiter_bytes(), response)
                finally:
                    await response.aclose()
        except TimeoutError:
            raise _cut_off(url, self._total) from None
        except httpx.TransportError as exc:
            raise _transient(exc, url) from None
        return _raw(response, body)

    def close(self) -> None:
        """Close the sync client, and the async clients whose loop still runs (others close with it)."""
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None
            if self._mtls_client is not None:
                self._mtls_client[1].close()
                self._mtls_client = None
            pooled = list(self._async_clients.items())
            self._async_clients.clear()
        for loop, (_client, keeper) in pooled:
            if loop.is_running() and not loop.is_closed():
                loop.call_soon_threadsafe(_close_on_its_loop, loop, keeper)


def _grouped(form: tuple[tuple[str, str], ...]) -> _Form:
    # httpx sends a list value as a repeated parameter (RFC 8707 `resource`).
    grouped: dict[str, str | list[str]] = {}
    for name, value in form:
        if name in grouped:
            existing = grouped[name]
            grouped[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            grouped[name] = value
    return grouped
