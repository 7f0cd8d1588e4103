"""`AuditRecorder`: every audit event of a real engine, kept in order, read and waited for safely."""

from __future__ import annotations

import threading

import pytest

from credflow import ClientConfig, CredflowError, PluginHost, RetryPolicy, TokenEngine, hookspecs
from credflow.events import AuditEvent, SecretFetched, TokenFailed, TokenIssued, TokenRequested
from credflow.testing import AuditRecorder, AuthServer

BILLING_ID = "billing"  # the client the `server` fixture (conftest.py) knows
BILLING_SECRET = "s3cret"

AUDIT_HOOKS = {
    "credflow_token_requested",
    "credflow_token_issued",
    "credflow_token_failed",
    "credflow_token_retried",
    "credflow_secret_fetched",
    "credflow_secret_failed",
    "credflow_secret_rotation",
    "credflow_cache_backend",
}


def engine(server: AuthServer, recorder: AuditRecorder, secret: str = "env:BILLING_SECRET") -> TokenEngine:
    """An engine for the server's `billing` client whose audit events go to `recorder`."""
    host = PluginHost(plugins=(recorder,), load_entry_points=False)
    config = ClientConfig(
        client_id=BILLING_ID,
        client_secret=secret,
        token_endpoint=server.token_endpoint,
        scopes=("api.read",),
        retry=RetryPolicy(attempts=1),
    )
    return TokenEngine(config, plugins=host)


@pytest.fixture(autouse=True)
def billing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The billing client's secret where its `env:` reference points."""
    monkeypatch.setenv("BILLING_SECRET", BILLING_SECRET)


def test_recorder_implements_every_audit_hook() -> None:
    """Its hook methods are exactly the audit hooks, each one a hook of `credflow.hookspecs`."""
    implemented = {name for name in dir(AuditRecorder) if name.startswith("credflow_")}
    specified = {name for name in AUDIT_HOOKS if callable(getattr(hookspecs, name, None))}

    assert (AUDIT_HOOKS, AUDIT_HOOKS) == (implemented, specified)


def test_events_of_a_token_request_in_order(server: AuthServer) -> None:
    """A cold `get_token()` records the secret read, the request and the issued token, in that order."""
    recorder = AuditRecorder()

    engine(server, recorder).get_token()

    kinds = [type(event) for event in recorder.events]
    assert [SecretFetched, TokenRequested, TokenIssued] == [
        kind for kind in kinds if kind in (SecretFetched, TokenRequested, TokenIssued)
    ]
    assert [BILLING_ID] == [event.client_id for event in recorder.of_type(TokenIssued)]


def test_of_type_filters_and_clear_forgets(server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """`of_type` keeps instances of one type only; `clear` empties the recorder."""
    monkeypatch.setenv("WRONG_SECRET", "not-" + BILLING_SECRET)
    recorder = AuditRecorder()
    with pytest.raises(CredflowError):
        engine(server, recorder, secret="env:WRONG_SECRET").get_token()

    failed = recorder.of_type(TokenFailed)
    recorder.clear()

    assert (1, []) == (len(failed), recorder.events)


def test_wait_for_returns_once_another_thread_emits(server: AuthServer) -> None:
    """`wait_for` wakes when an event from another thread makes the predicate true."""
    recorder = AuditRecorder()
    worker = threading.Thread(target=engine(server, recorder).get_token)
    worker.start()

    issued = recorder.wait_for(lambda events: [e for e in events if isinstance(e, TokenIssued)])
    worker.join()

    assert [BILLING_ID] == [event.client_id for event in issued]


def test_wait_for_fails_after_the_timeout_naming_what_it_waited_for() -> None:
    """Nothing happens: `AssertionError` naming the predicate's message and the events seen."""
    recorder = AuditRecorder()

    with pytest.raises(AssertionError, match=r"still not true after 0.05 s: a token; events: \[\]"):
        recorder.wait_for(lambda events: False, timeout=0.05, message="a token")


def test_events_are_copies() -> None:
    """Changing the list handed out does not change the recorder."""
    recorder = AuditRecorder()
    events: list[AuditEvent] = recorder.events
    events.append(TokenRequested.__new__(TokenRequested))

    assert [] == recorder.events
