"""The credflow hook implementation: serves the `vault` scheme.

Loading this module imports neither hvac nor requests; the factory does, the
first time a `vault:` reference is resolved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from credflow import hookimpl
from credflow.plugin import RegisterSecretSource, SourceContext

from .settings import SETTINGS, parse_settings

if TYPE_CHECKING:
    from .source import VaultSecretSource

__all__ = ["credflow_register_secret_sources", "vault_source_factory"]


def vault_source_factory(context: SourceContext) -> VaultSecretSource:
    """Validate `[sources.vault]` and build the source (importing hvac only now)."""
    settings = parse_settings(context.settings)
    from .source import VaultSecretSource

    return VaultSecretSource(settings, resolve=context.resolve)


@hookimpl
def credflow_register_secret_sources(register: RegisterSecretSource) -> None:
    """Serve the `vault` scheme."""
    register(
        "vault",
        vault_source_factory,
        description="HashiCorp Vault / OpenBao KV v1 and v2 secrets",
        settings=SETTINGS,
    )
