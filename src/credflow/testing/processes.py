"""A subprocess a test starts, waits for and always stops: `ManagedProcess`.

    with ManagedProcess(["redis-server", "--port", str(port)], name="redis", ready=answers) as server:
        ...

`start()` runs the command with its stdout and stderr written to a log file
(never a pipe, which a chatty server fills and then blocks on), then polls
`ready()` until it returns true, failing with the log's tail when the process
exits first or the deadline passes. `stop()` terminates it, waits, and kills it
when it does not exit in time; it is safe to call twice and from `__exit__`.
The log outlives the process (`log()`), for a failure message after the stop.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Self

__all__ = ["ManagedProcess", "ManagedProcessError"]

DEFAULT_STARTUP_TIMEOUT = 30.0
DEFAULT_STOP_TIMEOUT = 5.0
# Enough of a log to explain a failed start without flooding the report.
LOG_TAIL_CHARS = 3000
_POLL_INTERVAL = 0.02


class ManagedProcessError(RuntimeError):
    """The process exited before it was ready, or was not ready before the deadline."""


class ManagedProcess:
    """One child process: `start()` waits until `ready()`, `stop()` ends it for sure.

    `ready` is called without arguments while the process runs; it may read
    `log()` (a server that prints its port) or probe a socket. Without it the
    process counts as ready once started. `name` names the process in errors.
    `start()` again after `stop()` runs the command anew, with a fresh log.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str | None = None,
        ready: Callable[[], object] | None = None,
        env: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        startup_timeout: float = DEFAULT_STARTUP_TIMEOUT,
        stop_timeout: float = DEFAULT_STOP_TIMEOUT,
    ) -> None:
        self.argv = [str(part) for part in argv]
        self.name = name or Path(self.argv[0]).name
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self._ready = ready
        self._env = dict(env) if env is not None else None
        self._cwd = cwd
        self._process: subprocess.Popen[bytes] | None = None
        self._log_directory: tempfile.TemporaryDirectory[str] | None = None
        self._last_log = ""

    # --- lifecycle ---------------------------------------------------------------

    def start(self) -> Self:
        """Run the command and wait until `ready()` is true; `ManagedProcessError` if it is not."""
        if self._process is not None:
            raise ManagedProcessError(f"{self.name} is already running (pid {self._process.pid})")
        self._last_log = ""
        self._log_directory = tempfile.TemporaryDirectory(prefix=f"credflow-{_safe(self.name)}-")
        # Append mode: the child's writes land at the end whatever offset a reader of the log is at.
        with open(self._log_path(), "ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - the caller's own argv
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self._env,
                cwd=self._cwd,
            )
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> int | None:
        """Terminate, wait `stop_timeout`, then kill; return the exit status (None when not started)."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                # A process paused with SIGSTOP cannot act on SIGTERM until it is continued.
                process.send_signal(signal.SIGCONT)
                process.terminate()
            try:
                process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._last_log = self._read_log()
        if self._log_directory is not None:
            self._log_directory.cleanup()
            self._log_directory = None
        return process.returncode

    def send_signal(self, signum: int) -> None:
        """Send `signum` to the running process (SIGSTOP pauses it, SIGCONT resumes it)."""
        self._running().send_signal(signum)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # --- what it did ---------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the process has been started and has not exited."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int:
        """The process id of the running process."""
        return self._running().pid

    def log(self) -> str:
        """Its stdout and stderr so far (after `stop()`, all of the last run's)."""
        return self._read_log() if self._process is not None else self._last_log

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        """The end of `log()`, for failure messages; `(no output)` when it printed nothing."""
        return self.log()[-chars:].strip() or "(no output)"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} running={self.running}>"

    # --- internals ---------------------------------------------------------------

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None or self._process.poll() is not None:
            raise ManagedProcessError(f"{self.name} is not running")
        return self._process

    def _log_path(self) -> Path:
        assert self._log_directory is not None
        return Path(self._log_directory.name) / "output.log"

    def _read_log(self) -> str:
        if self._log_directory is None:
            return self._last_log
        try:
            return self._log_path().read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def _wait_ready(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.startup_timeout
        while True:
            status = self._process.poll()
            if status is not None:
                raise ManagedProcessError(
                    f"{self.name} exited with status {status} before it was ready:\n{self.log_tail()}"
                )
            if self._ready is None or self._ready():
                return
            if time.monotonic() >= deadline:
                raise ManagedProcessError(
                    f"{self.name} was not ready within {self.startup_timeout:g} s:\n{self.log_tail()}"
                )
            time.sleep(_POLL_INTERVAL)


def _safe(name: str) -> str:
    return "".join(char if char.isalnum() else "-" for char in name)[:32]
