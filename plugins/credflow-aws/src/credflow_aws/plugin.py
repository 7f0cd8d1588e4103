"""The credflow hook implementation: serves the `aws-sm` scheme."""

from __future__ import annotations

from typing import TYPE_CHECKING

from credflow import hookimpl
from credflow.plugin import RegisterSecretSource, SourceContext

from .settings import SETTINGS, AwsSettings

if TYPE_CHECKING:
    from .source import AwsSecretsManagerSource

__all__ = ["SCHEME", "credflow_register_secret_sources"]

SCHEME = "aws-sm"


def _factory(context: SourceContext) -> AwsSecretsManagerSource:
    settings = AwsSettings.from_mapping(context.settings, scheme=context.scheme)
    # Imported here so that loading the plugin (every `credflow` start-up)
    # never pays for importing boto3.
    from .source import AwsSecretsManagerSource

    return AwsSecretsManagerSource(settings)


@hookimpl
def credflow_register_secret_sources(register: RegisterSecretSource) -> None:
    """Serve `aws-sm:` references."""
    register(SCHEME, _factory, description="AWS Secrets Manager (GetSecretValue)", settings=SETTINGS)
