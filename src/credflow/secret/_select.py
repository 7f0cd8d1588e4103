"""Turning the raw text of a secret into the value a reference asks for."""

from __future__ import annotations

import json

from ..errors import SecretNotFoundError, SecretSourceError
from ._reference import SecretReference
from ._value import SecretValue

__all__ = ["select_value"]


def select_value(
    raw: str, reference: SecretReference, *, where: str, version: str | None = None
) -> SecretValue:
    """Return the secret: the whole text, or with `#key` one field of a JSON object.

    `where` names the place the text came from (a path, a variable) for errors.
    Messages name keys and places, never values.
    """
    if reference.key is None:
        value = raw
    else:
        try:
            document = json.loads(raw)
        except ValueError:
            raise SecretSourceError(
                f"secret {reference}: {where} is not JSON, so key {reference.key!r} cannot be "
                "selected; drop the '#key' to use the whole value",
                reference=str(reference),
            ) from None
        if not isinstance(document, dict):
            raise SecretSourceError(
                f"secret {reference}: {where} holds JSON {type(document).__name__}, not an "
                f"object, so key {reference.key!r} cannot be selected",
                reference=str(reference),
            )
        if reference.key not in document:
            keys = ", ".join(sorted(map(str, document))) or "none"
            raise SecretNotFoundError(
                f"secret {reference}: key {reference.key!r} not found in {where} (keys present: {keys})",
                reference=str(reference),
            )
        selected = document[reference.key]
        if not isinstance(selected, str):
            raise SecretSourceError(
                f"secret {reference}: key {reference.key!r} in {where} is a "
                f"{type(selected).__name__}, expected a string",
                reference=str(reference),
            )
        value = selected
    if not value:
        raise SecretSourceError(f"secret {reference}: {where} is empty", reference=str(reference))
    return SecretValue(value, version=version)
