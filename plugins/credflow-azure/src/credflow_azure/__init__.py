"""credflow-azure: client secrets read from Azure Key Vault (`azure-kv:` references).

Importing this package does not import the Azure SDK; the source loads it the
first time an `azure-kv:` reference is resolved.
"""

from __future__ import annotations

from .errors import AzureCredentialError, SecretDisabledError, SecretExpiredError
from .settings import AzureKeyVaultSettings

__version__ = "0.1.0"

__all__ = [
    "AzureCredentialError",
    "AzureKeyVaultSettings",
    "SecretDisabledError",
    "SecretExpiredError",
    "__version__",
]
