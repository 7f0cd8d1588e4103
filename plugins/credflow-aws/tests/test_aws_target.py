"""What an `aws-sm:` reference asks for, and the rotation candidates it yields."""

from __future__ import annotations

import pytest
from aws_helpers import ref
from credflow_aws import AwsSettings, SecretTarget
from credflow_aws.source import AwsSecretsManagerSource

from credflow import SecretSourceError

ARN = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:team/billing-AbCdEf"


def test_arn_body_keeps_every_colon() -> None:
    """`SecretReference.parse` splits at the first colon only, so the ARN is the secret id."""
    target = SecretTarget.of(ref(f"aws-sm:{ARN}#client_secret?version-stage=AWSPENDING"))

    assert SecretTarget(ARN, "AWSPENDING", None, "eu-central-1") == target


def test_name_with_parameters() -> None:
    """A name with stage, version and region parameters becomes the GetSecretValue request."""
    target = SecretTarget.of(
        ref("aws-sm:team/billing?version-stage=AWSPREVIOUS&version-id=v1&region=us-west-2")
    )

    assert "us-west-2" == target.region
    assert {
        "SecretId": "team/billing",
        "VersionStage": "AWSPREVIOUS",
        "VersionId": "v1",
    } == target.request()


def test_region_contradicting_the_arn_is_refused() -> None:
    """`?region=` that differs from the ARN's region is an error, not a silent not-found."""
    with pytest.raises(SecretSourceError) as caught:
        SecretTarget.of(ref(f"aws-sm:{ARN}?region=us-east-1"))

    assert "contradicts the ARN's region eu-central-1" in str(caught.value)


def test_unknown_parameter_is_refused() -> None:
    """A misspelt parameter is an error listing the ones this source knows."""
    with pytest.raises(SecretSourceError) as caught:
        SecretTarget.of(ref("aws-sm:billing?version_stage=AWSPENDING"))

    assert "unknown parameter version_stage" in str(caught.value)
    assert "region, version-id, version-stage" in str(caught.value)


def test_other_service_arn_is_refused() -> None:
    """An ARN of another service is not taken for a secret name."""
    with pytest.raises(SecretSourceError) as caught:
        SecretTarget.of(ref("aws-sm:arn:aws:ssm:us-east-1:123456789012:parameter/billing"))

    assert "not a Secrets Manager secret ARN" in str(caught.value)


def test_rotation_candidates_follow_the_stages() -> None:
    """An unpinned reference tries AWSCURRENT, then AWSPENDING, then AWSPREVIOUS, keeping its key."""
    source = AwsSecretsManagerSource(AwsSettings())

    candidates = source.rotation_candidates(ref(f"aws-sm:{ARN}#client_secret"))

    assert [
        f"aws-sm:{ARN}#client_secret",
        f"aws-sm:{ARN}#client_secret?version-stage=AWSPENDING",
        f"aws-sm:{ARN}#client_secret?version-stage=AWSPREVIOUS",
    ] == [str(candidate) for candidate in candidates]


@pytest.mark.parametrize("pin", ["version-stage=AWSPREVIOUS", "version-id=v1"])
def test_pinned_reference_is_its_only_candidate(pin: str) -> None:
    """A reference naming a stage or a version is not rotation-aware."""
    source = AwsSecretsManagerSource(AwsSettings())
    pinned = ref(f"aws-sm:billing?{pin}")

    assert [pinned] == list(source.rotation_candidates(pinned))
