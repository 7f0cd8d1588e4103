"""The secret-source contract: what a plugin registers for a reference scheme.

A plugin registers a *factory* for a scheme through the
`credflow_register_secret_sources` hook. credflow calls the factory once per
plugin host with a `SourceContext` (the `[sources.<scheme>]` settings and a
way to resolve nested secret references) and uses the returned object for
every reference of that scheme.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable

from ..events import AuditEvent
from ._reference import SecretReference
from ._value import SecretValue

__all__ = [
    "AsyncSecretSource",
    "RotatingSecretSource",
    "SecretSource",
    "SecretSourceFactory",
    "SourceContext",
]


@runtime_checkable
class SecretSource(Protocol):
    """Reads secrets for one reference scheme.

    `fetch` is called when a token is acquired. With `fresh=False` the source
    may answer from its own cache; with `fresh=True` (after the token endpoint
    rejected the secret) it must read the backend again. It raises a
    `credflow.SecretSourceError` subclass naming the reference on failure.
    """

    def fetch(self, reference: SecretReference, *, fresh: bool) -> SecretValue: ...


@runtime_checkable
class AsyncSecretSource(Protocol):
    """A source that can also read without blocking an event loop.

    Sources without `afetch` are called in a worker thread on the async path.
    """

    def afetch(self, reference: SecretReference, *, fresh: bool) -> Awaitable[SecretValue]: ...


@runtime_checkable
class RotatingSecretSource(Protocol):
    """A source that knows the other versions valid during a rotation window.

    `rotation_candidates` returns the references to try, in order, after the
    token endpoint rejected `reference`'s value; the first is `reference` itself.
    """

    def rotation_candidates(self, reference: SecretReference) -> Sequence[SecretReference]: ...


def _no_resolver(reference: str) -> SecretValue:
    raise RuntimeError("this SourceContext cannot resolve nested secret references")


@dataclass(frozen=True, slots=True)
class SourceContext:
    """What a secret-source factory is given.

    `settings` is the `[sources.<scheme>]` table (empty when absent);
    `resolve` reads another secret reference (for a source whose own
    credentials are secrets, such as a Vault AppRole `secret_id`); `emit`
    sends an audit event (for example a stale value served).
    """

    scheme: str
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    resolve: Callable[[str], SecretValue] = field(default=_no_resolver)
    emit: Callable[[AuditEvent], None] = field(default=lambda event: None)


SecretSourceFactory = Callable[[SourceContext], SecretSource]
