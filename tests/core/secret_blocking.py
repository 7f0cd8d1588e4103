"""Secret sources that block, for the tests of bounded secret reads."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from credflow import SecretReference, SecretValue, hookimpl

T = TypeVar("T")

# Bound of a secret read for the engines of these tests: retry.deadline + timeout. `timeout` also
# bounds each whole token request, which these engines make too: a loaded machine needs seconds.
SHORT_DEADLINE = 0.2
SHORT_TIMEOUT = 2.0
SECRET_BOUND = SHORT_DEADLINE + SHORT_TIMEOUT
# How long a test waits before declaring that the call hangs (far beyond the bound).
HANG = 20.0


class BlockingSecrets:
    """A `slow:` source whose fetch waits on `release` before answering `value`."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.release = threading.Event()
        self.fetches = 0
        self.threads: list[threading.Thread] = []

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        self.fetches += 1
        self.threads.append(threading.current_thread())
        self.release.wait()
        return SecretValue(self.value)

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("slow", lambda context: self)


class AsyncBlockingSecrets:
    """An `aslow:` source with a native `afetch` that waits on `release` (asyncio) before answering."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.release = asyncio.Event()
        self.cancelled = 0

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        raise AssertionError("the async path must await afetch")

    async def afetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return SecretValue(self.value)

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("aslow", lambda context: self)


def make_fifo(directory: Path) -> Path:
    """A named pipe nobody writes to."""
    path = directory / "client-secret"
    os.mkfifo(path)
    return path


def replace_with_file(path: Path, text: str) -> None:
    """Swap `path` for a regular file holding `text`, atomically (as a secret mount does)."""
    staged = path.with_name(path.name + ".new")
    staged.write_text(text)
    os.replace(staged, path)


def within(call: Callable[[], T], seconds: float = HANG) -> T:
    """Run `call` on a daemon thread; fail (rather than hang the suite) if it is not done in time."""
    outcome: list[Any] = []

    def target() -> None:
        try:
            outcome.append(("value", call()))
        except BaseException as exc:
            outcome.append(("error", exc))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if not outcome:
        raise AssertionError(f"the call was still blocked after {seconds}s")
    kind, value = outcome[0]
    if kind == "error":
        raise value
    return value  # type: ignore[no-any-return]


class SlowListing:
    """A `listing:` source: reads answer at once; listing rotation candidates waits on `release`."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.release = threading.Event()
        self.listings = 0

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        return SecretValue(self.value)

    def rotation_candidates(self, reference: SecretReference) -> list[SecretReference]:
        self.listings += 1
        self.release.wait()
        return [reference]

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        register("listing", lambda context: self)
