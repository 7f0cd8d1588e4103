"""AWS error answers moto cannot produce, from a scripted HTTP server speaking Secrets Manager's JSON.

moto answers GetSecretValue denials with an XML body (tested against moto in
test_source.py); real AWS sends the JSON shapes below, so both are covered.
"""

from __future__ import annotations

import pytest
from aws_helpers import MakeHost, ScriptedAwsServer, aws_error, ref

from credflow import SecretAccessDeniedError, SecretSourceUnavailableError

ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:billing-AbCdEf"
DENIED = (
    "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
    f"secretsmanager:GetSecretValue on resource: {ARN} because no identity-based policy "
    "allows the secretsmanager:GetSecretValue action"
)
OK = (
    200,
    {
        "ARN": ARN,
        "Name": "billing",
        "VersionId": "v-after-retry",
        "SecretString": "s3cr3t",
        "VersionStages": ["AWSCURRENT"],
        "CreatedDate": 1.7e9,
    },
)


def test_access_denied_names_action_and_resource(make_host: MakeHost) -> None:
    """AccessDeniedException is SecretAccessDeniedError naming the IAM action and the ARN."""
    with (
        ScriptedAwsServer([aws_error("AccessDeniedException", DENIED)]) as server,
        pytest.raises(SecretAccessDeniedError) as caught,
    ):
        make_host(endpoint_url=server.endpoint_url).resolve_secret(ref(f"aws-sm:{ARN}"), fresh=False)

    message = str(caught.value)
    assert f"allow the action secretsmanager:GetSecretValue on resource {ARN}" in message
    assert "user/ci is not authorized" in message
    assert f"aws-sm:{ARN}" == caught.value.reference


def test_decryption_failure_names_kms_decrypt(make_host: MakeHost) -> None:
    """DecryptionFailure is SecretAccessDeniedError telling the caller it needs kms:Decrypt."""
    answer = aws_error("DecryptionFailure", "Access to KMS is not allowed")
    with ScriptedAwsServer([answer]) as server, pytest.raises(SecretAccessDeniedError) as caught:
        make_host(endpoint_url=server.endpoint_url).resolve_secret(ref("aws-sm:billing"), fresh=False)

    assert "could not be decrypted: Access to KMS is not allowed" in str(caught.value)
    assert "kms:Decrypt" in str(caught.value)


def test_throttling_is_retried_then_unavailable(make_host: MakeHost) -> None:
    """Throttling is retried by botocore up to max_attempts, then SecretSourceUnavailableError."""
    answer = aws_error("ThrottlingException", "Rate exceeded")
    with ScriptedAwsServer([answer]) as server:
        host = make_host(endpoint_url=server.endpoint_url, max_attempts=2)
        with pytest.raises(SecretSourceUnavailableError) as caught:
            host.resolve_secret(ref("aws-sm:billing"), fresh=False)

    assert ["secretsmanager.GetSecretValue"] * 2 == server.requests
    assert "kept failing (ThrottlingException): Rate exceeded" in str(caught.value)


def test_throttling_then_success_returns_the_value(make_host: MakeHost) -> None:
    """One throttled answer, then the secret: the caller just gets the value."""
    throttled = aws_error("ThrottlingException", "Rate exceeded")
    with ScriptedAwsServer([throttled, OK]) as server:
        value = make_host(endpoint_url=server.endpoint_url, max_attempts=3).resolve_secret(
            ref("aws-sm:billing"), fresh=False
        )

    assert ("s3cr3t", "v-after-retry") == (value.reveal(), value.version)
    assert 2 == len(server.requests)


def test_server_error_is_unavailable(make_host: MakeHost) -> None:
    """A 500 InternalServiceError (after retries) is SecretSourceUnavailableError."""
    answer = aws_error("InternalServiceError", "try again", status=500)
    with ScriptedAwsServer([answer]) as server, pytest.raises(SecretSourceUnavailableError) as caught:
        make_host(endpoint_url=server.endpoint_url, max_attempts=1).resolve_secret(
            ref("aws-sm:billing"), fresh=False
        )

    assert f"Secrets Manager at {server.endpoint_url} kept failing" in str(caught.value)


def test_rejected_credentials_are_access_denied(make_host: MakeHost) -> None:
    """UnrecognizedClientException (bad keys) is SecretAccessDeniedError on how to fix credentials."""
    answer = aws_error("UnrecognizedClientException", "The security token included is invalid.")
    with ScriptedAwsServer([answer]) as server, pytest.raises(SecretAccessDeniedError) as caught:
        make_host(endpoint_url=server.endpoint_url).resolve_secret(ref("aws-sm:billing"), fresh=False)

    assert "AWS rejected the credentials (UnrecognizedClientException)" in str(caught.value)
