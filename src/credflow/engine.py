"""`TokenEngine`: cached tokens, renewed ahead of expiry, one fetch at a time.

The hot path — a token that is not yet due for renewal — reads one attribute
and the monotonic clock: no lock, no I/O. Otherwise callers join a *flight*:
the first caller (thread or asyncio task) starts it, every other caller waits
for its result, so a burst of callers costs one token request. A token in its
renewal window is still served while a background flight renews it; if that
renewal fails the token is served until it expires and renewal is tried again
later. The acquisition itself (`acquisition.py`) is written once and driven
here by a sync and an async driver.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .acquisition import (
    Acquisition,
    CacheCall,
    Effect,
    Flow,
    GetJson,
    ListCandidates,
    PostToken,
    ResolveSecret,
    Sleep,
    renewal_times,
)
from .cache import CacheScope, TokenCacheBackend, cache_key
from .clock import Clock, SystemClock
from .config import ClientConfig
from .errors import CredflowError, OAuthError, RetriesExhaustedError, TokenEndpointError
from .events import TokenFailed, TokenRequestReason, TokenRetried
from .plugins import PluginHost, default_plugin_host
from .retry import TransientError, acall_with_retry, call_with_retry
from .token import Token
from .transport import TokenTransport

if TYPE_CHECKING:
    import httpx

    from .auth import HttpxAuth, RequestsAuth

__all__ = ["TokenEngine"]

logger = logging.getLogger("credflow.engine")


@dataclass(frozen=True, slots=True)
class _Slot:
    """The current token with its deadlines on the monotonic clock."""

    token: Token
    renew_at: float
    usable_until: float


class _Flight:
    """One acquisition in progress; everyone who needs its token waits on `future`."""

    __slots__ = ("future", "reason")

    def __init__(self, reason: TokenRequestReason) -> None:
        self.reason = reason
        self.future: concurrent.futures.Future[Token] = concurrent.futures.Future()


class TokenEngine:
    """Gets, caches and renews the tokens of one client.

    `plugins` defaults to the process-wide `PluginHost` (entry-point
    plugins); `clock` to the system clocks.
    """

    def __init__(
        self,
        config: ClientConfig,
        *,
        plugins: PluginHost | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.config = config
        self._host = plugins or default_plugin_host()
        self._clock = clock or SystemClock()
        self._monotonic: Callable[[], float] = self._clock.monotonic
        endpoint_id = config.token_endpoint or config.issuer or ""
        self._acquisition = Acquisition(
            config,
            cache_key(endpoint_id, config.client_id, config.scopes, config.audience, config.resource),
            self._host.emit,
            self._clock.now,
        )
        self._backend: TokenCacheBackend = self._host.token_cache(config.cache.backend, config.cache.settings)
        self._transport = TokenTransport(timeout=config.timeout, ca_bundle=config.ca_bundle)
        self._slot: _Slot | None = None
        self._flight: _Flight | None = None
        self._flight_lock = threading.Lock()
        self._renewal_not_before = 0.0
        self._rejected_fingerprint: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    def __repr__(self) -> str:
        endpoint = self.config.token_endpoint or self.config.issuer
        return f"<TokenEngine client_id={self.config.client_id!r} endpoint={endpoint!r}>"

    # --- the hot path -----------------------------------------------------

    def get_token(self, *, timeout: float | None = None) -> Token:
        """Return a valid token, fetching one only when needed.

        `timeout` bounds how long this call waits for a fetch in progress
        (the fetch itself goes on for other callers).
        """
        slot = self._slot
        if slot is not None and self._monotonic() < slot.renew_at:
            return slot.token
        return self._get_token_slow(slot, timeout)

    async def aget_token(self, *, timeout: float | None = None) -> Token:
        """The asynchronous `get_token`; never blocks the event loop."""
        slot = self._slot
        if slot is not None and self._monotonic() < slot.renew_at:
            return slot.token
        return await self._aget_token_slow(slot, timeout)

    # --- flights ----------------------------------------------------------

    def _usable(self, slot: _Slot | None, now: float) -> bool:
        return slot is not None and now < slot.usable_until

    def _join(self, reason: TokenRequestReason) -> tuple[_Flight, bool] | Token:
        """Join the flight in progress, start one (leader), or find the token ready."""
        with self._flight_lock:
            slot = self._slot
            if slot is not None and self._monotonic() < slot.renew_at:
                return slot.token
            flight = self._flight
            if flight is not None:
                return flight, False
            flight = self._flight = _Flight(reason)
            return flight, True

    def _renewal_due(self, now: float) -> bool:
        return self._flight is None and now >= self._renewal_not_before

    def _reason(self, slot: _Slot | None) -> TokenRequestReason:
        if slot is not None:
            return "expired"
        return "invalidated" if self._rejected_fingerprint is not None else "cold"

    def _get_token_slow(self, slot: _Slot | None, timeout: float | None) -> Token:
        now = self._monotonic()
        if self._usable(slot, now):
            assert slot is not None
            if self._renewal_due(now):
                joined = self._join("renewal")
                if isinstance(joined, tuple) and joined[1]:
                    threading.Thread(
                        target=self._run_flight, args=(joined[0],), name="credflow-renewal", daemon=True
                    ).start()
            return slot.token
        joined = self._join(self._reason(slot))
        if isinstance(joined, Token):
            return joined
        flight, leader = joined
        if leader:
            if timeout is None:
                self._run_flight(flight)
            else:
                threading.Thread(
                    target=self._run_flight, args=(flight,), name="credflow-fetch", daemon=True
                ).start()
        return self._wait(flight, timeout)

    def _wait(self, flight: _Flight, timeout: float | None) -> Token:
        try:
            return flight.future.result(timeout=timeout if timeout is not None else self._wait_limit())
        except concurrent.futures.TimeoutError:
            raise self._timed_out(timeout) from None

    def _wait_limit(self) -> float:
        # Long enough for any retry series (and a shared-lock wait); a bound so nothing hangs forever.
        return 2 * (self.config.retry.deadline + self.config.timeout) + 30.0

    def _timed_out(self, timeout: float | None) -> TokenEndpointError:
        return TokenEndpointError(
            f"no token from {self.config.token_endpoint or self.config.issuer} within "
            f"{timeout if timeout is not None else self._wait_limit():g} seconds",
            endpoint=self.config.token_endpoint or self.config.issuer or "",
        )

    async def _aget_token_slow(self, slot: _Slot | None, timeout: float | None) -> Token:
        now = self._monotonic()
        if self._usable(slot, now):
            assert slot is not None
            if self._renewal_due(now):
                joined = self._join("renewal")
                if isinstance(joined, tuple) and joined[1]:
                    self._start_task(joined[0])
            return slot.token
        joined = self._join(self._reason(slot))
        if isinstance(joined, Token):
            return joined
        flight, leader = joined
        if leader:
            self._start_task(flight)
        waiter = asyncio.shield(asyncio.wrap_future(flight.future))
        try:
            return await asyncio.wait_for(waiter, timeout if timeout is not None else self._wait_limit())
        except TimeoutError:
            raise self._timed_out(timeout) from None

    def _start_task(self, flight: _Flight) -> None:
        # The flight runs as its own task so that a cancelled caller does not cancel it for the others.
        task = asyncio.get_running_loop().create_task(self._arun_flight(flight))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _finish(self, flight: _Flight, token: Token | None, error: BaseException | None) -> None:
        if token is not None:
            now_wall, now = self._clock.now(), self._monotonic()
            renew_at, usable_until = renewal_times(token, self.config)
            self._slot = _Slot(
                token,
                now + (renew_at - now_wall).total_seconds(),
                now + (usable_until - now_wall).total_seconds(),
            )
            self._renewal_not_before = 0.0
            self._rejected_fingerprint = None
        else:
            slot = self._slot
            now = self._monotonic()
            if slot is not None and now < slot.usable_until:
                # Keep serving the valid token; try renewing again after a pause.
                self._renewal_not_before = now + max(0.5, min(30.0, (slot.usable_until - now) / 4))
            self._emit_failure(error)
        with self._flight_lock:
            self._flight = None
        if token is not None:
            flight.future.set_result(token)
        else:
            flight.future.set_exception(error or RuntimeError("token acquisition failed"))

    def _emit_failure(self, error: BaseException | None) -> None:
        self._host.emit(
            TokenFailed(
                client_id=self.config.client_id,
                token_endpoint=getattr(error, "endpoint", None)
                or self.config.token_endpoint
                or self.config.issuer
                or "",
                error_type=type(error).__name__,
                message=str(error),
                oauth_error=error.error if isinstance(error, OAuthError) else None,
                status=getattr(error, "status", None),
            )
        )

    # --- the sync driver --------------------------------------------------

    def _run_flight(self, flight: _Flight) -> None:
        try:
            token = self._drive(self._acquisition.acquire(flight.reason, self._rejected_fingerprint))
        except Exception as exc:
            if not isinstance(exc, CredflowError):
                logger.exception("unexpected error while acquiring a token")
            self._finish(flight, None, exc)
        else:
            self._finish(flight, token, None)

    def _drive(self, flow: Flow) -> Token:
        result: Any = None
        error: Exception | None = None
        while True:
            try:
                effect = flow.throw(error) if error is not None else flow.send(result)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            result, error = None, None
            try:
                result = self._perform(effect)
            except Exception as exc:
                error = exc

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, PostToken):
            return self._with_retry(lambda: self._transport.post(effect.request), effect.request.url)
        if isinstance(effect, ResolveSecret):
            return self._host.resolve_secret(effect.reference, fresh=effect.fresh)
        if isinstance(effect, CacheCall):
            return self._cache_call(effect)
        if isinstance(effect, GetJson):
            return self._with_retry(lambda: self._transport.get(effect.url), effect.url)
        if isinstance(effect, ListCandidates):
            return self._list_candidates(effect)
        if isinstance(effect, Sleep):
            time.sleep(effect.seconds)
            return None
        raise TypeError(f"unknown effect {effect!r}")

    def _with_retry(self, send: Callable[[], Any], url: str) -> Any:
        try:
            return call_with_retry(send, self.config.retry, on_retry=self._on_retry)
        except TransientError as exc:
            raise self._exhausted(exc, url) from None

    # --- the async driver -------------------------------------------------

    async def _arun_flight(self, flight: _Flight) -> None:
        try:
            token = await self._adrive(self._acquisition.acquire(flight.reason, self._rejected_fingerprint))
        except asyncio.CancelledError:
            self._finish(
                flight,
                None,
                TokenEndpointError(
                    "the event loop running this token request was stopped",
                    endpoint=self.config.token_endpoint or self.config.issuer or "",
                ),
            )
            raise
        except Exception as exc:
            if not isinstance(exc, CredflowError):
                logger.exception("unexpected error while acquiring a token")
            self._finish(flight, None, exc)
        else:
            self._finish(flight, token, None)

    async def _adrive(self, flow: Flow) -> Token:
        async with self._transport.async_client() as client:
            result: Any = None
            error: Exception | None = None
            while True:
                try:
                    effect = flow.throw(error) if error is not None else flow.send(result)
                except StopIteration as stop:
                    return stop.value  # type: ignore[no-any-return]
                result, error = None, None
                try:
                    result = await self._aperform(effect, client)
                except Exception as exc:
                    error = exc

    async def _aperform(self, effect: Effect, client: httpx.AsyncClient) -> Any:
        if isinstance(effect, PostToken):
            return await self._awith_retry(
                lambda: self._transport.apost(client, effect.request), effect.request.url
            )
        if isinstance(effect, ResolveSecret):
            return await self._host.aresolve_secret(effect.reference, fresh=effect.fresh)
        if isinstance(effect, CacheCall):
            if self._backend.blocking:
                return await asyncio.to_thread(self._cache_call, effect)
            return self._cache_call(effect)
        if isinstance(effect, GetJson):
            return await self._awith_retry(lambda: self._transport.aget(client, effect.url), effect.url)
        if isinstance(effect, ListCandidates):
            return await asyncio.to_thread(self._list_candidates, effect)
        if isinstance(effect, Sleep):
            await asyncio.sleep(effect.seconds)
            return None
        raise TypeError(f"unknown effect {effect!r}")

    async def _awith_retry(self, send: Callable[[], Any], url: str) -> Any:
        try:
            return await acall_with_retry(send, self.config.retry, on_retry=self._on_retry)
        except TransientError as exc:
            raise self._exhausted(exc, url) from None

    # --- shared by both drivers -------------------------------------------

    def _on_retry(self, attempt: int, delay: float, error: TransientError) -> None:
        self._host.emit(
            TokenRetried(
                client_id=self.config.client_id,
                token_endpoint=self.config.token_endpoint or self.config.issuer or "",
                attempt=attempt,
                delay_seconds=delay,
                reason=error.reason,
            )
        )

    def _exhausted(self, error: TransientError, url: str) -> RetriesExhaustedError:
        policy = self.config.retry
        return RetriesExhaustedError(
            f"token endpoint {url} still failing after retries ({policy.attempts} attempts "
            f"within {policy.deadline:g}s allowed): {error.reason}",
            endpoint=url,
            attempts=policy.attempts,
            status=error.status,
        )

    def _cache_call(self, effect: CacheCall) -> Any:
        try:
            return getattr(self._backend, effect.method)(*effect.args)
        except Exception:
            # A cache backend must never turn into an outage: behave as a miss.
            logger.warning(
                "token cache %s failed in %s; continuing without it",
                self.config.cache.backend,
                effect.method,
                exc_info=True,
            )
            return "local" if effect.method == "try_lock" else None

    def _list_candidates(self, effect: ListCandidates) -> list[Any]:
        source = self._host.secret_source(effect.reference.scheme)
        candidates = getattr(source, "rotation_candidates", None)
        if candidates is None:
            return [effect.reference]
        return list(candidates(effect.reference))

    # --- invalidation -----------------------------------------------------

    def invalidate(self, token: Token | None = None) -> None:
        """Drop `token` (or the current token) because an API rejected it.

        The next `get_token()` fetches a new token. A token other than the
        current one is ignored, so late 401s of an old token cause no refetch.
        """
        scope = self._drop(token)
        if scope is not None:
            self._cache_call(CacheCall("delete", scope))

    async def ainvalidate(self, token: Token | None = None) -> None:
        """The asynchronous `invalidate`."""
        scope = self._drop(token)
        if scope is not None:
            if self._backend.blocking:
                await asyncio.to_thread(self._cache_call, CacheCall("delete", scope))
            else:
                self._cache_call(CacheCall("delete", scope))

    def _drop(self, token: Token | None) -> tuple[CacheScope, str] | None:
        with self._flight_lock:
            slot = self._slot
            if slot is None or (token is not None and slot.token.fingerprint != token.fingerprint):
                return None
            self._slot = None
            self._rejected_fingerprint = slot.token.fingerprint
        secret = self._acquisition.last_secret
        if secret is None:
            return None
        return (
            CacheScope(self._acquisition.cache_key, self.config.client_id, secret),
            slot.token.fingerprint,
        )

    # --- HTTP auth --------------------------------------------------------

    def httpx_auth(self) -> HttpxAuth:
        """An `httpx.Auth` for `httpx.Client` and `httpx.AsyncClient`."""
        from .auth import HttpxAuth

        return HttpxAuth(self)

    def requests_auth(self) -> RequestsAuth:
        """A `requests` auth (`requests.get(url, auth=engine.requests_auth())`)."""
        from .auth import RequestsAuth

        return RequestsAuth(self)

    def close(self) -> None:
        """Close the HTTP client the engine keeps for the token endpoint."""
        self._transport.close()

    def __enter__(self) -> TokenEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
