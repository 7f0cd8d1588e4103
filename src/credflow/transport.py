"""Sending token-endpoint requests over httpx: thin, sync and async.

The transport only moves bytes. It marks connection errors, timeouts, 5xx and
429 answers as `TransientError` (with the server's `Retry-After`) so that
`retry.py` can decide; every other answer is returned as a `RawResponse` for
`protocol.py` to parse. A certificate that fails verification is a
`TokenEndpointError` at once: retrying cannot fix it.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from datetime import UTC, datetime

import httpx

from .errors import TokenEndpointError
from .protocol import RawResponse, TokenRequest, parse_rate_limit_reset, parse_retry_after
from .retry import TransientError
from .security import ensure_no_userinfo, tls_context
from .tls_client import ClientCertificateContexts

__all__ = ["TokenTransport"]


def _raw(response: httpx.Response) -> RawResponse:
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
    return RawResponse(status=response.status_code, headers=headers, body=response.content)


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
        self._timeout = httpx.Timeout(timeout)
        self._verify = tls_context(ca_bundle)
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()
        # RFC 8705 mTLS: a sync client of its own per client certificate (httpx binds `cert` to a client).
        self._certificates = ClientCertificateContexts(ca_bundle)
        self._mtls_client: tuple[str, httpx.Client] | None = None

    def _sync_client(self) -> httpx.Client:
        client = self._client
        if client is None:
            with self._lock:
                client = self._client
                if client is None:
                    client = self._client = httpx.Client(
                        timeout=self._timeout, verify=self._verify, follow_redirects=False
                    )
        return client

    def async_client(self) -> httpx.AsyncClient:
        """A new async client; use it as an async context manager."""
        return httpx.AsyncClient(timeout=self._timeout, verify=self._verify, follow_redirects=False)

    def _client_for(self, request: TokenRequest) -> httpx.Client:
        if request.client_certificate is None:
            return self._sync_client()
        tag, context = self._certificates.context(request.client_certificate)
        with self._lock:
            current = self._mtls_client
            if current is not None and current[0] == tag:
                return current[1]
            if current is not None:
                current[1].close()  # the certificate rotated
            client = httpx.Client(timeout=self._timeout, verify=context, follow_redirects=False)
            self._mtls_client = (tag, client)
            return client

    def post(self, request: TokenRequest) -> RawResponse:
        _refuse_userinfo(request.url)
        try:
            response = self._client_for(request).post(
                request.url, headers=request.headers, data=_grouped(request.form)
            )
        except httpx.TransportError as exc:
            raise _transient(exc, request.url) from None
        return _raw(response)

    async def apost(self, client: httpx.AsyncClient, request: TokenRequest) -> RawResponse:
        _refuse_userinfo(request.url)
        try:
            if request.client_certificate is not None:
                # An async client is per acquisition anyway: one presenting the certificate, for this post.
                # Building the context writes and reads files: off the event loop.
                _, context = await asyncio.to_thread(self._certificates.context, request.client_certificate)
                async with httpx.AsyncClient(
                    timeout=self._timeout, verify=context, follow_redirects=False
                ) as mtls:
                    response = await mtls.post(
                        request.url, headers=request.headers, data=_grouped(request.form)
                    )
            else:
                response = await client.post(
                    request.url, headers=request.headers, data=_grouped(request.form)
                )
        except httpx.TransportError as exc:
            raise _transient(exc, request.url) from None
        return _raw(response)

    def get(self, url: str) -> RawResponse:
        _refuse_userinfo(url)
        try:
            response = self._sync_client().get(url, headers={"Accept": "application/json"})
        except httpx.TransportError as exc:
            raise _transient(exc, url) from None
        return _raw(response)

    async def aget(self, client: httpx.AsyncClient, url: str) -> RawResponse:
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
            if self._mtls_client is not None:
                self._mtls_client[1].close()
                self._mtls_client = None


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
