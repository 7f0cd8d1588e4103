"""Resolving secret references through the hooks: bounded in time, audited, errors made typed.

`SecretResolution` is the part of `PluginHost` that turns a reference into a
value (`resolve_secret`, `aresolve_secret`); `BuiltinResolver` is the hook
implementation that runs last and calls the source registered for the scheme.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, cast

import pluggy

from .. import hookspecs
from ..errors import CredflowError, SecretSourceError, UnknownSecretSchemeError
from ..events import AuditEvent, SecretFailed, SecretFetched
from ..secret._bounded_reads import BoundedReads
from ..secret._reference import SecretReference
from ..secret._source import SecretSource
from ..secret._value import SecretValue

if TYPE_CHECKING:
    from ..client_auth._methods import AssertionRequest

__all__ = ["BuiltinResolver", "SecretResolution"]


class SecretResolution:
    """Resolution for `PluginHost`: it provides the plugin manager, the reads and the sources."""

    _pm: pluggy.PluginManager
    reads: BoundedReads

    def secret_source(self, scheme: str) -> SecretSource:
        raise NotImplementedError

    def _unknown_scheme(self, scheme: str, reference: str | None = None) -> UnknownSecretSchemeError:
        raise NotImplementedError

    def emit(self, event: AuditEvent) -> None:
        raise NotImplementedError

    def resolve_reference_text(self, text: str) -> SecretValue:
        """Parse and resolve a reference string (for sources whose credentials are secrets)."""
        return self.resolve_secret(SecretReference.parse(text), fresh=False)

    def client_assertion(
        self, request: AssertionRequest, *, bound: float | None = None
    ) -> SecretValue | None:
        """An assertion a plugin provides (`credflow_client_assertion`), or None when none does.

        Audited and bounded like a secret read of `request.reference`.
        """

        def ask() -> SecretValue | None:
            return cast(SecretValue | None, self._pm.hook.credflow_client_assertion(request=request))

        started = time.perf_counter()
        try:
            value = ask() if bound is None else self.reads.run(request.reference, ask, bound)
        except Exception as exc:
            raise self._secret_failure(request.reference, exc, time.perf_counter() - started) from exc
        if value is not None:
            self._secret_fetched(request.reference, value, True, time.perf_counter() - started)
        return value

    def resolve_secret(
        self, reference: SecretReference, *, fresh: bool, bound: float | None = None
    ) -> SecretValue:
        """Resolve `reference` through the resolution hook, auditing the outcome.

        With `bound`, the read runs on a worker thread and is abandoned after
        `bound` seconds (`SecretSourceUnavailableError`); without, it runs here
        (a source resolving a nested reference is already on such a thread).
        """

        def read() -> SecretValue:
            value = self._pm.hook.credflow_resolve_secret(reference=reference, fresh=fresh)
            if value is None:
                raise self._unknown_scheme(reference.scheme, str(reference))
            return cast(SecretValue, value)

        started = time.perf_counter()
        try:
            value = read() if bound is None else self.reads.run(reference, read, bound)
        except Exception as exc:
            raise self._secret_failure(reference, exc, time.perf_counter() - started) from exc
        self._secret_fetched(reference, value, fresh, time.perf_counter() - started)
        return value

    async def aresolve_secret(
        self, reference: SecretReference, *, fresh: bool, bound: float | None = None
    ) -> SecretValue:
        """Resolve `reference` without blocking the event loop, auditing the outcome.

        With `bound`, the read is cancelled (a coroutine) or abandoned (a
        synchronous source on its worker thread) after `bound` seconds.
        """
        started = time.perf_counter()
        try:
            pending = self._pm.hook.credflow_aresolve_secret(reference=reference, fresh=fresh)
            if pending is None:
                raise self._unknown_scheme(reference.scheme, str(reference))
            if bound is None:
                value = await pending
            else:
                try:
                    import asyncio  # on use: a synchronous process never loads it

                    value = await asyncio.wait_for(pending, bound)
                except TimeoutError:
                    raise self.reads.abandon(reference, bound) from None
        except Exception as exc:
            raise self._secret_failure(reference, exc, time.perf_counter() - started) from exc
        self._secret_fetched(reference, value, fresh, time.perf_counter() - started)
        return cast(SecretValue, value)

    def _secret_fetched(
        self, reference: SecretReference, value: SecretValue, fresh: bool, duration: float
    ) -> None:
        self.emit(
            SecretFetched(
                reference=str(reference),
                scheme=reference.scheme,
                secret_fingerprint=value.fingerprint,
                fresh=fresh,
                cached=value.cached,
                stale=value.stale,
                version=value.version,
                duration_seconds=duration,
            )
        )

    def _secret_failure(self, reference: SecretReference, exc: Exception, duration: float) -> CredflowError:
        error: CredflowError
        if isinstance(exc, SecretSourceError):
            error = exc
            if error.reference is None:
                error.reference = str(reference)
        elif isinstance(exc, CredflowError):
            error = exc  # a ConfigError from a source's settings says what to fix as it is
        else:
            error = SecretSourceError(
                f"reading secret {reference} failed: {type(exc).__name__}: {exc}",
                reference=str(reference),
            )
        self.emit(
            SecretFailed(
                reference=str(reference),
                scheme=reference.scheme,
                error_type=type(error).__name__,
                message=str(error),
                duration_seconds=duration,
            )
        )
        return error


class BuiltinResolver:
    """Resolves references through the registered source; runs after any plugin's resolver."""

    def __init__(self, host: SecretResolution) -> None:
        self._host = host

    @hookspecs.hookimpl(trylast=True)
    def credflow_resolve_secret(self, reference: SecretReference, fresh: bool) -> SecretValue:
        return self._host.secret_source(reference.scheme).fetch(reference, fresh=fresh)

    @hookspecs.hookimpl(trylast=True)
    def credflow_aresolve_secret(self, reference: SecretReference, fresh: bool) -> Awaitable[SecretValue]:
        source = self._host.secret_source(reference.scheme)
        afetch = getattr(source, "afetch", None)
        if afetch is not None:
            return cast(Awaitable[SecretValue], afetch(reference, fresh=fresh))
        # On a daemon worker rather than asyncio.to_thread: the loop's executor waits for its
        # threads when the loop closes, so a read blocked for ever would block asyncio.run().
        read = self._host.reads.submit(reference, lambda: source.fetch(reference, fresh=fresh))
        import asyncio

        return asyncio.wrap_future(read)
