"""`env:NAME[#key]`: a secret in an environment variable (optionally a JSON object)."""

from __future__ import annotations

import os

from ..errors import SecretNotFoundError
from ..hookspecs import RegisterSecretSource, hookimpl
from ._reference import SecretReference
from ._select import select_value
from ._source import SourceContext
from ._value import SecretValue

__all__ = ["EnvSecretSource"]


class EnvSecretSource:
    """Reads the environment at every acquisition, so a changed variable is seen at once."""

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue:
        raw = os.environ.get(reference.body)
        if raw is None:
            raise SecretNotFoundError(
                f"secret {reference}: environment variable {reference.body} is not set",
                reference=str(reference),
            )
        return select_value(raw, reference, where=f"environment variable {reference.body}")


@hookimpl
def credflow_register_secret_sources(register: RegisterSecretSource) -> None:
    """Serve the `env` scheme."""

    def factory(context: SourceContext) -> EnvSecretSource:
        return EnvSecretSource()

    register("env", factory, description="environment variables")
