"""Tokens already issued stay in use after a rotation: a rotation alone requests no token."""

from __future__ import annotations

import httpx
from credflow_aws.testing import MotoSecretsManager

from credflow import ManualClock
from credflow.testing import AuthServer

from .aws_support import aws_engine
from .support import CLIENT_ID, NEW, OLD, EventRecorder


def test_rotation_requests_no_token_until_expiry(
    aws: MotoSecretsManager, auth_server: AuthServer, recorder: EventRecorder, secret_name: str
) -> None:
    """After rotating and revoking, the old token keeps serving the API; expiry fetches one more."""
    aws.create_secret(secret_name, OLD)
    clock = ManualClock()
    with aws_engine(aws, auth_server, secret_name, recorder, clock=clock) as engine:
        issued = engine.get_token()
        aws.rotate(secret_name, NEW)
        auth_server.rotate_secret(CLIENT_ID, NEW)  # OLD revoked: no new token could use it
        before = auth_server.counters.token_requests
        aws.reset_request_counts()

        with httpx.Client(auth=engine.httpx_auth()) as client:
            statuses = [client.get(f"{auth_server.api_url}/read/items").status_code for _ in range(5)]
        still = engine.get_token()
        during = (auth_server.counters.token_requests - before, aws.request_count("GetSecretValue"))
        clock.advance(3600)
        renewed = engine.get_token()

    expected = {
        "statuses": [200] * 5,
        "same_token": True,
        "requests_and_reads_during": (0, 0),
        "requests_after_expiry": 2,  # the cached OLD is rejected, the fresh NEW accepted
        "renewed": True,
    }
    actual = {
        "statuses": statuses,
        "same_token": still.fingerprint == issued.fingerprint,
        "requests_and_reads_during": during,
        "requests_after_expiry": auth_server.counters.token_requests - before,
        "renewed": renewed.fingerprint != issued.fingerprint,
    }
    assert expected == actual
