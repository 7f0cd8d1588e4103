"""After `invalid_client`: one fresh read of the secret, one retry if it changed, never a loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from credflow_aws.testing import MotoSecretsManager

from credflow import CredentialsRejectedError, ManualClock, Token
from credflow.testing import AuthServer

from .aws_support import aws_engine
from .support import CLIENT_ID, NEW, NEWER, OLD, EventRecorder

THREADS = 50
TASKS = 200


def test_changed_secret_is_reread_once_and_retried_at_once(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Manager and server rotated, old revoked: 1 fresh read, 1 rejected + 1 accepted request."""
    aws.create_secret(secret_name, OLD)
    with aws_engine(aws, auth_server, secret_name, recorder) as engine:
        first = engine.get_token()
        aws.rotate(secret_name, NEW)
        auth_server.rotate_secret(CLIENT_ID, NEW)
        aws.reset_request_counts()
        before = auth_server.counters.snapshot()

        engine.invalidate(first)
        engine.get_token()

        after = auth_server.counters.snapshot()
        expected = {"reads": 1, "fresh_reads": 1, "token_requests": 2, "invalid_client": 1}
        actual = {
            "reads": aws.request_count("GetSecretValue"),
            "fresh_reads": recorder.backend_reads(fresh=True),
            "token_requests": after["token_requests"] - before["token_requests"],
            "invalid_client": after["invalid_client"] - before["invalid_client"],
        }
        assert expected == actual


def test_unchanged_secret_raises_after_one_fresh_read(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Server rotated but the manager was not: CredentialsRejectedError after 1 read and 1 request."""
    aws.create_secret(secret_name, OLD)
    with aws_engine(aws, auth_server, secret_name, recorder) as engine:
        first = engine.get_token()
        auth_server.rotate_secret(CLIENT_ID, NEWER)
        aws.reset_request_counts()
        before = auth_server.counters.snapshot()

        engine.invalidate(first)
        with pytest.raises(CredentialsRejectedError, match="re-read from its source: unchanged"):
            engine.get_token()

        after = auth_server.counters.snapshot()
        expected = {"reads": 1, "token_requests": 1, "invalid_client": 1}
        actual = {
            "reads": aws.request_count("GetSecretValue"),
            "token_requests": after["token_requests"] - before["token_requests"],
            "invalid_client": after["invalid_client"] - before["invalid_client"],
        }
        assert expected == actual


def test_concurrent_callers_at_expiry_share_one_fresh_read(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """50 threads and 200 asyncio tasks arriving at expiry after a rotation: 1 read, 2 requests."""
    aws.create_secret(secret_name, OLD)
    clock = ManualClock()
    with aws_engine(aws, auth_server, secret_name, recorder, clock=clock) as engine:
        engine.get_token()
        aws.rotate(secret_name, NEW)
        auth_server.rotate_secret(CLIENT_ID, NEW)
        clock.advance(3600)  # the token has expired; every caller needs a new one
        aws.reset_request_counts()
        before = auth_server.counters.snapshot()
        start = threading.Barrier(THREADS + 1)
        tokens: list[Token] = []
        lock = threading.Lock()

        def thread_caller() -> None:
            start.wait()
            token = engine.get_token()
            with lock:
                tokens.append(token)

        async def task_callers() -> list[Token]:
            return await asyncio.gather(*(engine.aget_token() for _ in range(TASKS)))

        def event_loop() -> None:
            start.wait()
            found = asyncio.run(task_callers())
            with lock:
                tokens.extend(found)

        workers = [threading.Thread(target=thread_caller) for _ in range(THREADS - 1)]
        workers.append(threading.Thread(target=event_loop))
        for worker in workers:
            worker.start()
        start.wait()
        with lock:
            tokens.append(engine.get_token())
        for worker in workers:
            worker.join(timeout=30)

        after = auth_server.counters.snapshot()
        expected = {
            "callers": THREADS + TASKS,
            "distinct_tokens": 1,
            "reads": 1,
            "token_requests": 2,
            "invalid_client": 1,
        }
        actual = {
            "callers": len(tokens),
            "distinct_tokens": len({token.fingerprint for token in tokens}),
            "reads": aws.request_count("GetSecretValue"),
            "token_requests": after["token_requests"] - before["token_requests"],
            "invalid_client": after["invalid_client"] - before["invalid_client"],
        }
        assert expected == actual
