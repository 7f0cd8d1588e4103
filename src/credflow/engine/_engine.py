"""`TokenEngine`: cached tokens, renewed ahead of expiry, one fetch at a time.

The hot path — a token that is not yet due for renewal — reads one attribute
and the monotonic clock: no lock, no I/O. Otherwise callers join a *flight*:
the first caller (thread or asyncio task) starts it, every other caller waits
for its result, so a burst of callers costs one token request. A token in its
renewal window is still served while a background flight renews it; if that
renewal fails the token is served until it expires and renewal is tried again
later. The acquisition itself (`_acquisition`) is written once; `_effects`
performs its effects on the sync or the async path.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import operator
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..clock import Clock, SystemClock
from ..config._client import ClientConfig
from ..errors import CredentialsRejectedError, CredflowError, OAuthError, TokenEndpointError
from ..events import (
    AcquisitionEnded,
    AcquisitionStarted,
    EngineStarted,
    Outcome,
    TokenFailed,
    TokenRequestReason,
)
from ..plugins._host import PluginHost, default_plugin_host
from ..token import Token
from ..transport._http import TokenTransport
from ._acquisition import Acquisition, CacheDelete
from ._cache import CacheScope, cache_key, renewal_times
from ._effects import EffectRunner

if TYPE_CHECKING:
    from ..http_auth import HttpxAuth, RequestsAuth

__all__ = ["TokenEngine"]

logger = logging.getLogger("credflow.engine")

# Pairs each AcquisitionStarted with its AcquisitionEnded, across every engine of the process.
_acquisition_ids = itertools.count(1)


@dataclass(frozen=True, slots=True)
class _Slot:
    """The current token with its deadlines on the monotonic clock."""

    token: Token
    renew_at: float
    usable_until: float


class _Flight:
    """One acquisition in progress; everyone who needs its token waits on `future`.

    `callers` counts the callers waiting on it (changed under the engine's flight lock).
    """

    __slots__ = ("acquisition_id", "callers", "future", "reason", "started")

    def __init__(self, reason: TokenRequestReason, callers: int) -> None:
        self.reason = reason
        self.callers = callers
        self.acquisition_id = 0
        self.started = 0.0
        self.future: concurrent.futures.Future[Token] = concurrent.futures.Future()


class _Tally:
    """A count kept without a lock: `itertools.count`, advanced in C (atomic under the GIL).

    `read()` (when metrics are collected) advances it too, and subtracts its own reads.
    """

    __slots__ = ("_reads", "add", "count")

    def __init__(self) -> None:
        self.count = itertools.count()
        self.add = self.count.__next__
        self._reads = 0

    def read(self) -> int:
        value = next(self.count) - self._reads
        self._reads += 1
        return value


class _HitCount:
    """How many calls an engine answered from its own token, counted with no lock on the hot path.

    The hot path reads the clock as `next(clock_reads)`: a `starmap` calling
    `monotonic()` once per item of a `repeat((), sys.maxsize)`, whose
    remaining length drops by one per read. The count is kept inside that one
    C call, with no lock and no object beyond the clock's float. On CPython
    3.11 this costs less than calling `monotonic` held in an attribute (the
    builtin `next` call is specialised, that one is not), so every engine
    counts and no engine needs a second, uncounted hot path. The slow path
    corrects the count (`joined`). Holds no reference to the engine, so a
    telemetry plugin keeping `read` does not keep the engine alive.
    """

    __slots__ = ("_lock", "_repeats", "_reported", "_ticked_misses", "_unticked_hits", "clock_reads")

    def __init__(self, monotonic: Callable[[], float]) -> None:
        self._repeats = itertools.repeat((), sys.maxsize)
        self.clock_reads = itertools.starmap(monotonic, self._repeats)
        self._ticked_misses = _Tally()  # ticked calls that went on to wait for a flight
        self._unticked_hits = _Tally()  # calls with no token to tick that found one ready
        self._reported = 0
        self._lock = threading.Lock()

    def joined(self, ticked: bool, joined: object) -> None:
        """Correct the count for a caller that reached the flight lock (`joined`: a token or a flight)."""
        if ticked and not isinstance(joined, Token):
            self._ticked_misses.add()
        elif not ticked and isinstance(joined, Token):
            self._unticked_hits.add()

    def read(self) -> int:
        """The hits so far; never less than the last answer (a caller between tick and correction)."""
        with self._lock:
            ticked = sys.maxsize - operator.length_hint(self._repeats)
            hits = ticked - self._ticked_misses.read() + self._unticked_hits.read()
            self._reported = max(self._reported, hits)
            return self._reported


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
        self._acquisition = Acquisition(
            config,
            cache_key(config),
            self._host.emit,
            self._clock.now,
        )
        self._effects = EffectRunner(
            config,
            self._host,
            self._host.token_cache(config.cache.backend, config.cache.settings),
            TokenTransport(timeout=config.timeout, ca_bundle=config.ca_bundle),
        )
        self._slot: _Slot | None = None
        self._hits = _HitCount(self._clock.monotonic)
        self._clock_reads = self._hits.clock_reads  # the hot path reads the clock and counts (_HitCount)
        self._flight: _Flight | None = None
        self._flight_lock = threading.Lock()
        self._renewal_not_before = 0.0
        self._rejected_fingerprint: str | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._host.emit(EngineStarted(client_id=config.client_id, cache_hits=self._hits.read))

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
        if slot is not None and next(self._clock_reads) < slot.renew_at:
            return slot.token
        return self._get_token_slow(slot, timeout)

    async def aget_token(self, *, timeout: float | None = None) -> Token:
        """The asynchronous `get_token`; never blocks the event loop."""
        slot = self._slot
        if slot is not None and next(self._clock_reads) < slot.renew_at:
            return slot.token
        return await self._aget_token_slow(slot, timeout)

    # --- flights ----------------------------------------------------------

    def _join(self, reason: TokenRequestReason, *, waiting: bool = True) -> tuple[_Flight, bool] | Token:
        """Join the flight in progress, start one (leader), or find the token ready.

        `waiting=False` starts a flight nobody waits for (a background renewal).
        """
        with self._flight_lock:
            slot = self._slot
            if slot is not None and self._monotonic() < slot.renew_at:
                return slot.token
            flight = self._flight
            if flight is not None:
                flight.callers += waiting
                return flight, False
            flight = self._flight = _Flight(reason, int(waiting))
            return flight, True

    def _renewal_to_start(self, now: float) -> _Flight | None:
        """The background renewal this caller must start, if one is due and nobody started it."""
        if self._flight is not None or now < self._renewal_not_before:
            return None
        joined = self._join("renewal", waiting=False)
        return joined[0] if isinstance(joined, tuple) and joined[1] else None

    def _reason(self, slot: _Slot | None) -> TokenRequestReason:
        if slot is not None:
            return "expired"
        return "invalidated" if self._rejected_fingerprint is not None else "cold"

    def _get_token_slow(self, slot: _Slot | None, timeout: float | None) -> Token:
        now = self._monotonic()
        if slot is not None and now < slot.usable_until:
            renewal = self._renewal_to_start(now)
            if renewal is not None:
                threading.Thread(
                    target=self._run_flight, args=(renewal,), name="credflow-renewal", daemon=True
                ).start()
            return slot.token
        joined = self._join(self._reason(slot))
        self._hits.joined(slot is not None, joined)
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
        if slot is not None and now < slot.usable_until:
            renewal = self._renewal_to_start(now)
            if renewal is not None:
                self._start_task(renewal)
            return slot.token
        joined = self._join(self._reason(slot))
        self._hits.joined(slot is not None, joined)
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
        self._emit_ended(flight, token, error)
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

    def _emit_ended(self, flight: _Flight, token: Token | None, error: BaseException | None) -> None:
        outcome: Outcome = (
            "issued"
            if token is not None
            else "rejected"
            if isinstance(error, CredentialsRejectedError)
            else "error"
        )
        self._host.emit(
            AcquisitionEnded(
                acquisition_id=flight.acquisition_id,
                client_id=self.config.client_id,
                reason=flight.reason,
                outcome=outcome,
                token_source=self._acquisition.token_source if token is not None else None,
                callers=flight.callers,
                duration_seconds=time.perf_counter() - flight.started,
                error_type=type(error).__name__ if error is not None else None,
            )
        )

    # --- running a flight -------------------------------------------------

    def _begin(self, flight: _Flight) -> None:
        """Stamp the flight and announce it, on the thread or task that runs it (both paths)."""
        flight.acquisition_id = next(_acquisition_ids)
        flight.started = time.perf_counter()
        self._host.emit(
            AcquisitionStarted(
                acquisition_id=flight.acquisition_id, client_id=self.config.client_id, reason=flight.reason
            )
        )

    def _run_flight(self, flight: _Flight) -> None:
        self._begin(flight)
        try:
            token = self._effects.run(self._acquisition.acquire(flight.reason, self._rejected_fingerprint))
        except Exception as exc:
            self._failed(flight, exc)
        else:
            self._finish(flight, token, None)

    async def _arun_flight(self, flight: _Flight) -> None:
        self._begin(flight)
        try:
            token = await self._effects.arun(
                self._acquisition.acquire(flight.reason, self._rejected_fingerprint)
            )
        except asyncio.CancelledError:
            stopped = TokenEndpointError(
                "the event loop running this token request was stopped",
                endpoint=self.config.token_endpoint or self.config.issuer or "",
            )
            self._finish(flight, None, stopped)
            raise
        except Exception as exc:
            self._failed(flight, exc)
        else:
            self._finish(flight, token, None)

    def _failed(self, flight: _Flight, error: Exception) -> None:
        if not isinstance(error, CredflowError):
            logger.exception("unexpected error while acquiring a token")
        self._finish(flight, None, error)

    # --- invalidation -----------------------------------------------------

    def invalidate(self, token: Token | None = None) -> None:
        """Drop `token` (or the current token) because an API rejected it.

        The next `get_token()` fetches a new token. A token other than the
        current one is ignored, so late 401s of an old token cause no refetch.
        """
        scope = self._drop(token)
        if scope is not None:
            self._effects.cache_call(CacheDelete(*scope))

    async def ainvalidate(self, token: Token | None = None) -> None:
        """The asynchronous `invalidate`."""
        scope = self._drop(token)
        if scope is not None:
            await self._effects.acache_call(CacheDelete(*scope))

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
        from ..http_auth import HttpxAuth

        return HttpxAuth(self)

    def requests_auth(self) -> RequestsAuth:
        """A `requests` auth (`requests.get(url, auth=engine.requests_auth())`)."""
        from ..http_auth import RequestsAuth

        return RequestsAuth(self)

    def close(self) -> None:
        """Close the HTTP client the engine keeps for the token endpoint."""
        self._effects.close()

    def __enter__(self) -> TokenEngine:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
