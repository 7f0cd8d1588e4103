"""Every secret read is bounded: blocked sources give a clear error in time, and the engine recovers."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from credflow import (
    PluginHost,
    RetryPolicy,
    RotationPolicy,
    SecretReference,
    SecretSourceError,
    SecretSourceUnavailableError,
)
from credflow.events import SecretFailed
from credflow.secret._bounded_reads import MAX_STUCK_PER_SCHEME
from credflow.secret.file import FileSecretSource
from credflow.testing import AuditRecorder, AuthServer, wait_until

from .conftest import EngineFactory
from .secret_blocking import (
    HANG,
    SECRET_BOUND,
    SHORT_DEADLINE,
    SHORT_TIMEOUT,
    BlockingSecrets,
    SlowListing,
    make_fifo,
    replace_with_file,
    within,
)

SHORT = {"retry": RetryPolicy(attempts=1, deadline=SHORT_DEADLINE), "timeout": SHORT_TIMEOUT}


def test_fifo_secret_is_refused_and_engine_recovers_once_it_is_a_file(
    server: AuthServer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """file: on a FIFO with no writer fails at once naming reference and path; a regular file then works."""
    fifo = make_fifo(tmp_path)
    engine = make_engine(client_secret=f"file:{fifo}", **SHORT)

    with pytest.raises(SecretSourceError) as failure:
        within(engine.get_token)
    replace_with_file(fifo, server.test_client_secret + "\n")
    token = within(engine.get_token)

    assert f"secret file:{fifo}: {fifo} is a FIFO (named pipe), not a regular file" in str(failure.value)
    assert f"file:{fifo}" == failure.value.reference
    assert 1 == server.counters.tokens_issued
    assert token.access_token


@pytest.mark.parametrize("kind", ["socket", "character device", "directory"])
def test_file_source_refuses_what_is_not_a_regular_file(tmp_path: Path, kind: str) -> None:
    """Sockets, devices and directories are refused up front with what they are."""
    host = PluginHost(load_entry_points=False)
    if kind == "socket":
        path = tmp_path / "s.sock"
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(path))
        expected = "is a socket"
    elif kind == "character device":
        path, listener, expected = Path("/dev/zero"), None, "is a character device"
    else:
        path, listener, expected = tmp_path, None, "is a directory"
    try:
        with pytest.raises(SecretSourceError) as failure:
            within(lambda: host.resolve_secret(SecretReference.parse(f"file:{path}"), fresh=False))
    finally:
        if listener is not None:
            listener.close()

    assert f"{path} {expected}, not a regular file" in str(failure.value)


def test_fifo_swapped_in_after_the_stat_is_refused_without_blocking(tmp_path: Path) -> None:
    """The read itself opens non-blocking and checks the descriptor, so a FIFO never blocks it."""
    fifo = make_fifo(tmp_path)
    reference = SecretReference.parse(f"file:{fifo}")

    with pytest.raises(SecretSourceError, match="is a FIFO"):
        within(lambda: FileSecretSource._read(str(fifo), reference))


def test_slow_source_is_abandoned_at_the_bound_and_engine_recovers(
    server: AuthServer,
    make_engine: EngineFactory,
    recorder: AuditRecorder,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A fetch blocked on an event is abandoned at retry.deadline + timeout; later reads succeed."""
    slow = BlockingSecrets(server.test_client_secret)
    engine = make_engine(client_secret="slow:billing", plugins=(slow,), **SHORT)
    caplog.set_level(logging.WARNING, logger="credflow.plugins")

    with pytest.raises(SecretSourceUnavailableError) as abandoned:
        within(engine.get_token)
    with pytest.raises(SecretSourceUnavailableError) as refused:
        within(engine.get_token)
    fetches_while_stuck = slow.fetches
    slow.release.set()
    wait_until(lambda: not engine._host.reads.stuck(), timeout=HANG)
    token = within(engine.get_token)

    assert f"secret slow:billing: no answer from its source within {SECRET_BOUND:g}s" in str(abandoned.value)
    assert "an earlier read did not finish" in str(refused.value)
    assert (1, 2) == (fetches_while_stuck, slow.fetches)
    assert token.access_token
    warnings = [r.getMessage() for r in caplog.records if "is abandoned" in r.getMessage()]
    assert [
        f"reading secret slow:billing took longer than {SECRET_BOUND:g}s; the read is abandoned and "
        "left to finish on its thread, and further reads of it are refused until it does"
    ] == warnings
    assert ["slow:billing", "slow:billing"] == [event.reference for event in recorder.of_type(SecretFailed)]


def test_stuck_reads_of_one_scheme_are_capped() -> None:
    """Past MAX_STUCK_PER_SCHEME stuck references, further references of that scheme are refused."""
    slow = BlockingSecrets("never-returned")
    host = PluginHost(plugins=(slow,), load_entry_points=False)
    try:
        for index in range(MAX_STUCK_PER_SCHEME):
            with pytest.raises(SecretSourceUnavailableError, match="no answer from its source"):
                host.resolve_secret(SecretReference.parse(f"slow:s{index}"), fresh=False, bound=0.05)
        with pytest.raises(SecretSourceUnavailableError) as refused:
            host.resolve_secret(SecretReference.parse("slow:another"), fresh=False, bound=0.05)
    finally:
        slow.release.set()

    assert f"{MAX_STUCK_PER_SCHEME} reads of slow: secrets are still blocked" in str(refused.value)
    assert MAX_STUCK_PER_SCHEME == slow.fetches


def test_reads_reuse_one_worker_thread() -> None:
    """A healthy source costs no thread start per read: sequential reads run on the same worker."""
    slow = BlockingSecrets("quick-value")
    slow.release.set()
    host = PluginHost(plugins=(slow,), load_entry_points=False)
    reference = SecretReference.parse("slow:quick")

    values = [host.resolve_secret(reference, fresh=True, bound=5.0).reveal() for _ in range(3)]

    assert ["quick-value"] * 3 == values
    assert 1 == len(set(slow.threads))
    assert threading.current_thread() not in slow.threads


_STUCK_PROCESS = """
import threading
from credflow import PluginHost, SecretReference, SecretSourceUnavailableError, hookimpl

class Stuck:
    def fetch(self, reference, *, fresh):
        threading.Event().wait()

    @hookimpl
    def credflow_register_secret_sources(self, register):
        register("stuck", lambda context: self)

host = PluginHost(plugins=(Stuck(),), load_entry_points=False)
try:
    host.resolve_secret(SecretReference.parse("stuck:x"), fresh=False, bound=0.1)
except SecretSourceUnavailableError as exc:
    print(exc)
"""


def test_process_exits_while_an_abandoned_read_is_still_blocked() -> None:
    """The worker of an abandoned read is a daemon: the interpreter exits without waiting for it."""
    done = subprocess.run(
        [sys.executable, "-c", _STUCK_PROCESS], capture_output=True, text=True, timeout=60, check=False
    )

    assert (0, "") == (done.returncode, done.stderr)
    assert done.stdout.startswith("secret stuck:x: no answer from its source within 0.1s")


def test_slow_rotation_candidate_listing_is_abandoned_at_the_bound(make_engine: EngineFactory) -> None:
    """Listing versions after a rejection is a secret-manager call too: bounded the same way."""
    listing = SlowListing("rejected-secret-value-5")
    engine = make_engine(
        client_secret="listing:billing",
        plugins=(listing,),
        rotation=RotationPolicy(try_versions=True),
        **SHORT,
    )
    try:
        with pytest.raises(SecretSourceUnavailableError) as abandoned:
            within(engine.get_token)
    finally:
        listing.release.set()

    assert f"secret listing:billing: no answer from its source within {SECRET_BOUND:g}s" in str(
        abandoned.value
    )
    assert 1 == listing.listings
