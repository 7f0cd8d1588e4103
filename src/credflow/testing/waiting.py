"""Wait for something a test expects to happen, instead of sleeping and hoping.

`wait_until(predicate)` polls until `predicate()` returns something true and
returns that value; `await_until` does the same without blocking the event
loop. Both fail with `AssertionError` once `timeout` seconds have passed, so a
slow, loaded machine makes a test slower, never wrong, and a real failure
still ends the test.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, overload

__all__ = ["await_until", "wait_until"]

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0
DEFAULT_INTERVAL = 0.01


def wait_until(
    predicate: Callable[[], T],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    message: str = "",
) -> T:
    """Call `predicate` every `interval` seconds until it returns a true value; return that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(_timed_out(predicate, timeout, message))
        time.sleep(interval)


@overload
async def await_until(
    predicate: Callable[[], Awaitable[T]],
    *,
    timeout: float = ...,
    interval: float = ...,
    message: str = ...,
) -> T: ...
@overload
async def await_until(
    predicate: Callable[[], T],
    *,
    timeout: float = ...,
    interval: float = ...,
    message: str = ...,
) -> T: ...
async def await_until(
    predicate: Callable[[], Any],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = DEFAULT_INTERVAL,
    message: str = "",
) -> Any:
    """`wait_until` for async tests: the event loop runs while it waits; an awaitable result is awaited."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = predicate()
        value = await outcome if inspect.isawaitable(outcome) else outcome
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(_timed_out(predicate, timeout, message))
        await asyncio.sleep(interval)


def _timed_out(predicate: Callable[[], object], timeout: float, message: str) -> str:
    # The predicate's name, not its last value: a value may be a token or a secret.
    what = message or getattr(predicate, "__qualname__", repr(predicate))
    return f"still not true after {timeout:g} s: {what}"
