"""Retrying the token endpoint: the one module that imports tenacity.

`RetryPolicy` is a frozen value with opinionated defaults (5 attempts within
30 seconds, exponential backoff with full jitter). A failure is retried only
when it is `TransientError`: a connection error, a timeout, a 5xx or a 429.
A server's `Retry-After` replaces the backoff, capped by what is left of the
deadline. `set_testing()` removes the waits, for our tests and our users'.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from ..config._checks import check_integer, check_seconds

if TYPE_CHECKING:
    # Imported where a retry runs: loading a configuration (RetryPolicy) does not need it.
    import tenacity

__all__ = ["RetryPolicy", "TransientError", "acall_with_retry", "call_with_retry", "set_testing"]

T = TypeVar("T")

_testing = False

#: More attempts than this is a typo; the deadline bounds a long series anyway.
MAX_ATTEMPTS = 1000


def set_testing(testing: bool = True) -> None:
    """Skip the waits between attempts; delays are still computed and reported to audit hooks."""
    global _testing  # noqa: PLW0603 - a process-wide switch, like stamina.set_testing
    _testing = testing


def is_testing() -> bool:
    """Tell whether `set_testing(True)` is in force."""
    return _testing


class TransientError(Exception):
    """A failure worth another attempt. `retry_after` is the server's wish, in seconds."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after
        # The answer's rate-limit and quota headers, for the audit hooks (never a secret).
        self.headers: Mapping[str, str] = headers or {}


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How the token endpoint is retried.

    `attempts` counts the first try; `deadline` bounds the whole series
    (seconds or `timedelta`); waits grow from `initial_backoff` doubling up to
    `max_backoff`, each drawn uniformly from zero to that bound (full jitter).
    """

    attempts: int = field(
        default=5,
        metadata={"doc": "How many times the token endpoint is tried in all, the first try included."},
    )
    deadline: float = field(
        default=30.0,
        metadata={"doc": "Give up retrying once this many seconds have passed since the first try."},
    )
    initial_backoff: float = field(
        default=0.2,
        metadata={
            "doc": "Upper bound in seconds of the first wait; each wait is drawn from 0 to the bound "
            "(full jitter), the bound doubling after each failure."
        },
    )
    max_backoff: float = field(
        default=5.0,
        metadata={
            "doc": "The largest bound in seconds a wait is drawn from. A server's `Retry-After` replaces "
            "the backoff, capped by the deadline."
        },
    )

    def __post_init__(self) -> None:
        check_integer(self.attempts, "retry.attempts", minimum=1, maximum=MAX_ATTEMPTS)
        for name in ("deadline", "initial_backoff", "max_backoff"):
            object.__setattr__(self, name, check_seconds(getattr(self, name), f"retry.{name}"))

    def backoff(self, attempt: int) -> float:
        """The full-jitter wait after failed attempt number `attempt` (1-based)."""
        import random  # here: only a retry needs it, not a process that reads its configuration

        bound = min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1))
        return random.uniform(0, bound)  # noqa: S311 - jitter, not cryptography


OnRetry = Callable[[int, float, TransientError], None]


def _real_sleep(asynchronous: bool) -> Callable[[float], Any]:
    if asynchronous:
        import asyncio  # on use: loading a configuration (RetryPolicy) needs no event loop

        return asyncio.sleep
    return time.sleep


def _skip_sleep(asynchronous: bool) -> Callable[[float], Any]:
    return _asleep_for_testing if asynchronous else _sleep_for_testing


def _sleep_for_testing(seconds: float) -> None:
    # The delay is still computed and reported to on_retry; only the waiting is skipped.
    return None


async def _asleep_for_testing(seconds: float) -> None:
    return None


def _tenacity_arguments(policy: RetryPolicy, on_retry: OnRetry | None, asynchronous: bool) -> dict[str, Any]:
    import tenacity

    def wait(state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        delay = policy.backoff(state.attempt_number)
        if isinstance(error, TransientError) and error.retry_after is not None:
            delay = error.retry_after
        remaining = policy.deadline - (state.seconds_since_start or 0.0)
        return max(0.0, min(delay, remaining))

    def stop(state: tenacity.RetryCallState) -> bool:
        if state.attempt_number >= policy.attempts:
            return True
        return (state.seconds_since_start or 0.0) >= policy.deadline

    def before_sleep(state: tenacity.RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        if on_retry is not None and isinstance(error, TransientError):
            sleep = state.next_action.sleep if state.next_action else 0.0
            on_retry(state.attempt_number, sleep, error)

    return {
        "sleep": _skip_sleep(asynchronous) if _testing else _real_sleep(asynchronous),
        "stop": stop,
        "wait": wait,
        "retry": tenacity.retry_if_exception_type(TransientError),
        "before_sleep": before_sleep,
        "reraise": True,
    }


def call_with_retry(fn: Callable[[], T], policy: RetryPolicy, *, on_retry: OnRetry | None = None) -> T:
    """Call `fn` until it returns, raises a non-transient error, or the policy gives up.

    When it gives up, the last `TransientError` is raised.
    """
    import tenacity

    retrying = tenacity.Retrying(**_tenacity_arguments(policy, on_retry, asynchronous=False))
    return retrying(fn)


async def acall_with_retry(
    fn: Callable[[], Awaitable[T]], policy: RetryPolicy, *, on_retry: OnRetry | None = None
) -> T:
    """The asynchronous twin of `call_with_retry`; waits with `asyncio.sleep`."""
    import tenacity

    retrying = tenacity.AsyncRetrying(**_tenacity_arguments(policy, on_retry, asynchronous=True))

    # tenacity awaits only what it sees is a coroutine function; `fn` may be a lambda.
    async def attempt() -> T:
        return await fn()

    return await retrying(attempt)
