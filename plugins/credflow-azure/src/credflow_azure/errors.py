"""The errors specific to Key Vault, as subclasses of credflow's secret-source errors.

They import no SDK, so callers can catch them without loading Azure's packages.
"""

from __future__ import annotations

from credflow import SecretAccessDeniedError, SecretSourceError

__all__ = ["AzureCredentialError", "SecretDisabledError", "SecretExpiredError"]


class SecretDisabledError(SecretSourceError):
    """The secret version is disabled in Key Vault (an administrator turned it off)."""


class SecretExpiredError(SecretSourceError):
    """The secret version's expiry date (`exp`) has passed.

    Key Vault still returns expired secrets; credflow refuses them unless
    `allow_expired = true`, because an expired credential is a rotation that
    did not happen.
    """


class AzureCredentialError(SecretAccessDeniedError):
    """No Microsoft Entra ID token could be had for Key Vault with the configured credential."""
