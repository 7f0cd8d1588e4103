"""The plugin kit: everything a secret-source or token-cache plugin imports, from one module.

A plugin package imports from `credflow.plugin` (this module), `credflow`,
`credflow.hookspecs` and `credflow.events`, and its tests from
`credflow.testing`; nothing else of credflow is public to plugins, and
`tests/core/test_plugin_surface.py` fails when a plugin reaches further.

What is here, in the order a plugin meets it:

- the contract: `hookimpl`, the `register` callables, `SourceContext`,
  `SecretSource` and its optional `RotatingSecretSource` / `AsyncSecretSource`
  faces, `CacheContext`, `TokenCacheBackend`, `CacheScope`, `cache_key`;
- its settings, declared once (`SettingsTable` of `string`, `seconds`, …,
  handed to `register(..., settings=...)`): checked when the configuration
  loads and documented in the configuration reference;
- references and values: `SecretReference`, `looks_like_reference`,
  `SecretValue`, and `select_value` for the `#key` of a JSON secret;
- tokens at rest for a shared token cache: `seal`, `open_entry` and
  `fingerprint_tag` (AES-GCM under a key derived from the client secret, the
  same entries as the file cache), `ENTRY_VERSION`, `TAG_SIZE`;
- the secret cache with stale-if-error: `SecretCache`,
  `secret_cache_settings()` and `SecretCache.from_settings`;
- checks for settings a declaration cannot state alone: `check_seconds`,
  `check_integer`, `check_fraction`, `ensure_no_userinfo`, `is_loopback_host`;
- audit events a plugin emits through `context.emit`: `AuditEvent`,
  `CacheBackendEvent`;
- the errors a source raises;
- `AssertionRequest`, what a `credflow_client_assertion` hook is asked to sign.

A blocking `fetch` needs no async twin: on the async path credflow runs it
on a worker thread bounded by the client's deadline, so the event loop never
waits on it. Write `afetch` only for a client that is natively asynchronous.
"""

from __future__ import annotations

from ._security import ensure_no_userinfo, is_loopback_host
from .client_auth._methods import AssertionRequest
from .config._checks import check_fraction, check_integer, check_seconds
from .config._plugin_settings import (
    SettingSpec,
    SettingsTable,
    boolean,
    check_settings,
    choice,
    integer,
    seconds,
    secret_cache_settings,
    string,
    strings,
    table,
    tables,
)
from .engine._cache import CacheContext, CacheScope, TokenCacheBackend, TokenCacheFactory, cache_key
from .engine._sealing import ENTRY_VERSION, TAG_SIZE, fingerprint_tag, open_entry, seal
from .errors import (
    ConfigError,
    PluginError,
    SecretAccessDeniedError,
    SecretNotFoundError,
    SecretSourceError,
    SecretSourceUnavailableError,
)
from .events import AuditEvent, CacheBackendEvent
from .hookspecs import RegisterSecretSource, RegisterTokenCache, hookimpl
from .secret._cache import SecretCache
from .secret._reference import SecretReference, looks_like_reference
from .secret._select import select_value
from .secret._source import (
    AsyncSecretSource,
    RotatingSecretSource,
    SecretSource,
    SecretSourceFactory,
    SourceContext,
)
from .secret._value import SecretValue, fingerprint
from .token import Token

__all__ = [
    "ENTRY_VERSION",
    "TAG_SIZE",
    "AssertionRequest",
    "AsyncSecretSource",
    "AuditEvent",
    "CacheBackendEvent",
    "CacheContext",
    "CacheScope",
    "ConfigError",
    "PluginError",
    "RegisterSecretSource",
    "RegisterTokenCache",
    "RotatingSecretSource",
    "SecretAccessDeniedError",
    "SecretCache",
    "SecretNotFoundError",
    "SecretReference",
    "SecretSource",
    "SecretSourceError",
    "SecretSourceFactory",
    "SecretSourceUnavailableError",
    "SecretValue",
    "SettingSpec",
    "SettingsTable",
    "SourceContext",
    "Token",
    "TokenCacheBackend",
    "TokenCacheFactory",
    "boolean",
    "cache_key",
    "check_fraction",
    "check_integer",
    "check_seconds",
    "check_settings",
    "choice",
    "ensure_no_userinfo",
    "fingerprint",
    "fingerprint_tag",
    "hookimpl",
    "integer",
    "is_loopback_host",
    "looks_like_reference",
    "open_entry",
    "seal",
    "seconds",
    "secret_cache_settings",
    "select_value",
    "string",
    "strings",
    "table",
    "tables",
]
