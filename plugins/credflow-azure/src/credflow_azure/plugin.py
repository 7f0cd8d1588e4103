"""The credflow hook implementation: serves the `azure-kv` scheme.

Loading this module imports neither azure-identity nor azure-keyvault-secrets;
the factory imports them when the first `azure-kv:` reference is resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from credflow import ConfigError, hookimpl
from credflow.plugin import RegisterSecretSource, SourceContext

from .settings import SCHEME, SETTINGS, AzureKeyVaultSettings

if TYPE_CHECKING:
    from .source import AzureKeyVaultSource

__all__ = ["credflow_register_secret_sources", "make_source"]


def make_source(context: SourceContext) -> AzureKeyVaultSource:
    """Validate `[sources.azure-kv]` and create the source (this imports the Azure SDK)."""
    settings = AzureKeyVaultSettings.from_mapping(context.settings)
    try:
        from .source import AzureKeyVaultSource
    except ImportError as exc:
        raise ConfigError(
            f"azure-kv: references need azure-identity and azure-keyvault-secrets ({exc}); "
            "install them with: pip install 'credflow[azure]'"
        ) from exc
    return AzureKeyVaultSource(settings, context.resolve)


@hookimpl
def credflow_register_secret_sources(register: RegisterSecretSource) -> None:
    """Serve the `azure-kv` scheme."""
    register(SCHEME, make_source, description="Azure Key Vault secrets (azure-identity)", settings=SETTINGS)
