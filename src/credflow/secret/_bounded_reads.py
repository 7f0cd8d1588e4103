"""Secret reads bounded in time, on daemon worker threads that may be abandoned.

A secret source can block where no timeout reaches: a file on a hung NFS
mount, a plugin whose client has no timeout. The engine must not block with
it, so every read runs on a worker thread and the caller waits at most its
bound. A read still running at the bound is *abandoned*: the caller gets a
`SecretSourceUnavailableError`, the thread is left to finish on its own
(daemon, so it never holds up interpreter exit) and its result is dropped.

Abandoned threads cannot pile up: while an abandoned read of a reference is
still running, further reads of that reference are refused at once, and a
scheme with `MAX_STUCK_PER_SCHEME` stuck reads refuses every reference. The
workers are pooled (an idle worker waits `_IDLE_SECONDS` for the next read),
so a healthy source costs no thread start per read.
"""

from __future__ import annotations

import contextvars
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..errors import SecretSourceUnavailableError
from ._reference import SecretReference

if TYPE_CHECKING:
    import concurrent.futures

__all__ = ["MAX_STUCK_PER_SCHEME", "BoundedReads"]

logger = logging.getLogger("credflow.plugins")

T = TypeVar("T")

# Enough for a few distinct references of one scheme to hang independently; beyond that
# the source itself is hung and more threads would only pile up behind it.
MAX_STUCK_PER_SCHEME = 4
_IDLE_SECONDS = 30.0


class _Workers:
    """A cached pool of daemon threads: a worker is started only when none is idle."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], Callable[[], None]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0

    def submit(self, job: Callable[[], Callable[[], None]]) -> None:
        """Run `job` on a worker; what it returns (publishing its outcome) runs once the worker is idle."""
        with self._lock:
            self._jobs.put(job)
            if self._idle > 0:
                self._idle -= 1  # an idle worker takes it
                return
        threading.Thread(target=self._work, name="credflow-secret-read", daemon=True).start()

    def _work(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if not self._jobs.empty():
                        continue  # a job was queued for this worker as it timed out
                    self._idle -= 1
                    return
            publish = job()
            # Idle before the outcome is published, so the caller's next read reuses this worker.
            with self._lock:
                self._idle += 1
            publish()


class BoundedReads:
    """Runs secret reads with a time bound and keeps count of the abandoned ones."""

    def __init__(self) -> None:
        self._workers = _Workers()
        self._lock = threading.Lock()
        self._running: dict[SecretReference, int] = {}
        self._stuck: dict[SecretReference, float] = {}

    def submit(self, reference: SecretReference, read: Callable[[], T]) -> concurrent.futures.Future[T]:
        """Start `read` on a worker; refuse when an abandoned read of `reference` still runs."""
        with self._lock:
            bound = self._stuck.get(reference)
            if bound is not None:
                raise SecretSourceUnavailableError(
                    f"secret {reference}: an earlier read did not finish within {bound:g}s and is "
                    "still blocked; not starting another until it ends. Check that the source "
                    "answers (a file on a hung mount, an unreachable secret manager)",
                    reference=str(reference),
                )
            stuck_here = sum(1 for stuck in self._stuck if stuck.scheme == reference.scheme)
            if stuck_here >= MAX_STUCK_PER_SCHEME:
                raise SecretSourceUnavailableError(
                    f"secret {reference}: {stuck_here} reads of {reference.scheme}: secrets are "
                    "still blocked past their bound; not starting another until one ends",
                    reference=str(reference),
                )
            self._running[reference] = self._running.get(reference, 0) + 1
        import concurrent.futures  # here: a process that reads no secret with a bound never needs it

        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        context = contextvars.copy_context()

        def job() -> Callable[[], None]:
            # Once running the future cannot be cancelled, so setting its outcome cannot fail.
            if not future.set_running_or_notify_cancel():
                self._ended(reference)
                return lambda: None
            try:
                result = context.run(read)
            except BaseException as exc:  # handed to the waiter, like an executor would
                error = exc
                self._ended(reference)
                return lambda: future.set_exception(error)
            self._ended(reference)
            return lambda: future.set_result(result)

        self._workers.submit(job)
        return future

    def _ended(self, reference: SecretReference) -> None:
        with self._lock:
            left = self._running[reference] - 1
            if left:
                self._running[reference] = left
                return
            del self._running[reference]
            bound = self._stuck.pop(reference, None)
        if bound is not None:
            logger.warning("the abandoned read of secret %s has ended; reads of it resume", reference)

    def abandon(self, reference: SecretReference, bound: float) -> SecretSourceUnavailableError:
        """The caller gave up on `reference` after `bound` seconds: mark it stuck, say so once."""
        with self._lock:
            newly = reference in self._running and reference not in self._stuck
            if newly:
                self._stuck[reference] = bound
        if newly:
            logger.warning(
                "reading secret %s took longer than %gs; the read is abandoned and left to "
                "finish on its thread, and further reads of it are refused until it does",
                reference,
                bound,
            )
        return SecretSourceUnavailableError(
            f"secret {reference}: no answer from its source within {bound:g}s (the bound on a "
            "secret read is retry.deadline + timeout of the client); check that the source "
            "answers, or raise those settings",
            reference=str(reference),
        )

    def stuck(self) -> tuple[SecretReference, ...]:
        """The references whose abandoned read is still running."""
        with self._lock:
            return tuple(self._stuck)

    def run(self, reference: SecretReference, read: Callable[[], T], bound: float) -> T:
        """Run `read` and return its result, or raise once `bound` seconds have passed."""
        import concurrent.futures

        future = self.submit(reference, read)
        try:
            return future.result(timeout=bound)
        except concurrent.futures.TimeoutError:
            raise self.abandon(reference, bound) from None
