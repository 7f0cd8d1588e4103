"""Which secret to try, in which order, when the token endpoint rejects one.

The candidates are the primary reference, then (with `try_versions`) the
versions its source knows in a rotation window, then the configured fallback
references. The one that worked last is tried first next time, so a service
in a rotation window does not pay a rejected request per renewal; the primary
takes over again as soon as it works.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Literal

from ..secret._reference import SecretReference

RotationKind = Literal["candidate-fallback", "fallback-ended"]

__all__ = ["CandidateOrder"]


class CandidateOrder:
    """Remembers the candidate that last worked for one client."""

    def __init__(self, primary: SecretReference, fallbacks: Sequence[SecretReference]) -> None:
        self.primary = primary
        self._fallbacks = tuple(fallbacks)
        self._working: SecretReference | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> SecretReference:
        """The reference to use first: the one that last worked, else the primary."""
        return self._working or self.primary

    @property
    def on_fallback(self) -> bool:
        """Whether a non-primary candidate is in use."""
        return self._working is not None

    def after_rejection(
        self, rejected: SecretReference, versions: Sequence[SecretReference]
    ) -> list[SecretReference]:
        """The references to try, in order, after `rejected` was refused.

        `versions` is what the primary's source offers (primary first).
        """
        ordered: list[SecretReference] = []
        for reference in (self.primary, *versions, *self._fallbacks):
            if reference != rejected and reference not in ordered:
                ordered.append(reference)
        return ordered

    def worked(self, reference: SecretReference) -> RotationKind | None:
        """Record that `reference` worked; return the rotation event kind, if any."""
        with self._lock:
            before = self._working
            self._working = None if reference == self.primary else reference
        if reference == self.primary:
            return "fallback-ended" if before is not None else None
        return "candidate-fallback" if before != reference else None
