"""Performing the acquisition's effects, on the sync path and on the async path.

`_acquisition` decides; this module does the I/O it asks for. The two
drivers differ only where they must: the sync one calls, the async one
awaits (and moves blocking plugin calls to a worker thread). Retries of the
token endpoint, audit of retries and the "a cache backend never becomes an
outage" rule are shared.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from ..client_auth._methods import AssertionRequest
from ..errors import RetriesExhaustedError
from ..events import TokenEndpointCalled, TokenRetried
from ..protocol import RawResponse, ratelimit_remaining
from ..providers import rate_limit_headers
from ..token import Token
from ..transport._retry import TransientError, acall_with_retry, call_with_retry
from ._acquisition import (
    CacheDelete,
    CacheEffect,
    CacheLoad,
    CacheStore,
    CacheTryLock,
    CacheUnlock,
    Effect,
    Flow,
    GetJson,
    ListCandidates,
    PostToken,
    ResolveSecret,
    Sleep,
)

if TYPE_CHECKING:
    import httpx

    from ..config._client import ClientConfig
    from ..plugins._host import PluginHost
    from ..transport._http import TokenTransport
    from ._cache import TokenCacheBackend

__all__ = ["EffectRunner"]

logger = logging.getLogger("credflow.engine")


def _advance(flow: Flow, result: Any, error: Exception | None) -> tuple[bool, Any]:
    """Hand the last effect's outcome to the flow: (True, token) when it is done, else (False, effect)."""
    try:
        return False, (flow.throw(error) if error is not None else flow.send(result))
    except StopIteration as stop:
        return True, stop.value


def _lock_held_after(effect: Effect, result: Any, held: CacheUnlock | None) -> CacheUnlock | None:
    """The unlock owed after `effect` returned `result` (the fetch lock the flow holds)."""
    if isinstance(effect, CacheTryLock) and isinstance(result, str):
        return CacheUnlock(effect.scope, result)
    if isinstance(effect, CacheUnlock):
        return None
    return held


_CACHE_EFFECTS = (CacheLoad, CacheStore, CacheDelete, CacheTryLock, CacheUnlock)
# The backend method each effect calls, for the log line of a failing backend.
_BACKEND_METHOD = {
    CacheLoad: "load",
    CacheStore: "store",
    CacheDelete: "delete",
    CacheTryLock: "try_lock",
    CacheUnlock: "unlock",
}


class EffectRunner:
    """Runs acquisition flows for one client: its config, plugins, cache backend and transport."""

    def __init__(
        self,
        config: ClientConfig,
        host: PluginHost,
        backend: TokenCacheBackend,
        transport: TokenTransport,
    ) -> None:
        self._config = config
        self._host = host
        self._backend = backend
        self._transport = transport
        # A secret read gets as long as one token request with its retries: the same bound.
        self._secret_bound = config.retry.deadline + config.timeout

    # --- sync -------------------------------------------------------------

    def run(self, flow: Flow) -> Token:
        """Drive `flow` to its end on this thread; return the token it produced."""
        result: Any = None
        error: Exception | None = None
        while True:
            done, value = _advance(flow, result, error)
            if done:
                return value  # type: ignore[no-any-return]
            result, error = None, None
            try:
                result = self._perform(value)
            except Exception as exc:
                error = exc

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, PostToken):
            requests = effect.attempts()
            return self._with_retry(
                lambda: self._timed(effect, lambda: self._transport.post(next(requests))), effect.request.url
            )
        if isinstance(effect, ResolveSecret):
            request = self._assertion_request(effect)
            if request is not None:
                provided = self._host.client_assertion(request, bound=self._secret_bound)
                if provided is not None:
                    return provided
            return self._host.resolve_secret(effect.reference, fresh=effect.fresh, bound=self._secret_bound)
        if isinstance(effect, _CACHE_EFFECTS):
            return self.cache_call(effect)
        if isinstance(effect, GetJson):
            return self._with_retry(lambda: self._transport.get(effect.url), effect.url)
        if isinstance(effect, ListCandidates):
            # Listing versions asks the secret manager too: the same bound as a read.
            return self._host.reads.run(
                effect.reference, lambda: self._list_candidates(effect), self._secret_bound
            )
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        raise TypeError(f"unknown effect {effect!r}")

    def _with_retry(self, send: Callable[[], Any], url: str) -> Any:
        try:
            return call_with_retry(send, self._config.retry, on_retry=self._on_retry)
        except TransientError as exc:
            raise self._exhausted(exc, url) from None

    # --- async ------------------------------------------------------------

    async def arun(self, flow: Flow) -> Token:
        """Drive `flow` to its end without blocking the event loop; return the token."""
        client = await self._transport.async_client()
        result: Any = None
        error: Exception | None = None
        held: CacheUnlock | None = None
        while True:
            done, value = _advance(flow, result, error)
            if done:
                return value  # type: ignore[no-any-return]
            result, error = None, None
            try:
                result = await self._aperform(value, client)
            except Exception as exc:
                error = exc
            except BaseException:
                flow.close()  # cancelled: end the flow here rather than when it is collected
                self._release_abandoned_lock(held)
                raise
            held = _lock_held_after(value, result, held)

    async def _aperform(self, effect: Effect, client: httpx.AsyncClient) -> Any:
        if isinstance(effect, PostToken):
            requests = effect.attempts()
            return await self._awith_retry(
                lambda: self._atimed(effect, lambda: self._transport.apost(client, next(requests))),
                effect.request.url,
            )
        if isinstance(effect, ResolveSecret):
            request = self._assertion_request(effect)
            if request is not None:
                asking = self._host.reads.submit(
                    effect.reference, lambda: self._host.client_assertion(request)
                )
                try:
                    provided = await asyncio.wait_for(asyncio.wrap_future(asking), self._secret_bound)
                except TimeoutError:
                    raise self._host.reads.abandon(effect.reference, self._secret_bound) from None
                if provided is not None:
                    return provided
            return await self._host.aresolve_secret(
                effect.reference, fresh=effect.fresh, bound=self._secret_bound
            )
        if isinstance(effect, _CACHE_EFFECTS):
            return await self.acache_call(effect)
        if isinstance(effect, GetJson):
            return await self._awith_retry(lambda: self._transport.aget(client, effect.url), effect.url)
        if isinstance(effect, ListCandidates):
            listing = self._host.reads.submit(effect.reference, lambda: self._list_candidates(effect))
            try:
                return await asyncio.wait_for(asyncio.wrap_future(listing), self._secret_bound)
            except TimeoutError:
                raise self._host.reads.abandon(effect.reference, self._secret_bound) from None
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return None
        raise TypeError(f"unknown effect {effect!r}")

    async def _awith_retry(self, send: Callable[[], Any], url: str) -> Any:
        try:
            return await acall_with_retry(send, self._config.retry, on_retry=self._on_retry)
        except TransientError as exc:
            raise self._exhausted(exc, url) from None

    # --- timing each HTTP request to the token endpoint (telemetry) -------

    def _timed(self, effect: PostToken, send: Callable[[], RawResponse]) -> RawResponse:
        started = time.perf_counter()
        try:
            raw = send()
        except Exception as exc:
            self._endpoint_called(effect, started, None, exc)
            raise
        self._endpoint_called(effect, started, raw, None)
        return raw

    async def _atimed(self, effect: PostToken, send: Callable[[], Awaitable[RawResponse]]) -> RawResponse:
        started = time.perf_counter()
        try:
            raw = await send()
        except Exception as exc:
            self._endpoint_called(effect, started, None, exc)
            raise
        self._endpoint_called(effect, started, raw, None)
        return raw

    def _endpoint_called(
        self, effect: PostToken, started: float, raw: RawResponse | None, error: Exception | None
    ) -> None:
        duration = time.perf_counter() - started
        status = raw.status if raw is not None else getattr(error, "status", None)
        remaining = ratelimit_remaining(raw.headers) if raw is not None else None
        if isinstance(error, TransientError):
            remaining = ratelimit_remaining(error.headers)
        parts = urlsplit(effect.request.url)
        self._host.emit(
            TokenEndpointCalled(
                client_id=self._config.client_id,
                method="POST",
                # Without query or fragment: a token endpoint has no business carrying secrets there.
                url=urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")),
                status=status,
                error_type=None if error is None or status is not None else type(error).__name__,
                duration_seconds=duration,
                ratelimit_remaining=remaining,
            )
        )

    # --- shared -----------------------------------------------------------

    def _assertion_request(self, effect: ResolveSecret) -> AssertionRequest | None:
        """For a `client_assertion` client's credential: what to ask the assertion hook for."""
        config = self._config
        if config.auth_method != "client_assertion" or effect.reference != config.secret_reference:
            return None
        return AssertionRequest(
            client_id=config.client_id,
            reference=effect.reference,
            token_endpoint=config.token_endpoint,
            issuer=config.issuer,
        )

    def _release_abandoned_lock(self, held: CacheUnlock | None) -> None:
        """Release the fetch lock a cancelled flow held, when that costs no I/O.

        The closed flow cannot release it (it may not yield any more). An
        in-process lock would otherwise block the engine's next acquisition
        until its TTL; a shared backend's lock (I/O) is left to expire.
        """
        if held is not None and not self._backend.blocking:
            self.cache_call(held)

    def cache_call(self, effect: CacheEffect) -> Any:
        """Call the cache backend; a failing backend behaves as a miss, never as an outage."""
        backend = self._backend
        try:
            match effect:
                case CacheLoad(scope):
                    return backend.load(scope)
                case CacheStore(scope, token):
                    return backend.store(scope, token)
                case CacheDelete(scope, token_fingerprint):
                    return backend.delete(scope, token_fingerprint)
                case CacheTryLock(scope, ttl_seconds):
                    return backend.try_lock(scope, ttl_seconds)
                case CacheUnlock(scope, owner):
                    return backend.unlock(scope, owner)
        except Exception:
            logger.warning(
                "token cache %s failed in %s; continuing without it",
                self._config.cache.backend,
                _BACKEND_METHOD[type(effect)],
                exc_info=True,
            )
            # Without the backend's lock, this process fetches on its own (as if it held the lock).
            return "local" if isinstance(effect, CacheTryLock) else None

    async def acache_call(self, effect: CacheEffect) -> Any:
        """`cache_call` from async code: in a worker thread when the backend does I/O."""
        if self._backend.blocking:
            return await asyncio.to_thread(self.cache_call, effect)
        return self.cache_call(effect)

    def _list_candidates(self, effect: ListCandidates) -> list[Any]:
        source = self._host.secret_source(effect.reference.scheme)
        candidates = getattr(source, "rotation_candidates", None)
        if candidates is None:
            return [effect.reference]
        return list(candidates(effect.reference))

    def _on_retry(self, attempt: int, delay: float, error: TransientError) -> None:
        self._host.emit(
            TokenRetried(
                client_id=self._config.client_id,
                token_endpoint=self._config.token_endpoint or self._config.issuer or "",
                attempt=attempt,
                delay_seconds=delay,
                reason=error.reason,
                status=error.status,
                rate_limit=rate_limit_headers(error.headers),
            )
        )

    def _exhausted(self, error: TransientError, url: str) -> RetriesExhaustedError:
        policy = self._config.retry
        return RetriesExhaustedError(
            f"token endpoint {url} still failing after retries ({policy.attempts} attempts "
            f"within {policy.deadline:g}s allowed): {error.reason}",
            endpoint=url,
            attempts=policy.attempts,
            status=error.status,
        )

    def close(self) -> None:
        """Close the transport's HTTP client."""
        self._transport.close()
