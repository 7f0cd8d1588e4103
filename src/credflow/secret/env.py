"""`env:NAME[#key]`: a secret in an environment variable (optionally a JSON object).

Registered by the plugin host (`credflow.env`); this module imports no plugin machinery, so a warm
`credflow token` reads the variable without pluggy."""

from __future__ import annotations

import os

from ..errors import SecretNotFoundError
from ._reference import SecretReference
from ._select import select_value
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
