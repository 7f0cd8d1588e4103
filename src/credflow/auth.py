"""Attaching tokens to API requests: an `httpx.Auth` and a `requests` auth.

Both refuse plain HTTP to remote hosts, attach `Authorization: Bearer …`, and
on a 401 from the API drop the token, get a new one and send the request once
more — only when its body can be sent again.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator
from typing import TYPE_CHECKING, Any

import httpx

from .security import ensure_secure_url, is_loopback_host

if TYPE_CHECKING:
    import requests

    from .engine import TokenEngine

__all__ = ["HttpxAuth", "RequestsAuth"]


def _replayable(request: httpx.Request) -> bool:
    # A ByteStream (bytes, form, JSON, no body) can be sent again; a generator or file stream cannot.
    return isinstance(request.stream, httpx.ByteStream)


class HttpxAuth(httpx.Auth):
    """Bearer tokens from a `TokenEngine`, for `httpx.Client` and `httpx.AsyncClient`."""

    def __init__(self, engine: TokenEngine) -> None:
        self._engine = engine

    def _check(self, request: httpx.Request) -> None:
        # Runs on every request: settle the common cases without rebuilding and re-parsing the URL.
        url = request.url
        if url.scheme == "https" or (url.scheme == "http" and is_loopback_host(url.host)):
            return
        ensure_secure_url(
            str(url), allow_insecure_http=self._engine.config.allow_insecure_http, what="API request"
        )

    def sync_auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self._check(request)
        token = self._engine.get_token()
        request.headers["Authorization"] = token.authorization_header()
        response = yield request
        if response.status_code == 401 and _replayable(request):
            self._engine.invalidate(token)
            request.headers["Authorization"] = self._engine.get_token().authorization_header()
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        self._check(request)
        token = await self._engine.aget_token()
        request.headers["Authorization"] = token.authorization_header()
        response = yield request
        if response.status_code == 401 and _replayable(request):
            await self._engine.ainvalidate(token)
            request.headers["Authorization"] = (await self._engine.aget_token()).authorization_header()
            yield request


class RequestsAuth:
    """Bearer tokens from a `TokenEngine`, for `requests` (`auth=engine.requests_auth()`)."""

    def __init__(self, engine: TokenEngine) -> None:
        self._engine = engine

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        ensure_secure_url(
            request.url or "", allow_insecure_http=self._engine.config.allow_insecure_http, what="API request"
        )
        token = self._engine.get_token()
        request.headers["Authorization"] = token.authorization_header()
        request.register_hook("response", self._retry_on_401(token))  # type: ignore[no-untyped-call]
        return request

    def _retry_on_401(self, token: Any) -> Any:
        def hook(response: requests.Response, **kwargs: Any) -> requests.Response:
            request = response.request
            body = request.body
            # Only bytes, text or no body can be sent again; a stream was consumed.
            if response.status_code != 401 or not (body is None or isinstance(body, bytes | str)):
                return response
            if getattr(request, "_credflow_retried", False):
                return response
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
