"""Secret references: the strings that name a secret without containing it.

A reference is `scheme:body[#key][?param=value&...]`, for example
`env:BILLING_SECRET`, `file:/run/secrets/billing.json#client_secret` or
`vault:secret/billing#client_secret?version=3`. The scheme picks the secret
source plugin; what the body, key and parameters mean is up to that plugin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import parse_qsl

from .errors import ConfigError
from .security import redact_userinfo

__all__ = ["SecretReference", "looks_like_reference"]

_SCHEME = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.\-]*):(?P<rest>.+)$", re.DOTALL)


def looks_like_reference(value: str, known_schemes: frozenset[str] | None = None) -> bool:
    """Tell whether `value` has the shape of a secret reference (not a literal secret).

    With `known_schemes`, the scheme must also be one of them.
    """
    match = _SCHEME.match(value)
    if match is None:
        return False
    return known_schemes is None or match["scheme"] in known_schemes


@dataclass(frozen=True, slots=True)
class SecretReference:
    """A parsed secret reference. Holds no secret, so it is safe to log and show."""

    scheme: str
    body: str
    key: str | None = None
    params: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def parse(cls, text: str, *, config_key: str = "client_secret") -> SecretReference:
        """Parse `text`; a string that is not a reference raises `ConfigError` naming `config_key`.

        The query (`?a=b`) is split off the end first, then the key (`#k`), so
        a key may not contain `?` and a body may contain neither `#` nor `?`.
        """
        match = _SCHEME.match(text.strip()) if isinstance(text, str) else None
        if match is None:
            raise ConfigError(
                f"{config_key}: expected a secret reference such as 'env:NAME' or "
                "'file:/path/to/secret', not a literal value"
            )
        scheme, rest = match["scheme"], match["rest"]
        query = ""
        if "?" in rest:
            rest, query = rest.split("?", 1)
        key: str | None = None
        if "#" in rest:
            rest, key = rest.split("#", 1)
            if not key:
                raise ConfigError(f"{config_key}: empty key after '#' in secret reference")
        if not rest:
            raise ConfigError(f"{config_key}: secret reference {scheme}: names nothing")
        if "://" in rest and redact_userinfo(rest) != rest:
            # `azure-kv:https://user:pass@vault/…`: the reference is shown in `config show` and errors.
            raise ConfigError(
                f"{config_key}: the URL in this {scheme}: reference carries credentials (user:password@); "
                f"remove them: the {scheme} source gets its credentials from its own settings"
            )
        try:
            pairs = parse_qsl(query, keep_blank_values=False, strict_parsing=bool(query))
        except ValueError as exc:
            raise ConfigError(
                f"{config_key}: malformed parameters after '?' in a {scheme}: secret reference "
                "(expected name=value pairs joined by '&')"
            ) from exc
        return cls(scheme=scheme, body=rest, key=key, params=MappingProxyType(dict(pairs)))

    def with_params(self, **params: str) -> SecretReference:
        """Return a copy with some parameters replaced (used for rotation candidates)."""
        merged = dict(self.params)
        merged.update(params)
        return SecretReference(self.scheme, self.body, self.key, MappingProxyType(merged))

    def __str__(self) -> str:
        text = f"{self.scheme}:{self.body}"
        if self.key is not None:
            text += f"#{self.key}"
        if self.params:
            text += "?" + "&".join(f"{k}={v}" for k, v in sorted(self.params.items()))
        return text

    def __hash__(self) -> int:
        return hash((self.scheme, self.body, self.key, tuple(sorted(self.params.items()))))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretReference):
            return NotImplemented
        return (self.scheme, self.body, self.key, dict(self.params)) == (
            other.scheme,
            other.body,
            other.key,
            dict(other.params),
        )
