"""`wait_until` and `await_until`: poll a condition until it holds or a deadline passes."""

from __future__ import annotations

import asyncio
import threading
from itertools import count

import pytest

from credflow.testing import await_until, wait_until


def test_wait_until_returns_the_first_true_value() -> None:
    """The predicate is called until it returns something true; that value is returned."""
    calls = count(1)
    assert 3 == wait_until(lambda: (n := next(calls)) >= 3 and n, interval=0)


def test_wait_until_sees_what_another_thread_does() -> None:
    """A condition set by another thread ends the wait."""
    happened = threading.Event()
    setter = threading.Timer(0.05, happened.set)
    setter.start()
    try:
        assert True is wait_until(happened.is_set)
    finally:
        setter.cancel()


def test_wait_until_fails_at_the_deadline_naming_the_condition() -> None:
    """A condition that never holds fails the test with the message, once `timeout` has passed."""
    with pytest.raises(AssertionError, match=r"still not true after 0\.05 s: the queue drained"):
        wait_until(lambda: False, timeout=0.05, message="the queue drained")


async def test_await_until_lets_the_event_loop_run() -> None:
    """The loop runs other tasks while `await_until` waits for them."""
    done: list[str] = []

    async def worker() -> None:
        await asyncio.sleep(0.01)
        done.append("worker")

    task = asyncio.ensure_future(worker())
    assert ["worker"] == await await_until(lambda: done)
    await task


async def test_await_until_fails_at_the_deadline() -> None:
    """`await_until` fails like `wait_until` when the condition never holds."""
    with pytest.raises(AssertionError, match=r"still not true after 0\.05 s"):
        await await_until(lambda: False, timeout=0.05)


async def test_await_until_awaits_an_async_predicate() -> None:
    """An async predicate is awaited on each poll, and its first true value returned."""
    polls: list[int] = []

    async def third_poll() -> int:
        polls.append(len(polls) + 1)
        return polls[-1] if len(polls) == 3 else 0

    assert (3, [1, 2, 3]) == (await await_until(third_poll), polls)
