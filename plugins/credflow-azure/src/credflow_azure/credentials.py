"""Building the azure-identity credential that `credential = "..."` names.

Secrets the credential itself needs (`client_secret`, `certificate`,
`certificate_password`) are secret references, resolved here through
`SourceContext.resolve` when the credential is first built, never stored in
the settings.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from azure.core.credentials import TokenCredential
from azure.identity import (
    CertificateCredential,
    ClientSecretCredential,
    DefaultAzureCredential,
    ManagedIdentityCredential,
    WorkloadIdentityCredential,
)

from credflow import SecretValue

from .settings import AzureKeyVaultSettings

__all__ = ["build_credential"]


def build_credential(
    settings: AzureKeyVaultSettings,
    resolve: Callable[[str], SecretValue],
    transport: Mapping[str, Any],
) -> TokenCredential:
    """Return the configured credential; `transport` holds azure-core pipeline options."""
    options: dict[str, Any] = dict(transport)
    if settings.authority is not None:
        options["authority"] = settings.authority
    if settings.disable_instance_discovery:
        options["disable_instance_discovery"] = True
    kind = settings.credential
    if kind == "managed_identity":
        return ManagedIdentityCredential(client_id=settings.client_id, **transport)
    if kind == "workload_identity":
        return WorkloadIdentityCredential(
            tenant_id=settings.tenant_id,
            client_id=settings.client_id,
            token_file_path=settings.token_file_path,
            **options,
        )
    if kind == "client_secret":
        return ClientSecretCredential(
            _required(settings.tenant_id),
            _required(settings.client_id),
            resolve(_required(settings.client_secret)).reveal(),
            **options,
        )
    if kind == "certificate":
        if settings.certificate_password is not None:
            options["password"] = resolve(settings.certificate_password).reveal().encode()
        if settings.certificate is not None:
            options["certificate_data"] = resolve(settings.certificate).reveal().encode()
        return CertificateCredential(
            _required(settings.tenant_id),
            _required(settings.client_id),
            certificate_path=settings.certificate_path,
            **options,
        )
    # "default": a user-assigned identity or workload identity is picked by client_id.
    if settings.client_id is not None:
        options["managed_identity_client_id"] = settings.client_id
        options["workload_identity_client_id"] = settings.client_id
    if settings.tenant_id is not None:
        options["workload_identity_tenant_id"] = settings.tenant_id
    return DefaultAzureCredential(**options)


def _required(value: str | None) -> str:
    # AzureKeyVaultSettings.from_mapping already refused a missing required key.
    if value is None:
        raise AssertionError("a required azure-kv setting is missing")
    return value
