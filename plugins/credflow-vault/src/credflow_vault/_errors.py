"""Turning hvac and requests exceptions into credflow errors that say what to fix."""

from __future__ import annotations

import hvac.exceptions  # type: ignore[import-untyped,unused-ignore]
import requests

from credflow import (
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretSourceError,
    SecretSourceUnavailableError,
)
from credflow.plugin import SecretReference

__all__ = ["translate", "vault_messages"]

# hvac maps these statuses to exception classes; all of them mean "try again later".
_UNAVAILABLE = (
    hvac.exceptions.VaultDown,  # 503, also what a sealed server answers
    hvac.exceptions.InternalServerError,
    hvac.exceptions.BadGateway,
    hvac.exceptions.RateLimitExceeded,
    hvac.exceptions.VaultNotInitialized,
    hvac.exceptions.PreconditionFailed,  # a performance standby not caught up yet
    # hvac raises this for statuses it has no class for, in practice a proxy's 504.
    hvac.exceptions.UnexpectedError,
)


def vault_messages(exc: hvac.exceptions.VaultError) -> str:
    """The server's error strings (never secret values), or the exception's name."""
    errors = [str(error) for error in exc.errors or () if error]
    return "; ".join(errors) or type(exc).__name__


def translate(
    exc: Exception,
    reference: SecretReference,
    *,
    address: str,
    api_path: str,
    capability: str = "read",
) -> SecretSourceError:
    """Map an exception raised while calling Vault at `api_path` to a credflow error."""
    ref = str(reference)
    if isinstance(exc, SecretSourceError):
        return exc
    if isinstance(exc, requests.exceptions.Timeout):
        return SecretSourceUnavailableError(
            f"secret {ref}: Vault at {address} did not answer in time; check the server, "
            "or raise sources.vault.timeout",
            reference=ref,
        )
    if isinstance(exc, requests.exceptions.SSLError):
        return SecretSourceUnavailableError(
            f"secret {ref}: TLS verification of Vault at {address} failed; set "
            "sources.vault.ca_cert to the CA file that signed its certificate",
            reference=ref,
        )
    if isinstance(exc, requests.exceptions.RequestException):
        return SecretSourceUnavailableError(
            f"secret {ref}: Vault at {address} could not be reached "
            f"({type(exc).__name__}); check sources.vault.address (or VAULT_ADDR) and that "
            "the server is running",
            reference=ref,
        )
    if isinstance(exc, hvac.exceptions.VaultDown) and "sealed" in vault_messages(exc).lower():
        return SecretSourceUnavailableError(
            f"secret {ref}: Vault at {address} is sealed; an operator must unseal it "
            "(bao operator unseal / vault operator unseal)",
            reference=ref,
        )
    if isinstance(exc, _UNAVAILABLE):
        return SecretSourceUnavailableError(
            f"secret {ref}: Vault at {address} failed while reading {api_path}: {vault_messages(exc)}",
            reference=ref,
        )
    if isinstance(exc, hvac.exceptions.Forbidden):
        return SecretAccessDeniedError(
            f"secret {ref}: Vault denied {capability} on {api_path}; the token's policy needs "
            f'path "{api_path}" {{ capabilities = ["{capability}"] }}',
            reference=ref,
        )
    if isinstance(exc, hvac.exceptions.InvalidPath):
        detail = f" ({vault_messages(exc)})" if exc.errors else ""
        return SecretNotFoundError(
            f"secret {ref}: nothing at {api_path} in Vault at {address}{detail}; check the mount and path",
            reference=ref,
        )
    if isinstance(exc, hvac.exceptions.VaultError):
        return SecretSourceError(
            f"secret {ref}: Vault at {address} refused the request for {api_path}: {vault_messages(exc)}",
            reference=ref,
        )
    return SecretSourceError(
        f"secret {ref}: reading {api_path} from Vault at {address} failed: {type(exc).__name__}",
        reference=ref,
    )
