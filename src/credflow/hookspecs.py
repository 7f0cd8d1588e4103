"""The plugin contract: every hook a credflow plugin can implement.

Plugins are found through the `credflow` entry-point group (or registered by
hand on a `PluginHost`). Implement a hook by decorating a function with
`credflow.hookimpl` and naming it exactly as below; a misspelt hook name fails
when plugins are loaded.

Hooks fire in three places:

- at start-up, the *registration* hooks collect secret sources and token
  caches by name;
- at token acquisition, the *resolution* hooks turn a secret reference into a
  value (the built-in resolver dispatches to the registered source);
- on every step of an acquisition, the *audit* hooks receive a frozen event
  record that holds no secret and no token.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

import pluggy

if TYPE_CHECKING:
    from .config._plugin_settings import SettingsTable
    from .engine._cache import TokenCacheFactory
    from .events import (
        CacheBackendEvent,
        SecretFailed,
        SecretFetched,
        SecretRotation,
        TokenFailed,
        TokenIssued,
        TokenRequested,
        TokenRetried,
    )
    from .secret._reference import SecretReference
    from .secret._source import SecretSourceFactory
    from .secret._value import SecretValue

__all__ = ["RegisterSecretSource", "RegisterTokenCache", "hookimpl", "hookspec"]

PROJECT_NAME = "credflow"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


class RegisterSecretSource(Protocol):
    """The `register` callable handed to `credflow_register_secret_sources`."""

    def __call__(
        self,
        scheme: str,
        factory: SecretSourceFactory,
        *,
        description: str = "",
        settings: SettingsTable | None = None,
    ) -> None: ...


class RegisterTokenCache(Protocol):
    """The `register` callable handed to `credflow_register_token_caches`."""

    def __call__(
        self,
        name: str,
        factory: TokenCacheFactory,
        *,
        description: str = "",
        settings: SettingsTable | None = None,
    ) -> None: ...


# --- registration ---------------------------------------------------------


@hookspec
def credflow_register_secret_sources(register: RegisterSecretSource) -> None:
    """Register the secret-reference schemes this plugin serves.

    Fires once, when a `PluginHost` loads its plugins. Call
    `register("vault", factory)` for each scheme; `factory(context)` is called
    lazily, the first time a reference of that scheme is resolved, with a
    `credflow.plugin.SourceContext` carrying the `[sources.<scheme>]` settings, and
    returns a `credflow.plugin.SecretSource`. Import heavy SDKs inside the factory,
    not at module level, so `import credflow` stays fast. Registering a scheme
    another plugin already registered is an error. Returns nothing.

    Pass `settings=credflow.plugin.SettingsTable(...)` to declare the keys of
    `[sources.<scheme>]`: the table is then checked when the configuration
    loads (`context.settings` holds the checked values, defaults filled in)
    and documented in the configuration reference (since 0.2.0).

    Since 0.1.0.
    """


@hookspec
def credflow_register_token_caches(register: RegisterTokenCache) -> None:
    """Register token-cache backends by name (the `backend` key of `[clients.X.cache]`).

    Fires once, when a `PluginHost` loads its plugins. `factory(context)`
    receives a `credflow.plugin.CacheContext` with the rest of the `cache` table and
    returns a `credflow.plugin.TokenCacheBackend`. The built-in backend is `memory`.
    `settings=credflow.plugin.SettingsTable(...)` declares the backend's keys
    of the `cache` table, checked when the configuration loads (since 0.2.0).
    Returns nothing.

    Since 0.1.0.
    """


# --- resolution -----------------------------------------------------------


@hookspec(firstresult=True)
def credflow_resolve_secret(reference: SecretReference, fresh: bool) -> SecretValue | None:
    """Resolve a secret reference to its value, on the synchronous path.

    Fires each time a token is about to be requested (not on cache hits).
    `fresh` is true after the token endpoint rejected the secret: skip every
    cache. firstresult: the first non-`None` answer wins. The built-in
    implementation runs last and calls the source registered for
    `reference.scheme`; implement this hook only to intercept resolution (for
    example to decrypt values), and return `None` to pass.

    Since 0.1.0.
    """


@hookspec(firstresult=True)
def credflow_aresolve_secret(reference: SecretReference, fresh: bool) -> Awaitable[SecretValue] | None:
    """Resolve a secret reference on the asynchronous path; return an awaitable.

    Same contract as `credflow_resolve_secret`, but return an awaitable (for
    example a coroutine) or `None` to pass. The built-in implementation awaits
    the source's `afetch` when it has one, and otherwise runs its `fetch` in a
    worker thread, so a synchronous source never blocks the event loop.

    Since 0.1.0.
    """


# --- audit ----------------------------------------------------------------


@hookspec
def credflow_token_requested(event: TokenRequested) -> None:
    """A token request is about to be sent (once per attempt series, not per retry).

    Since 0.1.0.
    """


@hookspec
def credflow_token_issued(event: TokenIssued) -> None:
    """The token endpoint issued a token; `event.token_fingerprint` identifies it.

    Since 0.1.0.
    """


@hookspec
def credflow_token_failed(event: TokenFailed) -> None:
    """Getting a token failed for good; the caller receives the exception next.

    Since 0.1.0.
    """


@hookspec
def credflow_token_retried(event: TokenRetried) -> None:
    """A token request failed transiently and is sent again after `event.delay_seconds`.

    Since 0.1.0.
    """


@hookspec
def credflow_secret_fetched(event: SecretFetched) -> None:
    """A secret reference was resolved (from the backend, its cache, or stale).

    Since 0.1.0.
    """


@hookspec
def credflow_secret_failed(event: SecretFailed) -> None:
    """Resolving a secret reference failed.

    Since 0.1.0.
    """


@hookspec
def credflow_secret_rotation(event: SecretRotation) -> None:
    """A rotation was detected or handled: a new value, a candidate fallback, or its end.

    Since 0.1.0.
    """


@hookspec
def credflow_cache_backend(event: CacheBackendEvent) -> None:
    """A shared token cache became unavailable or came back.

    Fired once per transition, not per call.

    Since 0.1.0.
    """
