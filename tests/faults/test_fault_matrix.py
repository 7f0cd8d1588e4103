"""The fault matrix (tests/faults/matrix.py) against a misbehaving token endpoint on a real socket."""

from __future__ import annotations

import asyncio
import base64
import logging
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import trustme

import credflow
from credflow import ClientConfig, PluginHost, RetryPolicy, TokenEngine
from credflow.errors import CredflowError
from credflow.events import TokenRetried
from credflow.testing import AuditRecorder
from credflow.transport._retry import is_testing
from tests.leakcheck import LEDGER

from .matrix import FAULTS, SETTINGS, TOKEN, TOKEN_VALUE, Fault, TlsKind
from .server import FaultServer

CLIENT_ID = "matrix-client"
SECRET = "matrix-client-secret-Hn4Jq9Ws2Xe6"
SECRET_VARIABLE = "CREDFLOW_MATRIX_CLIENT_SECRET"
# A bound, not a timing goal: a series ends within deadline + timeout; the rest absorbs a loaded machine.
MARGIN_SECONDS = 3.0
TIME_BOUND = SETTINGS.deadline + SETTINGS.timeout + MARGIN_SECONDS
BASIC_CREDENTIALS = base64.b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode()
CANARIES = (SECRET, TOKEN_VALUE, BASIC_CREDENTIALS)


@dataclass(frozen=True, slots=True)
class Certificates:
    """A CA the client trusts (`ca_bundle`) and server TLS contexts for each kind of certificate."""

    ca_bundle: Path
    contexts: dict[TlsKind, ssl.SSLContext]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    """Certificates for 127.0.0.1: trusted, from an unknown CA, expired, and for another host."""
    trusted, stranger = trustme.CA(), trustme.CA()
    ca_bundle = tmp_path_factory.mktemp("matrix-ca") / "ca.pem"
    trusted.cert_pem.write_to_path(str(ca_bundle))
    now = datetime.now(UTC)
    leaves = {
        "trusted": trusted.issue_cert("127.0.0.1"),
        "untrusted": stranger.issue_cert("127.0.0.1"),
        "expired": trusted.issue_cert(
            "127.0.0.1", not_before=now - timedelta(days=30), not_after=now - timedelta(days=1)
        ),
        "wrong-host": trusted.issue_cert("elsewhere.example"),
    }
    contexts: dict[TlsKind, ssl.SSLContext] = {}
    for kind, leaf in leaves.items():
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        leaf.configure_cert(context)
        contexts[kind] = context  # type: ignore[index]
    return Certificates(ca_bundle, contexts)


@pytest.fixture
def real_waits() -> Iterator[None]:
    """Retry waits really wait here (the suite skips them): the deadline must bound real time."""
    was_testing = is_testing()
    credflow.set_testing(False)
    yield
    credflow.set_testing(was_testing)


@dataclass(slots=True)
class Run:
    """What one get_token() (or aget_token()) did."""

    token: Any
    error: CredflowError | None
    seconds: float
    client_tries: int
    server_tries: int
    outputs: list[str]


def _config(url: str, ca_bundle: Path | None) -> ClientConfig:
    return ClientConfig(
        token_endpoint=url,
        client_id=CLIENT_ID,
        client_secret=f"env:{SECRET_VARIABLE}",
        scopes=("api.read",),
        timeout=SETTINGS.timeout,
        ca_bundle=str(ca_bundle) if ca_bundle is not None else None,
        retry=RetryPolicy(
            attempts=SETTINGS.attempts,
            deadline=SETTINGS.deadline,
            initial_backoff=SETTINGS.initial_backoff,
            max_backoff=SETTINGS.max_backoff,
        ),
    )


def _error_texts(error: BaseException | None) -> list[str]:
    texts = []
    while error is not None:
        texts += [str(error), repr(error)]
        error = error.__cause__ or error.__context__
    return texts


def _run(server: FaultServer, config: ClientConfig, asynchronous: bool) -> Run:
    recorder = AuditRecorder()
    server.reset_count()
    engine = TokenEngine(config, plugins=PluginHost(plugins=(recorder,), load_entry_points=False))
    token, error = None, None
    started = time.monotonic()
    try:
        token = asyncio.run(engine.aget_token()) if asynchronous else engine.get_token()
    except CredflowError as exc:
        error = exc
    finally:
        seconds = time.monotonic() - started
        engine.close()
    outputs = _error_texts(error) + [repr(event) for event in recorder.events]
    return Run(
        token=token,
        error=error,
        seconds=seconds,
        client_tries=len(recorder.of_type(TokenRetried)) + 1,
        server_tries=server.connections,
        outputs=outputs,
    )


def _observed(fault: Fault, run: Run) -> dict[str, Any]:
    return {
        "outcome": "token" if run.error is None else type(run.error).__name__,
        "token": None if run.token is None else run.token.access_token == TOKEN_VALUE,
        "tries": run.server_tries if fault.listening else run.client_tries,
        "within_time_bound": run.seconds <= TIME_BOUND,
        "message_says": fault.says is None or fault.says.lower() in str(run.error).lower(),
    }


@pytest.mark.parametrize("fault", FAULTS, ids=[fault.name for fault in FAULTS])
def test_fault(
    fault: Fault,
    certificates: Certificates,
    real_waits: None,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Sync and async: the outcome, the tries, the time bound and no secret anywhere, per fault."""
    for canary in CANARIES:
        LEDGER.canary(canary)
    monkeypatch.setenv(SECRET_VARIABLE, SECRET)
    caplog.set_level(logging.DEBUG)
    tls = certificates.contexts[fault.tls] if fault.tls is not None else None
    with FaultServer([TOKEN]) as elsewhere:
        with FaultServer((), tls=tls, listening=fault.listening) as server:
            server.script = tuple(fault.script(elsewhere.url))
            server.expect = BASIC_CREDENTIALS.encode()  # every try carries them (client_secret_basic)
            config = _config(server.url, certificates.ca_bundle if fault.tls is not None else None)
            runs = {mode: _run(server, config, mode == "async") for mode in ("sync", "async")}
        redirected_to = elsewhere.connections

    expected_run = {
        "outcome": "token" if fault.outcome is None else fault.outcome.__name__,
        "token": None if fault.outcome is not None else True,
        "tries": fault.attempts,
        "within_time_bound": True,
        "message_says": True,
    }
    assert {"sync": expected_run, "async": expected_run, "redirect_targets_reached": 0} == {
        "sync": _observed(fault, runs["sync"]),
        "async": _observed(fault, runs["async"]),
        "redirect_targets_reached": redirected_to,
    }, f"errors: {[str(run.error) for run in runs.values()]}"
    outputs = [caplog.text, *runs["sync"].outputs, *runs["async"].outputs]
    leaked = sorted({canary[:6] for canary in CANARIES for text in outputs if canary in text})
    assert [] == leaked
