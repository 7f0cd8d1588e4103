"""Workload identity: a token with no secret anywhere, from a projected service-account token."""

from __future__ import annotations

from pathlib import Path

import pytest

from credflow.errors import CredentialsRejectedError
from credflow.events import SecretRotation
from credflow.testing import AuditRecorder, AuthServer

from .conftest import EngineFactory
from .workload import ENTRA_AUDIENCE, SERVICE_ACCOUNT, ClusterIssuer, ProjectedTokenVolume


@pytest.fixture
def cluster() -> ClusterIssuer:
    """The cluster that issues the pod's service-account tokens."""
    return ClusterIssuer()


@pytest.fixture
def workload_server(server: AuthServer, cluster: ClusterIssuer) -> AuthServer:
    """The authorization server, with client `billing` trusting the cluster's service account."""
    server.add_client("billing", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.trust_federated_issuer(
        "billing", issuer=cluster.issuer, jwks=cluster.jwks, subject=SERVICE_ACCOUNT, audience=ENTRA_AUDIENCE
    )
    return server


def test_token_with_no_secret_anywhere(
    workload_server: AuthServer, cluster: ClusterIssuer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """The client config names only the projected token file; the server holds no secret for it."""
    volume = ProjectedTokenVolume(tmp_path)
    engine = make_engine(
        client_id="billing", auth_method="client_assertion", client_assertion=volume.publish(cluster.token())
    )
    assert ("api.read", None) == (engine.get_token().scope, engine.config.client_secret)


async def test_token_with_no_secret_anywhere_async(
    workload_server: AuthServer, cluster: ClusterIssuer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """The same on the async path."""
    volume = ProjectedTokenVolume(tmp_path)
    engine = make_engine(
        client_id="billing", auth_method="client_assertion", client_assertion=volume.publish(cluster.token())
    )
    assert "api.read" == (await engine.aget_token()).scope


def test_new_token_after_the_kubelet_rotated_the_file(
    workload_server: AuthServer,
    cluster: ClusterIssuer,
    make_engine: EngineFactory,
    recorder: AuditRecorder,
    tmp_path: Path,
) -> None:
    """After the ..data swap (and the cluster's key rotation) the next acquisition sends the new token."""
    volume = ProjectedTokenVolume(tmp_path)
    engine = make_engine(
        client_id="billing", auth_method="client_assertion", client_assertion=volume.publish(cluster.token())
    )
    first = engine.get_token()
    rotated = ClusterIssuer(cluster.issuer)  # a new signing key: only tokens from now on verify
    workload_server.trust_federated_issuer(
        "billing", issuer=cluster.issuer, jwks=rotated.jwks, subject=SERVICE_ACCOUNT, audience=ENTRA_AUDIENCE
    )
    volume.publish(rotated.token())
    engine.invalidate(first)
    second = engine.get_token()
    changed = [event.kind for event in recorder.of_type(SecretRotation)]
    assert (True, ["changed"]) == (first.access_token != second.access_token, changed)


def test_wrong_subject_is_refused_with_a_clear_error(
    workload_server: AuthServer, cluster: ClusterIssuer, make_engine: EngineFactory, tmp_path: Path
) -> None:
    """A token for another service account is refused; the error names the client and the file."""
    volume = ProjectedTokenVolume(tmp_path)
    reference = volume.publish(cluster.token(subject="system:serviceaccount:payments:other"))
    engine = make_engine(client_id="billing", auth_method="client_assertion", client_assertion=reference)
    with pytest.raises(CredentialsRejectedError) as caught:
        engine.get_token()
    message = str(caught.value)
    assert (True, True, True) == ("sub" in message, "'billing'" in message, reference in message)
