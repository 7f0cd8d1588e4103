"""A plugin provides the assertion (`credflow_client_assertion`): a Workload API, not a file."""

from __future__ import annotations

from typing import Any

import pytest

from credflow import SecretReference, SecretValue, hookimpl
from credflow.client_auth._methods import AssertionRequest
from credflow.errors import SecretSourceError
from credflow.testing import AuthServer

from .conftest import EngineFactory
from .workload import ENTRA_AUDIENCE, SERVICE_ACCOUNT, ClusterIssuer


class WorkloadApi:
    """A plugin serving `workload:` references through the assertion hook (as a SPIFFE Workload API would)."""

    def __init__(self, cluster: ClusterIssuer) -> None:
        self.cluster = cluster
        self.requests: list[AssertionRequest] = []

    @hookimpl
    def credflow_register_secret_sources(self, register: Any) -> None:
        # The scheme is registered so that configurations naming it are valid when loaded;
        # reading it as a secret is a mistake this plugin reports.
        register("workload", lambda context: _NotASecret())

    @hookimpl
    def credflow_client_assertion(self, request: AssertionRequest) -> SecretValue | None:
        if request.reference.scheme != "workload":
            return None
        self.requests.append(request)
        audience = request.reference.params.get("audience", ENTRA_AUDIENCE)
        return SecretValue(self.cluster.token(audience=audience))


class _NotASecret:
    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        raise SecretSourceError(f"{reference} is an assertion provider, not a secret")


@pytest.fixture
def cluster(server: AuthServer) -> ClusterIssuer:
    """A cluster issuer the server trusts for client `billing`."""
    issuer = ClusterIssuer()
    server.add_client("billing", None, scopes=["api.read"], auth_methods=["private_key_jwt"])
    server.trust_federated_issuer(
        "billing", issuer=issuer.issuer, jwks=issuer.jwks, subject=SERVICE_ACCOUNT, audience=ENTRA_AUDIENCE
    )
    return issuer


def test_plugin_provides_the_assertion(cluster: ClusterIssuer, make_engine: EngineFactory) -> None:
    """The hook's assertion is sent; the hook saw the client, the reference and no secret."""
    plugin = WorkloadApi(cluster)
    engine = make_engine(
        plugins=(plugin,),
        client_id="billing",
        auth_method="client_assertion",
        client_assertion="workload:billing",
    )
    token = engine.get_token()
    seen = plugin.requests[0]
    assert ("api.read", "billing", "workload:billing") == (token.scope, seen.client_id, str(seen.reference))


async def test_plugin_provides_the_assertion_async(
    cluster: ClusterIssuer, make_engine: EngineFactory
) -> None:
    """The async path asks the hook too (on a worker thread)."""
    plugin = WorkloadApi(cluster)
    engine = make_engine(
        plugins=(plugin,),
        client_id="billing",
        auth_method="client_assertion",
        client_assertion="workload:billing",
    )
    assert ("api.read", 1) == ((await engine.aget_token()).scope, len(plugin.requests))
