"""Turning Azure SDK exceptions into credflow errors that say what to fix.

Messages name the reference, the vault URL and the permission or setting
involved; they carry Key Vault's and Entra ID's own messages (which name
identities, never secret values) and never a secret.
"""

from __future__ import annotations

import re

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ResourceNotFoundError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.identity import CredentialUnavailableError

from credflow import (
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretReference,
    SecretSourceError,
    SecretSourceUnavailableError,
)

from .address import SecretAddress
from .errors import AzureCredentialError, SecretDisabledError

__all__ = ["is_transient", "translate"]

_PERMISSION_HINT = (
    "grant this identity the secrets/get permission in the vault's access policy, or the "
    "RBAC role 'Key Vault Secrets User' on the vault or the secret"
)
_LIST_HINT = (
    "listing versions for rotation needs the secrets/list permission (access policy) or the "
    "RBAC role 'Key Vault Secrets User'"
)


def translate(
    exc: AzureError,
    reference: SecretReference,
    address: SecretAddress,
    *,
    credential: str,
    operation: str = "get",
) -> SecretSourceError:
    """Return the credflow error for an SDK failure reading `address`."""
    ref = str(reference)
    where = f"secret {reference}"
    target = f"{address.name!r} in Key Vault {address.vault_url}"
    if address.version is not None:
        target = f"version {address.version} of {target}"
    if isinstance(exc, ClientAuthenticationError):
        return _credential_error(exc, reference, address, credential)
    if isinstance(exc, ResourceNotFoundError):
        return SecretNotFoundError(
            f"{where}: there is no secret {target} (Key Vault says: {_service_message(exc)})",
            reference=ref,
        )
    if isinstance(exc, ServiceRequestError | ServiceResponseError):
        return SecretSourceUnavailableError(
            f"{where}: could not reach Key Vault {address.vault_url}: {exc.message}",
            reference=ref,
        )
    if isinstance(exc, HttpResponseError):
        status = exc.status_code or 0
        code, inner = _codes(exc)
        if status == 403 and (inner == "SecretDisabled" or "disabled secret" in _service_message(exc)):
            return SecretDisabledError(
                f"{where}: {target} is disabled; enable it (az keyvault secret set-attributes "
                "--enabled true) or point the reference at an enabled version",
                reference=ref,
            )
        if status == 403 and inner == "ForbiddenByFirewall":
            return SecretAccessDeniedError(
                f"{where}: the firewall of Key Vault {address.vault_url} refused this client's "
                f"network; allow it under the vault's networking settings "
                f"(Key Vault says: {_service_message(exc)})",
                reference=ref,
            )
        if status == 403:
            hint = _PERMISSION_HINT if operation == "get" else _LIST_HINT
            return SecretAccessDeniedError(
                f"{where}: Key Vault {address.vault_url} refused to {operation} {target}: {hint} "
                f"(Key Vault says: {_service_message(exc)})",
                reference=ref,
            )
        if status == 429 or status >= 500:
            return SecretSourceUnavailableError(
                f"{where}: Key Vault {address.vault_url} answered HTTP {status}"
                f"{f' {code}' if code else ''}; it is throttling or failing, try again later",
                reference=ref,
            )
        return SecretSourceError(
            f"{where}: Key Vault {address.vault_url} answered HTTP {status}"
            f"{f' {code}' if code else ''}: {_service_message(exc)}",
            reference=ref,
        )
    return SecretSourceError(
        f"{where}: reading {target} failed: {type(exc).__name__}: {exc.message}", reference=ref
    )


def _credential_error(
    exc: ClientAuthenticationError,
    reference: SecretReference,
    address: SecretAddress,
    credential: str,
) -> SecretSourceError:
    ref = str(reference)
    where = f"secret {reference}"
    response = exc.response
    status = response.status_code if response is not None else None
    url = str(getattr(response.request, "url", "")) if response is not None else ""
    if status == 401 and url.startswith(address.vault_url):
        return AzureCredentialError(
            f"{where}: Key Vault {address.vault_url} rejected the access token of credential "
            f"{credential!r}; check that the identity belongs to the vault's tenant "
            f"(Key Vault says: {_service_message(exc)})",
            reference=ref,
        )
    if is_transient(exc):
        return SecretSourceUnavailableError(
            f"{where}: Microsoft Entra ID (or the managed identity endpoint) failed or could not "
            f"be reached while getting a token for Key Vault {address.vault_url}: {exc.message}; "
            "try again later",
            reference=ref,
        )
    if isinstance(exc, CredentialUnavailableError):
        return AzureCredentialError(
            f"{where}: no Azure credential is available for Key Vault {address.vault_url} "
            f"(credential = {credential!r}): {exc.message}. Set sources.azure-kv.credential to "
            "'managed_identity', 'workload_identity', 'client_secret' or 'certificate' with "
            "its tenant_id and client_id, or provide the environment DefaultAzureCredential reads",
            reference=ref,
        )
    return AzureCredentialError(
        f"{where}: Microsoft Entra ID did not give credential {credential!r} a token for Key "
        f"Vault {address.vault_url}: {exc.message}. Check sources.azure-kv.tenant_id, client_id "
        "and the client secret or certificate",
        reference=ref,
    )


# MSAL reports a failed tenant discovery only as the text "HTTP Error: 503".
_MSAL_HTTP_ERROR = re.compile(r"HTTP Error: (?:429|5\d\d)\b")


def is_transient(exc: BaseException) -> bool:
    """Whether a credential failure came from an outage rather than a wrong configuration."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ServiceRequestError | ServiceResponseError):
            return True
        response = getattr(current, "response", None)
        status = getattr(response, "status_code", None)
        if isinstance(status, int) and (status == 429 or status >= 500):
            return True
        if _MSAL_HTTP_ERROR.search(str(current)):
            return True
        current = current.__cause__ or current.__context__
    return False


def _codes(exc: HttpResponseError) -> tuple[str | None, str | None]:
    error = exc.error
    if error is None:
        return None, None
    inner = error.innererror.get("code") if isinstance(error.innererror, dict) else None
    return error.code, inner if isinstance(inner, str) else None


def _service_message(exc: HttpResponseError) -> str:
    if exc.error is not None and exc.error.message:
        return exc.error.message.replace("\r\n", " ").strip()
    return str(exc.reason or exc.message)
