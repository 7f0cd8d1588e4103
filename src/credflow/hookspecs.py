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
  record that holds no secret and no token;
- for metrics and traces, the *telemetry* hooks receive the `[telemetry]`
  settings once and frozen events for engines, flights and HTTP requests.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Protocol

import pluggy

if TYPE_CHECKING:
    from .client_auth._methods import AssertionRequest
    from .config._plugin_settings import SettingsTable
    from .config._telemetry import TelemetryConfig
    from .engine._cache import TokenCacheFactory
    from .events import (
        AcquisitionEnded,
        AcquisitionStarted,
        CacheBackendEvent,
        EngineStarted,
        SecretFailed,
        SecretFetched,
        SecretRotation,
        TokenEndpointCalled,
        TokenFailed,
        TokenIssued,
        TokenRequested,
        TokenRequestEnded,
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


@hookspec(firstresult=True)
def credflow_client_assertion(request: AssertionRequest) -> SecretValue | None:
    """Provide the assertion of a client with `auth_method = "client_assertion"`.

    Fires at each acquisition of such a client (not on cache hits), before its
    `client_assertion` reference is read, on a worker thread on the async path:
    for an assertion that does not live in a file (a cloud's metadata endpoint,
    a SPIFFE Workload API). Return the assertion (a JWT) as a `SecretValue`
    for the references you serve (`request.reference.scheme`), `None` to let
    the reference be read from its secret source. Answer with an assertion
    valid now (it is asked anew at every acquisition). firstresult. The
    scheme must still be one a plugin registers as a secret source, so that the
    configuration is checked when it is loaded.

    Since 0.2.0.
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


# --- telemetry --------------------------------------------------------------


@hookspec
def credflow_configure_telemetry(settings: TelemetryConfig) -> None:
    """Receive the `[telemetry]` settings; a telemetry plugin does nothing when `settings.enabled` is false.

    Fires once, when a `PluginHost` has loaded its plugins: with the loaded
    configuration's `[telemetry]` table, or the defaults (enabled) for a host
    created without a configuration file. Returns nothing.

    Since 0.1.0.
    """


@hookspec
def credflow_describe_telemetry() -> str | None:
    """Describe what this telemetry plugin records into, for `credflow check`; `None` to pass.

    Not firstresult: `credflow check` prints every answer, for example
    `"credflow-otel: meter provider opentelemetry.sdk.metrics.MeterProvider"`.

    Since 0.1.0.
    """


@hookspec
def credflow_engine_started(event: EngineStarted) -> None:
    """A `TokenEngine` was created; `event.cache_hits()` reads its in-process hit count.

    Keep `event.cache_hits` and call it when metrics are collected: the
    engine counts hits without a lock and without an event per call, so this
    is the only way to observe them.

    Since 0.1.0.
    """


@hookspec
def credflow_acquisition_started(event: AcquisitionStarted) -> None:
    """A flight began (one acquisition shared by every waiting caller).

    Its `credflow_acquisition_ended` fires on the same thread or asyncio task,
    with the same `acquisition_id`: a tracing plugin may make a span current
    in between, so the secret read and HTTP spans nest under it.

    Since 0.1.0.
    """


@hookspec
def credflow_acquisition_ended(event: AcquisitionEnded) -> None:
    """A flight ended, with its outcome, duration, token source and number of waiting callers.

    Since 0.1.0.
    """


@hookspec
def credflow_token_request_ended(event: TokenRequestEnded) -> None:
    """One token request got its final answer (after retries): issued, rejected or error.

    Since 0.1.0.
    """


@hookspec
def credflow_token_endpoint_called(event: TokenEndpointCalled) -> None:
    """One HTTP request to the token endpoint ended (each retry is one), with its status and timing.

    Since 0.1.0.
    """
