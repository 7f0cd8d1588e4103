"""`SecretValue`: a string that never shows itself, and the fingerprint used in its place."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

__all__ = ["SecretValue", "fingerprint"]


def fingerprint(value: str | bytes) -> str:
    """Return a short, stable, non-reversible fingerprint of a secret or token.

    Twelve hex digits of SHA-256: enough to tell two values apart in a log,
    far too little to recover or brute-force a high-entropy secret.
    """
    data = value.encode() if isinstance(value, str) else value
    return "sha256:" + hashlib.sha256(data).hexdigest()[:12]


class SecretValue:
    """A secret string whose `repr` and `str` never show it.

    Call `reveal()` at the one place the plain value is needed (building the
    token request). Equality compares values in constant time, so a source can
    tell whether a fresh read changed anything.
    """

    __slots__ = ("_value", "cached", "stale", "version")

    def __init__(
        self,
        value: str,
        *,
        version: str | None = None,
        cached: bool = False,
        stale: bool = False,
    ) -> None:
        if not isinstance(value, str):
            raise TypeError("SecretValue wraps a str")
        self._value = value
        #: The backend's version label, when it has one (safe to log).
        self.version = version
        #: Served from the source's cache rather than read from the backend now.
        self.cached = cached
        #: Served past its TTL because the backend was failing (stale-if-error).
        self.stale = stale

    def served_from_cache(self, *, stale: bool = False) -> SecretValue:
        """Return a copy marked as served from a cache (and stale, if so)."""
        return SecretValue(self._value, version=self.version, cached=True, stale=stale)

    def reveal(self) -> str:
        """Return the plain secret. Never log or format the result."""
        return self._value

    @property
    def fingerprint(self) -> str:
        """A short fingerprint of the value, safe to log."""
        return fingerprint(self._value)

    def __repr__(self) -> str:
        version = f", version={self.version!r}" if self.version is not None else ""
        return f"SecretValue(<redacted {self.fingerprint}>{version})"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretValue):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)

    def __reduce__(self) -> str | tuple[Any, ...]:
        raise TypeError("SecretValue cannot be pickled")
