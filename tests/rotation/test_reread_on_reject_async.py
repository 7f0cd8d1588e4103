"""The async path: after `invalid_client`, one fresh read, one retry if changed, never a loop."""

from __future__ import annotations

import pytest
from credflow_aws.testing import MotoSecretsManager

from credflow import CredentialsRejectedError
from credflow.testing import AuthServer

from .aws_support import aws_engine
from .support import CLIENT_ID, NEW, NEWER, OLD, EventRecorder


async def test_changed_secret_is_reread_once_and_retried_at_once(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Manager and server rotated, old revoked: 1 fresh read, 1 rejected + 1 accepted request."""
    aws.create_secret(secret_name, OLD)
    with aws_engine(aws, auth_server, secret_name, recorder) as engine:
        first = await engine.aget_token()
        aws.rotate(secret_name, NEW)
        auth_server.rotate_secret(CLIENT_ID, NEW)
        aws.reset_request_counts()
        before = auth_server.counters.snapshot()

        await engine.ainvalidate(first)
        await engine.aget_token()

        after = auth_server.counters.snapshot()
        expected = {"reads": 1, "fresh_reads": 1, "token_requests": 2, "invalid_client": 1}
        actual = {
            "reads": aws.request_count("GetSecretValue"),
            "fresh_reads": recorder.backend_reads(fresh=True),
            "token_requests": after["token_requests"] - before["token_requests"],
            "invalid_client": after["invalid_client"] - before["invalid_client"],
        }
        assert expected == actual


async def test_unchanged_secret_raises_after_one_fresh_read(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """Server rotated but the manager was not: CredentialsRejectedError after 1 read and 1 request."""
    aws.create_secret(secret_name, OLD)
    with aws_engine(aws, auth_server, secret_name, recorder) as engine:
        first = await engine.aget_token()
        auth_server.rotate_secret(CLIENT_ID, NEWER)
        aws.reset_request_counts()
        before = auth_server.counters.snapshot()

        await engine.ainvalidate(first)
        with pytest.raises(CredentialsRejectedError, match="re-read from its source: unchanged"):
            await engine.aget_token()

        after = auth_server.counters.snapshot()
        expected = {"reads": 1, "token_requests": 1, "invalid_client": 1}
        actual = {
            "reads": aws.request_count("GetSecretValue"),
            "token_requests": after["token_requests"] - before["token_requests"],
            "invalid_client": after["invalid_client"] - before["invalid_client"],
        }
        assert expected == actual
