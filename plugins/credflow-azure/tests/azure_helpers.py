"""Names and helpers shared by the azure-kv tests (a module name unique across plugins)."""

from __future__ import annotations

from collections.abc import Callable

import credflow

APP_ID = "credflow-app"
APP_SECRET = "app-secret-value"
NO_LIST_APP_ID = "credflow-app-no-list"
CERT_APP_ID = "credflow-app-cert"
WORKLOAD_APP_ID = "credflow-app-workload"
FEDERATED_TOKEN = "federated-token-from-kubernetes"

HostFactory = Callable[..., credflow.PluginHost]


def resolve(host: credflow.PluginHost, text: str, *, fresh: bool = False) -> credflow.SecretValue:
    """Resolve a reference string through the host's real plugin machinery."""
    return host.resolve_secret(credflow.SecretReference.parse(text), fresh=fresh)


async def aresolve(host: credflow.PluginHost, text: str, *, fresh: bool = False) -> credflow.SecretValue:
    """Resolve a reference string on the async path."""
    return await host.aresolve_secret(credflow.SecretReference.parse(text), fresh=fresh)
