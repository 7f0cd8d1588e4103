"""`ManagedProcess`: started, waited for until ready, stopped for sure (terminate, wait, kill)."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest

from credflow.testing import ManagedProcess, ManagedProcessError, wait_until

PYTHON = sys.executable


def python(code: str) -> list[str]:
    """The argv running `code` with this interpreter, unbuffered."""
    return [PYTHON, "-u", "-c", code]


def test_ready_predicate_reads_the_log() -> None:
    """`start()` returns once the predicate sees the ready line; `stop()` ends the process."""
    process = ManagedProcess(
        python("import time; print('ready on 4242'); time.sleep(60)"),
        name="printer",
        ready=lambda: "ready on" in process.log(),
    )

    with process:
        assert (True, "ready on 4242") == (process.running, process.log().strip())

    assert False is process.running


def test_exit_before_ready_fails_with_the_log() -> None:
    """A process that exits first fails the start with its status and output."""
    process = ManagedProcess(
        python("import sys; print('bad config: port'); sys.exit(3)"), name="broken", ready=lambda: False
    )

    with pytest.raises(ManagedProcessError) as caught:
        process.start()

    assert "broken exited with status 3 before it was ready:\nbad config: port" == str(caught.value)
    assert False is process.running


def test_not_ready_by_the_deadline_fails_and_stops_it() -> None:
    """A process never ready fails the start after `startup_timeout` and is stopped."""
    process = ManagedProcess(
        python("import time; print('starting'); time.sleep(60)"),
        name="slow",
        ready=lambda: False,
        startup_timeout=0.3,
    )

    with pytest.raises(ManagedProcessError, match="slow was not ready within 0.3 s:"):
        process.start()

    assert False is process.running


def test_stop_kills_a_process_that_ignores_terminate() -> None:
    """SIGTERM ignored: after `stop_timeout` the process is killed (status -SIGKILL)."""
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up'); time.sleep(60)"
    process = ManagedProcess(python(code), ready=lambda: "up" in process.log(), stop_timeout=0.2)
    process.start()

    assert -signal.SIGKILL == process.stop()


def test_stop_terminates_a_paused_process() -> None:
    """A process paused with SIGSTOP still ends on `stop()` with SIGTERM, not a kill."""
    process = ManagedProcess(
        python("import time; print('up'); time.sleep(60)"), ready=lambda: "up" in process.log()
    )
    process.start()
    process.send_signal(signal.SIGSTOP)

    assert -signal.SIGTERM == process.stop()


def test_log_outlives_the_process_and_restart_starts_afresh(tmp_path: Path) -> None:
    """After `stop()` the log is kept; `start()` again runs anew with a fresh log."""
    counter = tmp_path / "runs"
    code = (
        f"import pathlib, time; p = pathlib.Path({str(counter)!r}); "
        "n = len(p.read_text()) if p.exists() else 0; "
        "p.write_text('x' * (n + 1)); print(f'run {n + 1}'); time.sleep(60)"
    )
    process = ManagedProcess(python(code), ready=lambda: "run" in process.log())

    with process:
        pass
    first = process.log().strip()
    with process:
        second = process.log().strip()

    assert ("run 1", "run 2") == (first, second)


def test_stop_twice_and_before_start_is_harmless() -> None:
    """`stop()` when nothing runs returns None and raises nothing."""
    process = ManagedProcess(python("pass"))

    assert (None, None) == (process.stop(), process.stop())


def test_start_twice_is_refused() -> None:
    """A running process cannot be started again."""
    process = ManagedProcess(python("import time; time.sleep(60)"))

    with process, pytest.raises(ManagedProcessError, match="already running"):
        process.start()


def test_process_that_exits_on_its_own_reports_its_status() -> None:
    """A process that ended by itself: `stop()` returns its exit status."""
    process = ManagedProcess(python("print('done')"))
    process.start()
    wait_until(lambda: not process.running, message="the process exits")

    assert (0, "done") == (process.stop(), process.log().strip())
