"""The moto controller other suites reuse: stage moves, request counts, shutdown."""

from __future__ import annotations

import socket

import pytest
from credflow_aws.testing import MotoSecretsManager


def test_rotate_moves_current_and_previous(aws: MotoSecretsManager, name: str) -> None:
    """After `rotate`, the new version is AWSCURRENT (also without a stage) and the old AWSPREVIOUS."""
    aws.create_secret(name, "v1")
    first = aws.version_of(name, "AWSCURRENT")

    second = aws.rotate(name, "v2")
    plain = aws.client().get_secret_value(SecretId=name)

    assert (second, "v2") == (plain["VersionId"], plain["SecretString"])
    assert (first, second) == (aws.version_of(name, "AWSPREVIOUS"), aws.version_of(name, "AWSCURRENT"))


def test_put_after_rotate_leaves_one_current(aws: MotoSecretsManager, name: str) -> None:
    """A PutSecretValue after a promotion leaves exactly one AWSCURRENT (moto workaround holds)."""
    aws.create_secret(name, "v1")
    aws.rotate(name, "v2")

    third = aws.put_value(name, "v3")
    labels = aws.stages(name)

    assert [third] == [version for version, stages in labels.items() if "AWSCURRENT" in stages]
    assert "v3" == aws.client().get_secret_value(SecretId=name)["SecretString"]


def test_request_count_counts_operations(aws: MotoSecretsManager, name: str) -> None:
    """Every GetSecretValue that reaches the server is counted."""
    aws.create_secret(name, "counted")
    before = aws.request_count("GetSecretValue")

    aws.client().get_secret_value(SecretId=name)
    aws.client().get_secret_value(SecretId=name)

    assert 2 == aws.request_count("GetSecretValue") - before


def test_stop_closes_the_port() -> None:
    """After `stop()` nothing listens on the server's port any more."""
    with MotoSecretsManager() as server:
        port = server.port

    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):
        probe.connect(("127.0.0.1", port))
