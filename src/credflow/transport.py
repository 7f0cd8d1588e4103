"""Sending token-endpoint requests over httpx: thin, sync and async.

The transport only moves bytes. It marks connection errors, timeouts, 5xx and
429 answers as `TransientError` (with the server's `Retry-After`) so that
`retry.py` can decide; every other answer is returned as a `RawResponse` for
`protocol.py` to parse. A certificate that fails verification is a
`TokenEndpointError` at once: retrying cannot fix it.
"""

from __future__ import annotations

import ssl
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from .errors import TokenEndpointError
from .protocol import RawResponse, TokenRequest, parse_retry_after
from .retry import TransientError
from .security import ensure_no_userinfo, tls_context

if TYPE_CHECKING:
    # Imported by the methods that talk HTTP: an engine served from a cache never loads httpx.
    import httpx

__all__ = ["TokenTransport"]


def _raw(response: httpx.Response) -> RawResponse:
    headers = {name.lower(): value for name, value in response.headers.items()}
    if response.status_code >= 500 or response.status_code == 429:
        raise TransientError(
            f"HTTP {response.status_code} from {response.request.url}",
            status=response.status_code,
            retry_after=parse_retry_after(headers.get("retry-after"), datetime.now(UTC)),
        )
    return RawResponse(status=response.status_code, headers=headers, body=response.content)


def _transient(exc: httpx.TransportError, url: str) -> TransientError:
    """The retryable form of `exc`; a certificate that fails verification raises instead.

    An untrusted, expired or misnamed certificate will fail the same way on
    every attempt, so it is not retried, and OpenSSL's reason is kept.
    """
    import httpx

    tls = _tls_cause(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        reason = tls.verify_message or tls.reason or "certificate verify failed"
        raise TokenEndpointError(
            f"TLS connection to {url} failed: certificate verify failed: {reason}. The server's certificate "
            "is not trusted; if it comes from a private CA, set ca_bundle to that CA's PEM file "
            "(verification cannot be turned off)",
            endpoint=url,
        ) from None
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


class TokenTransport:
    """One reusable sync client; an async client per acquisition (they are bound to a loop)."""

    def __init__(self, *, timeout: float, ca_bundle: str | None) -> None:
        self._timeout = timeout
        self._ca_bundle = ca_bundle
        # Built with the first client: loading the system's CA store costs ~20 ms that an engine
        # served from a cache never needs (ClientConfig already checked the bundle's file).
        self._verify: ssl.SSLContext | None = None
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

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
                        timeout=self._timeout, verify=self._tls(), follow_redirects=False
                    )
        return client

    def async_client(self) -> httpx.AsyncClient:
        """A new async client; use it as an async context manager."""
        import httpx

        return httpx.AsyncClient(timeout=self._timeout, verify=self._tls(), follow_redirects=False)

    def post(self, request: TokenRequest) -> RawResponse:
        import httpx

        _refuse_userinfo(request.url)
        try:
            response = self._sync_client().post(
                request.url, headers=request.headers, data=_grouped(request.form)
            )
        except httpx.TransportError as exc:
            raise _transient(exc, request.url) from None
        return _raw(response)

    async def apost(self, client: httpx.AsyncClient, request: TokenRequest) -> RawResponse:
        import httpx

        _refuse_userinfo(request.url)
        try:
            response = await client.post(request.url, headers=request.headers, data=_grouped(request.form))
        except httpx.TransportError as exc:
            raise _transient(exc, request.url) from None
        return _raw(response)

    def get(self, url: str) -> RawResponse:
        import httpx

        _refuse_userinfo(url)
        try:
            response = self._sync_client().get(url, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise _transient(exc, url) from None
        return _raw(response)

    async def aget(self, client: httpx.AsyncClient, url: str) -> RawResponse:
        import httpx

        _refuse_userinfo(url)
        try:
            response = await client.get(url, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise _transient(exc, url) from None
        return _raw(response)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None


def _grouped(form: tuple[tuple[str, str], ...]) -> dict[str, str | list[str]]:
    # httpx sends a list value as a repeated parameter (RFC 8707 `resource`).
    grouped: dict[str, str | list[str]] = {}
    for name, value in form:
        if name in grouped:
            existing = grouped[name]
            grouped[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            grouped[name] = value
    return grouped
